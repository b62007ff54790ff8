// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: fork (dup_mmap and copy_pte_range reduced to
 * one PTE at a time). A non-present PTE is copied by the tree's own copy_nonpresent_pte(), which
 * is where device-exclusive entries are restored; present PTEs are copied as COW (modelled).
 */

static int kpsim_fork_copy(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			   unsigned long addr)
{
	struct mm_struct *dst_mm = dst_vma->vm_mm;
	struct mm_struct *src_mm = src_vma->vm_mm;
	spinlock_t *src_ptl, *dst_ptl;
	pte_t *src_pte, *dst_pte;
	int rss[NR_MM_COUNTERS];
	pte_t ptent;
	int ret = 0;

	memset(rss, 0, sizeof(rss));
	kpsim_pte_of(dst_mm, addr);	/* pte_alloc() in the child */
	dst_pte = pte_offset_map_lock(dst_mm, kpsim_pmd_of(dst_mm, addr), addr, &dst_ptl);
	src_pte = pte_offset_map_lock(src_mm, kpsim_pmd_of(src_mm, addr), addr, &src_ptl);
	ptent = ptep_get(src_pte);
	if (pte_none(ptent))
		goto out;
	if (!pte_present(ptent)) {
		ret = copy_nonpresent_pte(dst_mm, src_mm, dst_pte, src_pte, dst_vma, src_vma, addr, rss);
		if (ret == -EBUSY || ret == -EIO || !ret)
			goto out;
		/* A device-exclusive entry was restored: copy it as the present PTE it is now. */
		ptent = ptep_get(src_pte);
		ret = 0;
	}
	kpsim_copy_present_pte(dst_vma, src_vma, dst_pte, src_pte, ptent, addr);
out:
	pte_unmap_unlock(src_pte, src_ptl);
	pte_unmap_unlock(dst_pte, dst_ptl);
	return ret;
}

int kpsim_fork(struct mm_struct *mm)
{
	struct mmu_notifier_range range;
	struct vm_area_struct *src_vma, *dst_vma;
	struct mm_struct *child;
	unsigned long addr;
	int i, ret = 0;

	mmap_write_lock(mm);
	child = kpsim_dup_mm(mm);
	for (i = 0; !ret && i < kpsim_vma_count(mm); i++) {
		src_vma = kpsim_vma_get(mm, i);
		dst_vma = kpsim_vma_get(child, i);
		/* copy_page_range(): a COW mapping is write-protected under a notifier range. */
		mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_PAGE, 0, mm,
					src_vma->vm_start, src_vma->vm_end);
		mmu_notifier_invalidate_range_start(&range);
		for (addr = src_vma->vm_start; addr < src_vma->vm_end; addr += PAGE_SIZE) {
			if (!kpsim_pte_populated(mm, addr))
				continue;
			ret = kpsim_fork_copy(dst_vma, src_vma, addr);
			if (ret)
				break;
		}
		mmu_notifier_invalidate_range_end(&range);
	}
	mmap_write_unlock(mm);
	return ret;
}
