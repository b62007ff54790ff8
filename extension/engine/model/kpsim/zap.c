// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: MADV_DONTNEED (madvise_dontneed_single_vma and
 * zap_page_range_single). The PTEs are zapped by the tree's own zap_pte_range(), which handles
 * device-exclusive entries (inline before v6.13, in zap_nonpresent_ptes() after).
 */

/* Trees without zap_pte_range() (the examples): non-present entries go to zap_nonpresent_ptes(). */
static void kpsim_zap_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
			    unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	int rss[NR_MM_COUNTERS];
	bool any_skipped;
	spinlock_t *ptl;
	unsigned long addr;
	pte_t *pte;
	pte_t ptent;

	memset(rss, 0, sizeof(rss));
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		pte = pte_offset_map_lock(mm, kpsim_pmd_of(mm, addr), addr, &ptl);
		if (!pte)
			continue;
		ptent = ptep_get(pte);
		if (!pte_none(ptent)) {
			if (pte_present(ptent))
				kpsim_zap_present(tlb, vma, pte, addr);
			else
				zap_nonpresent_ptes(tlb, vma, pte, ptent, 1, addr, NULL, rss, &any_skipped);
		}
		pte_unmap_unlock(pte, ptl);
	}
}

int kpsim_madv_dontneed(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct mmu_notifier_range range;
	struct vm_area_struct *vma;
	struct mmu_gather tlb = {
		.mm = mm,
		.fullmm = 0,
	};

	mmap_read_lock(mm);
	vma = vma_lookup(mm, start);
	if (!vma) {
		mmap_read_unlock(mm);
		return -ENOMEM;
	}
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	if (kpsim_defined("zap_pte_range"))
		zap_pte_range(&tlb, vma, kpsim_pmd_of(mm, start), start, end, NULL);
	else
		kpsim_zap_range(&tlb, vma, start, end);
	mmu_notifier_invalidate_range_end(&range);
	mmap_read_unlock(mm);
	return 0;
}
