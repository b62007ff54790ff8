// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: mprotect() on a range inside one VMA
 * (mprotect_fixup and change_protection reduced). The PTEs are changed by the tree's own
 * change_pte_range(), which handles device-exclusive entries.
 */

int kpsim_mprotect(struct mm_struct *mm, unsigned long start, unsigned long end, int write)
{
	struct mmu_notifier_range range;
	struct vm_area_struct *vma;
	struct mmu_gather tlb = {
		.mm = mm,
		.fullmm = 0,
	};
	unsigned long newflags;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, start);
	if (!vma) {
		mmap_write_unlock(mm);
		return -ENOMEM;
	}
	newflags = write ? (vma->vm_flags | VM_WRITE) : (vma->vm_flags & ~VM_WRITE);
	kpsim_set_vm_flags(vma, newflags);
	mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_VMA, 0, mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	change_pte_range(&tlb, vma, kpsim_pmd_of(mm, start), start, end,
			 vm_get_page_prot(newflags), 0);
	mmu_notifier_invalidate_range_end(&range);
	mmap_write_unlock(mm);
	return 0;
}
