// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: a CPU thread touching user memory. The access
 * goes through when the PTE allows it; otherwise the fault is handled (by the tree's own code
 * wherever the device-exclusive logic lives) and the access is tried again, as the hardware does.
 */

int kpsim_cpu_access(struct mm_struct *mm, unsigned long addr, int write)
{
	struct vm_area_struct *vma;
	vm_fault_t ret;

	while (!kpsim_touch(mm, addr, write)) {
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		if (!vma) {
			mmap_read_unlock(mm);
			return -EFAULT;
		}
		ret = handle_mm_fault(vma, addr, write ? FAULT_FLAG_WRITE | FAULT_FLAG_USER : FAULT_FLAG_USER, NULL);
		mmap_read_unlock(mm);
		if (ret & VM_FAULT_ERROR)
			return -EFAULT;
	}
	return 0;
}
