// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: the MMU-notifier invalidation walk
 * (mn_itree_invalidate). Each interval notifier whose range overlaps is called through its
 * ops, so the driver's own callback in the tree runs.
 */

void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
	struct mmu_interval_notifier *mni;
	struct mmu_notifier *mn;
	unsigned long cur_seq;
	int i, n;

	cur_seq = kpsim_mn_begin(range);

	/* Interval notifiers first (mn_itree_invalidate), then classic ones (mn_hlist_invalidate_range_start). */
	n = kpsim_mn_count(range->mm);
	for (i = 0; i < n; i++) {
		mni = kpsim_mn_get(range->mm, i);
		/* Removed meanwhile (a callback slept): the list is shorter now. */
		if (!mni)
			break;
		if (!kpsim_mn_overlaps(mni, range))
			continue;
		kpsim_mn_deliver(mni, range);
		/* Blockable invalidations may not fail (mn_itree_invalidate WARNs). */
		if (!mni->ops->invalidate(mni, range, cur_seq))
			WARN_ON(1);
	}

	n = kpsim_mn_classic_count(range->mm);
	for (i = 0; i < n; i++) {
		mn = kpsim_mn_classic_get(range->mm, i);
		kpsim_mn_deliver(mn, range);
		if (mn->ops->invalidate_range_start && mn->ops->invalidate_range_start(mn, range))
			WARN_ON(1);
	}
}

void mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
	struct mmu_notifier *mn;
	int i, n;

	n = kpsim_mn_classic_count(range->mm);
	for (i = 0; i < n; i++) {
		mn = kpsim_mn_classic_get(range->mm, i);
		if (mn->ops->invalidate_range_end)
			mn->ops->invalidate_range_end(mn, range);
	}
	kpsim_mn_end(range);
}

void mmu_notifier_invalidate_range_only_end(struct mmu_notifier_range *range)
{
	kpsim_mn_end(range);
}
