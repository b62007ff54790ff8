// SPDX-License-Identifier: MIT
// Simplified example written for Kernel Path Simulator; not kernel code.

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/rmap.h>
#include <linux/swapops.h>

/*
 * Turn a device-exclusive entry back into a normal PTE for @page. The new
 * PTE is built from the VMA protection, so it starts out old and is only
 * made writable (and dirty) when the VMA allows it. Caller holds the folio
 * lock and the PTE lock.
 */
static void restore_exclusive_pte(struct vm_area_struct *vma,
				  struct folio *folio, struct page *page,
				  unsigned long address, pte_t *ptep,
				  pte_t orig_pte)
{
	pte_t pte;

	pte = pte_mkold(mk_pte(page, READ_ONCE(vma->vm_page_prot)));
	if (pte_swp_soft_dirty(orig_pte))
		pte = pte_mksoft_dirty(pte);
	if (pte_swp_uffd_wp(orig_pte))
		pte = pte_mkuffd_wp(pte);

	if ((vma->vm_flags & VM_WRITE) &&
	    can_change_pte_writable(vma, address, pte)) {
		if (folio_test_dirty(folio))
			pte = pte_mkdirty(pte);
		pte = pte_mkwrite(pte, vma);
	}
	set_pte_at(vma->vm_mm, address, ptep, pte);

	/* The entry was not present, so only the MMU cache needs a poke. */
	update_mmu_cache(vma, address, ptep);
}

/* Restore without sleeping: give up with -EBUSY if the folio is locked. */
static int
try_restore_exclusive_pte(struct vm_area_struct *vma, unsigned long addr,
			  pte_t *ptep, pte_t orig_pte)
{
	swp_entry_t entry = pte_to_swp_entry(orig_pte);
	struct page *page = pfn_swap_entry_to_page(entry);
	struct folio *folio = page_folio(page);

	if (!folio_trylock(folio))
		return -EBUSY;

	restore_exclusive_pte(vma, folio, page, addr, ptep, orig_pte);
	folio_unlock(folio);
	return 0;
}

/*
 * fork(): copy one non-present PTE from the parent into the child.
 * Returns 0 when copied, -EBUSY to make the caller retry after dropping
 * its locks, and -ENOENT when the parent PTE is present again and has to
 * be copied as a present PTE.
 */
static unsigned long
copy_nonpresent_pte(struct mm_struct *dst_mm, struct mm_struct *src_mm,
		    pte_t *dst_pte, pte_t *src_pte,
		    struct vm_area_struct *dst_vma,
		    struct vm_area_struct *src_vma, unsigned long addr,
		    int *rss)
{
	pte_t orig_pte = ptep_get(src_pte);
	swp_entry_t entry = pte_to_swp_entry(orig_pte);
	pte_t pte = orig_pte;
	struct folio *folio;
	struct page *page;

	if (!non_swap_entry(entry)) {
		/* A real swap slot: both tasks now share it. */
		if (swap_duplicate(entry) < 0)
			return -EIO;
		if (pte_swp_exclusive(orig_pte)) {
			pte = pte_swp_clear_exclusive(orig_pte);
			set_pte_at(src_mm, addr, src_pte, pte);
		}
		rss[MM_SWAPENTS]++;
	} else if (is_migration_entry(entry)) {
		folio = pfn_swap_entry_folio(entry);
		rss[mm_counter(folio)]++;

		/* A COW page ends up shared, so neither side may write. */
		if (is_writable_migration_entry(entry) &&
		    is_cow_mapping(src_vma->vm_flags)) {
			entry = make_readable_migration_entry(
							swp_offset(entry));
			pte = swp_entry_to_pte(entry);
			if (pte_swp_soft_dirty(orig_pte))
				pte = pte_swp_mksoft_dirty(pte);
			if (pte_swp_uffd_wp(orig_pte))
				pte = pte_swp_mkuffd_wp(pte);
			set_pte_at(src_mm, addr, src_pte, pte);
		}
	} else if (is_device_private_entry(entry)) {
		page = pfn_swap_entry_to_page(entry);
		folio = page_folio(page);
		folio_get(folio);
		rss[mm_counter(folio)]++;
		folio_try_dup_anon_rmap_pte(folio, page, dst_vma, src_vma);

		if (is_writable_device_private_entry(entry) &&
		    is_cow_mapping(src_vma->vm_flags)) {
			entry = make_readable_device_private_entry(
							swp_offset(entry));
			pte = swp_entry_to_pte(entry);
			if (pte_swp_uffd_wp(orig_pte))
				pte = pte_swp_mkuffd_wp(pte);
			set_pte_at(src_mm, addr, src_pte, pte);
		}
	} else if (is_device_exclusive_entry(entry)) {
		/*
		 * Do not copy the exclusive entry: put the parent's PTE back
		 * and let the caller copy it as an ordinary present PTE. The
		 * device loses its exclusive access through the notifier.
		 */
		if (try_restore_exclusive_pte(src_vma, addr, src_pte, orig_pte))
			return -EBUSY;
		return -ENOENT;
	}

	if (!userfaultfd_wp(dst_vma))
		pte = pte_swp_clear_uffd_wp(pte);
	set_pte_at(dst_mm, addr, dst_pte, pte);
	return 0;
}

