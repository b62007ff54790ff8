// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: the fault dispatcher (__handle_mm_fault and
 * handle_pte_fault reduced to anonymous memory). A non-present PTE goes to the tree's own
 * do_swap_page(), where device-exclusive entries are handled; missing and write-protected
 * PTEs go to the model's handlers, which are off the device-exclusive paths.
 */

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
			   unsigned int flags, struct pt_regs *regs)
{
	struct vm_fault vmf = {
		.vma = vma,
		.address = address & PAGE_MASK,
		.real_address = address,
		.flags = flags,
		.pgoff = 0,
	};

	/* A write to a PMD-mapped THP: the model splits it rather than copying it whole. */
	if (kpsim_pmd_is_huge(vma->vm_mm, address)) {
		if (!(flags & FAULT_FLAG_WRITE))
			return 0;
		kpsim_split_pmd(vma->vm_mm, address);
	}

	vmf.pmd = kpsim_pmd_of(vma->vm_mm, address);
	vmf.pte = kpsim_pte_of(vma->vm_mm, address);
	vmf.orig_pte = ptep_get(vmf.pte);

	if (pte_none(vmf.orig_pte))
		return kpsim_do_anonymous_page(&vmf);
	if (!pte_present(vmf.orig_pte))
		return do_swap_page(&vmf);
	if ((flags & FAULT_FLAG_WRITE) && !pte_write(vmf.orig_pte))
		return kpsim_do_wp_page(&vmf);
	return 0;
}
