// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: the MMU-notifier invalidation walk
 * (mn_itree_invalidate). Each interval notifier whose range overlaps is called through its
 * ops, so the driver's own callback in the tree runs.
 */

void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
	struct mmu_interval_notifier *mni;
	unsigned long cur_seq;
	int i, n;

	cur_seq = kpsim_mn_begin(range);
	n = kpsim_mn_count(range->mm);
	for (i = 0; i < n; i++) {
		mni = kpsim_mn_get(range->mm, i);
		if (!kpsim_mn_overlaps(mni, range))
			continue;
		kpsim_mn_deliver(mni, range);
		/* Blockable invalidations may not fail (mn_itree_invalidate WARNs). */
		if (!mni->ops->invalidate(mni, range, cur_seq))
			WARN_ON(1);
	}
}

void mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
	kpsim_mn_end(range);
}

void mmu_notifier_invalidate_range_only_end(struct mmu_notifier_range *range)
{
	kpsim_mn_end(range);
}