/*
 * munmap()/exit(): drop one non-present PTE. Device-exclusive and
 * device-private entries still hold a mapping of the folio, so its rmap
 * and reference go away here. This example always handles a single PTE.
 */
static inline int zap_nonpresent_ptes(struct mmu_gather *tlb,
				      struct vm_area_struct *vma, pte_t *pte,
				      pte_t ptent, unsigned int max_nr,
				      unsigned long addr,
				      struct zap_details *details, int *rss,
				      bool *any_skipped)
{
	swp_entry_t entry = pte_to_swp_entry(ptent);
	struct folio *folio;
	struct page *page;

	if (is_device_exclusive_entry(entry) ||
	    is_device_private_entry(entry)) {
		page = pfn_swap_entry_to_page(entry);
		folio = page_folio(page);
		rss[mm_counter(folio)]--;
		folio_remove_rmap_pte(folio, page, vma);
		folio_put(folio);
	} else if (!non_swap_entry(entry)) {
		rss[MM_SWAPENTS]--;
		free_swap_and_cache_nr(entry, 1);
	} else if (is_migration_entry(entry)) {
		folio = pfn_swap_entry_folio(entry);
		rss[mm_counter(folio)]--;
	}

	clear_not_present_full_ptes(vma->vm_mm, addr, pte, 1, tlb->fullmm);
	*any_skipped = false;
	return 1;
}

/*
 * CPU fault on a device-exclusive entry: revoke the device's access and
 * restore the original PTE under the folio lock.
 */
static vm_fault_t remove_device_exclusive_entry(struct vm_fault *vmf)
{
	struct folio *folio = page_folio(vmf->page);
	struct vm_area_struct *vma = vmf->vma;
	struct mmu_notifier_range range;
	unsigned long start = vmf->address & PAGE_MASK;
	vm_fault_t ret;

	/*
	 * We do not hold the PTE lock, so the entry may already be gone and
	 * the folio freed. Without a reference there is nothing to restore.
	 */
	if (!folio_try_get(folio))
		return 0;

	ret = folio_lock_or_retry(folio, vmf);
	if (ret) {
		folio_put(folio);
		return ret;
	}

	/* No owner: every mirror, including the exclusive one, must drop it. */
	mmu_notifier_range_init_owner(&range, MMU_NOTIFY_EXCLUSIVE, 0,
				      vma->vm_mm, start, start + PAGE_SIZE,
				      NULL);
	mmu_notifier_invalidate_range_start(&range);

	vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, vmf->address,
				       &vmf->ptl);
	if (vmf->pte && pte_same(ptep_get(vmf->pte), vmf->orig_pte))
		restore_exclusive_pte(vma, folio, vmf->page, vmf->address,
				      vmf->pte, vmf->orig_pte);
	if (vmf->pte)
		pte_unmap_unlock(vmf->pte, vmf->ptl);

	folio_unlock(folio);
	folio_put(folio);
	mmu_notifier_invalidate_range_end(&range);
	return 0;
}

/*
 * Fault on a non-present, non-none PTE. Only the dispatch on the entry
 * type is modelled; reading a page back from swap is out of scope here.
 */
vm_fault_t do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct dev_pagemap *pgmap;
	swp_entry_t entry;
	vm_fault_t ret = 0;

	entry = pte_to_swp_entry(vmf->orig_pte);
	if (!non_swap_entry(entry))
		return VM_FAULT_SIGBUS;

	if (is_migration_entry(entry)) {
		migration_entry_wait(vma->vm_mm, vmf->pmd, vmf->address);
	} else if (is_device_exclusive_entry(entry)) {
		vmf->page = pfn_swap_entry_to_page(entry);
		ret = remove_device_exclusive_entry(vmf);
	} else if (is_device_private_entry(entry)) {
		vmf->page = pfn_swap_entry_to_page(entry);
		vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd,
					       vmf->address, &vmf->ptl);
		if (!vmf->pte)
			goto out;
		if (!pte_same(ptep_get(vmf->pte), vmf->orig_pte)) {
			pte_unmap_unlock(vmf->pte, vmf->ptl);
			goto out;
		}
		if (!trylock_page(vmf->page)) {
			pte_unmap_unlock(vmf->pte, vmf->ptl);
			goto out;
		}
		get_page(vmf->page);
		pte_unmap_unlock(vmf->pte, vmf->ptl);
		pgmap = page_pgmap(vmf->page);
		ret = pgmap->ops->migrate_to_ram(vmf);
		unlock_page(vmf->page);
		put_page(vmf->page);
	} else if (is_hwpoison_entry(entry)) {
		ret = VM_FAULT_HWPOISON;
	} else {
		ret = VM_FAULT_SIGBUS;
	}
out:
	return ret;
}
