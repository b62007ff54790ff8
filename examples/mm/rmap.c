// SPDX-License-Identifier: MIT
// Simplified example written for Kernel Path Simulator; not kernel code.

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/rmap.h>
#include <linux/swapops.h>

/*
 * make_device_exclusive - hand one anonymous page to a device for atomics
 * @mm:     address space the page lives in (mmap_lock held for read)
 * @addr:   user address of the page
 * @owner:  cookie passed to the MMU_NOTIFY_EXCLUSIVE notifier so the caller
 *          can recognise (and skip) the invalidation it triggers itself
 * @foliop: on success the folio, locked and with a reference held
 *
 * The present PTE is swapped for a device-exclusive swap entry. Any CPU
 * access then faults into do_swap_page(), which puts the PTE back.
 */
struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr,
				   void *owner, struct folio **foliop)
{
	struct mmu_notifier_range range;
	struct vm_area_struct *vma;
	struct folio *folio;
	struct folio *walked;
	struct folio_walk fw;
	struct page *page;
	swp_entry_t entry;
	pte_t swp_pte;

	mmap_assert_locked(mm);
	addr = PAGE_ALIGN_DOWN(addr);

retry:
	/* Fault the page in writable; this also undoes an older exclusive. */
	page = get_user_page_vma_remote(mm, addr,
					FOLL_GET | FOLL_WRITE | FOLL_SPLIT_PMD,
					&vma);
	if (IS_ERR(page))
		return page;
	folio = page_folio(page);

	if (!folio_test_anon(folio) || folio_test_hugetlb(folio)) {
		folio_put(folio);
		return ERR_PTR(-EOPNOTSUPP);
	}

	if (!folio_trylock(folio))
		folio_lock(folio);

	/* Secondary MMUs drop the page now; @owner filters its own event. */
	mmu_notifier_range_init_owner(&range, MMU_NOTIFY_EXCLUSIVE, 0, mm,
				      addr, addr + PAGE_SIZE, owner);
	mmu_notifier_invalidate_range_start(&range);

	/* The PTE may have changed while we slept on the folio lock. */
	walked = folio_walk_start(&fw, vma, addr, 0);
	if (walked != folio || fw.page != page || fw.level != FW_LEVEL_PTE ||
	    !pte_write(fw.pte)) {
		if (walked)
			folio_walk_end(&fw, vma);
		mmu_notifier_invalidate_range_end(&range);
		folio_unlock(folio);
		folio_put(folio);
		goto retry;
	}

	/* Clear and flush first so a racing hardware dirty bit is not lost. */
	flush_cache_page(vma, addr, page_to_pfn(page));
	fw.pte = ptep_clear_flush(vma, addr, fw.ptep);
	if (pte_dirty(fw.pte))
		folio_mark_dirty(folio);

	entry = make_device_exclusive_entry(page_to_pfn(page));
	swp_pte = swp_entry_to_pte(entry);
	if (pte_soft_dirty(fw.pte))
		swp_pte = pte_swp_mksoft_dirty(swp_pte);
	if (pte_uffd_wp(fw.pte))
		swp_pte = pte_swp_mkuffd_wp(swp_pte);
	set_pte_at(mm, addr, fw.ptep, swp_pte);

	folio_walk_end(&fw, vma);
	mmu_notifier_invalidate_range_end(&range);
	*foliop = folio;
	return page;
}
