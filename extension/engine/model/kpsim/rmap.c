// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: rmap_walk() visits every (vma, address) that
 * maps the folio, as found in the page tables when the walk starts, and calls the walk's
 * rmap_one (the tree's own callback) on each.
 */

void rmap_walk(struct folio *folio, struct rmap_walk_control *rwc)
{
	struct kpsim_rmap snap;
	struct vm_area_struct *vma;
	unsigned long address;
	int i, n;

	n = kpsim_rmap_snapshot(folio, &snap);
	for (i = 0; i < n; i++) {
		vma = kpsim_rmap_vma(&snap, i);
		address = kpsim_rmap_address(&snap, i);
		if (rwc->invalid_vma && rwc->invalid_vma(vma, rwc->arg))
			continue;
		if (!rwc->rmap_one(folio, vma, address, rwc->arg))
			break;
		if (rwc->done && rwc->done(folio))
			break;
	}
}
