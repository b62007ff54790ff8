// SPDX-License-Identifier: MIT
// Simplified example written for Kernel Path Simulator; not kernel code.

#include <linux/mm.h>
#include <linux/swapops.h>
#include <asm/tlb.h>

/*
 * Apply @newprot to the PTEs of [addr, end) under one PMD. Returns the
 * number of PTEs changed, or -EAGAIN when the page table went away.
 * vma->vm_flags already holds the new flags when this runs.
 */
static long change_pte_range(struct mmu_gather *tlb,
			     struct vm_area_struct *vma, pmd_t *pmd,
			     unsigned long addr, unsigned long end,
			     pgprot_t newprot, unsigned long cp_flags)
{
	bool uffd_wp = cp_flags & MM_CP_UFFD_WP;
	bool uffd_wp_resolve = cp_flags & MM_CP_UFFD_WP_RESOLVE;
	bool drop_write = !(vma->vm_flags & VM_WRITE);
	swp_entry_t entry;
	pte_t *start_pte, *pte, oldpte, ptent, newpte;
	spinlock_t *ptl;
	long pages = 0;

	start_pte = pte_offset_map_lock(vma->vm_mm, pmd, addr, &ptl);
	if (!start_pte)
		return -EAGAIN;

	pte = start_pte;
	do {
		oldpte = ptep_get(pte);
		if (pte_present(oldpte)) {
			oldpte = ptep_modify_prot_start(vma, addr, pte);
			ptent = pte_modify(oldpte, newprot);
			if (uffd_wp)
				ptent = pte_mkuffd_wp(ptent);
			else if (uffd_wp_resolve)
				ptent = pte_clear_uffd_wp(ptent);

			/* Skip the write fault when nothing needs to see it. */
			if ((cp_flags & MM_CP_TRY_CHANGE_WRITABLE) &&
			    !pte_write(ptent) &&
			    can_change_pte_writable(vma, addr, ptent))
				ptent = pte_mkwrite(ptent, vma);

			ptep_modify_prot_commit(vma, addr, pte, oldpte, ptent);
			if (pte_needs_flush(oldpte, ptent))
				tlb_flush_pte_range(tlb, addr, PAGE_SIZE);
			pages++;
		} else if (is_swap_pte(oldpte)) {
			entry = pte_to_swp_entry(oldpte);
			newpte = oldpte;

			if (drop_write && is_writable_migration_entry(entry)) {
				entry = make_readable_migration_entry(
							swp_offset(entry));
				newpte = swp_entry_to_pte(entry);
				if (pte_swp_soft_dirty(oldpte))
					newpte = pte_swp_mksoft_dirty(newpte);
				if (pte_swp_uffd_wp(oldpte))
					newpte = pte_swp_mkuffd_wp(newpte);
			} else if (drop_write &&
				   is_writable_device_private_entry(entry)) {
				entry = make_readable_device_private_entry(
							swp_offset(entry));
				newpte = swp_entry_to_pte(entry);
				if (pte_swp_uffd_wp(oldpte))
					newpte = pte_swp_mkuffd_wp(newpte);
			} else if (is_device_exclusive_entry(entry)) {
				/*
				 * A device-exclusive entry has no write bit of
				 * its own: restore_exclusive_pte() rebuilds the
				 * PTE from the (new) VMA flags on the next CPU
				 * fault, so the entry is left as it is.
				 */
				newpte = oldpte;
			}

			if (uffd_wp)
				newpte = pte_swp_mkuffd_wp(newpte);
			else if (uffd_wp_resolve)
				newpte = pte_swp_clear_uffd_wp(newpte);

			if (!pte_same(oldpte, newpte)) {
				set_pte_at(vma->vm_mm, addr, pte, newpte);
				pages++;
			}
		}
		pte++;
		addr += PAGE_SIZE;
	} while (addr != end);

	pte_unmap_unlock(start_pte, ptl);
	return pages;
}
