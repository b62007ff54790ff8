// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: get_user_pages for one page at a time. Like
 * __get_user_pages(), it follows the page and, when the PTE does not allow the access, faults
 * it in through handle_mm_fault() and follows again.
 */

struct page *get_user_page_vma_remote(struct mm_struct *mm, unsigned long addr,
				      int gup_flags, struct vm_area_struct **vmap)
{
	struct vm_area_struct *vma;
	struct page *page;
	vm_fault_t ret;
	int write = (gup_flags & FOLL_WRITE) != 0;

	vma = vma_lookup(mm, addr);
	if (!vma)
		return ERR_PTR(-EFAULT);
	if (gup_flags & FOLL_SPLIT_PMD)
		kpsim_split_pmd(mm, addr);

	for (;;) {
		page = kpsim_follow_page(vma, addr, write);
		if (page)
			break;
		ret = handle_mm_fault(vma, addr,
				      write ? FAULT_FLAG_WRITE | FAULT_FLAG_REMOTE : FAULT_FLAG_REMOTE,
				      NULL);
		if (ret & VM_FAULT_ERROR)
			return ERR_PTR(-EFAULT);
	}
	*vmap = vma;
	return page;
}

long get_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, int *locked)
{
	struct vm_area_struct *vma;
	struct page *page;
	long i;

	for (i = 0; i < nr_pages; i++) {
		page = get_user_page_vma_remote(mm, start + i * PAGE_SIZE, gup_flags, &vma);
		if (IS_ERR(page))
			return i ? i : PTR_ERR(page);
		pages[i] = page;
	}
	return i;
}

/*
 * A kernel user of GUP on the process's memory (O_DIRECT, process_vm_writev, a second driver):
 * take a reference to the page for writing, use it, drop it.
 */
int kpsim_gup_write(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;
	struct page *page;

	mmap_read_lock(mm);
	page = get_user_page_vma_remote(mm, addr, FOLL_GET | FOLL_WRITE, &vma);
	mmap_read_unlock(mm);
	if (IS_ERR(page))
		return PTR_ERR(page);
	put_page(page);
	return 0;
}
