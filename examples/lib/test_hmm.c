// SPDX-License-Identifier: MIT
// Simplified example written for Kernel Path Simulator; not kernel code.

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rmap.h>
#include <linux/xarray.h>

/* Tag stored with a device PTE that grants atomic (exclusive) access. */
enum {
	DPT_XA_TAG_ATOMIC = 1,
	DPT_XA_TAG_WRITE = 3,
};

/*
 * One mirror of a process address space. @pt is the device page table,
 * indexed by pfn; @mutex serialises it against the interval notifier.
 */
struct dmirror {
	struct mmu_interval_notifier	notifier;
	struct xarray			pt;
	struct mutex			mutex;
};

/* Forget every device PTE in [start, end); caller holds dmirror->mutex. */
static void dmirror_do_update(struct dmirror *dmirror, unsigned long start,
			      unsigned long end)
{
	unsigned long pfn;

	for (pfn = start >> PAGE_SHIFT; pfn < (end >> PAGE_SHIFT); pfn++)
		xa_erase(&dmirror->pt, pfn);
}

static bool dmirror_interval_invalidate(struct mmu_interval_notifier *mni,
					const struct mmu_notifier_range *range,
					unsigned long cur_seq)
{
	struct dmirror *dmirror = container_of(mni, struct dmirror, notifier);

	/*
	 * Our own make_device_exclusive() call: the page is about to be
	 * mapped atomic for us, so dropping it (and bumping the sequence)
	 * would only make dmirror_exclusive() retry forever.
	 */
	if (range->event == MMU_NOTIFY_EXCLUSIVE && range->owner == dmirror)
		return true;

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&dmirror->mutex);
	else if (!mutex_trylock(&dmirror->mutex))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	dmirror_do_update(dmirror, range->start, range->end);

	mutex_unlock(&dmirror->mutex);
	return true;
}

static const struct mmu_interval_notifier_ops dmirror_min_ops = {
	.invalidate = dmirror_interval_invalidate,
};

/* Map @page at @addr as atomic in the device; caller holds the mutex. */
static int dmirror_atomic_map(unsigned long addr, struct page *page,
			      struct dmirror *dmirror)
{
	void *entry;

	entry = xa_tag_pointer(page, DPT_XA_TAG_ATOMIC);
	entry = xa_store(&dmirror->pt, addr >> PAGE_SHIFT, entry, GFP_ATOMIC);
	if (xa_is_err(entry))
		return xa_err(entry);
	return 0;
}

/*
 * Give the device exclusive (atomic) access to [start, end). For each
 * page the device PTE is only installed if no invalidation ran since
 * mmu_interval_read_begin(); otherwise the page is done again.
 */
static int dmirror_exclusive(struct dmirror *dmirror, unsigned long start,
			     unsigned long end)
{
	struct mm_struct *mm = dmirror->notifier.mm;
	unsigned long addr;
	unsigned long seq;
	struct folio *folio;
	struct page *page;
	int retries = 0;
	int ret = 0;

	if (end < start)
		return -EINVAL;
	if (!mmget_not_zero(mm))
		return -EINVAL;

	for (addr = start; !ret && addr < end; addr += PAGE_SIZE) {
again:
		seq = mmu_interval_read_begin(&dmirror->notifier);

		mmap_read_lock(mm);
		page = make_device_exclusive(mm, addr, dmirror, &folio);
		mmap_read_unlock(mm);
		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			break;
		}

		mutex_lock(&dmirror->mutex);
		if (mmu_interval_read_retry(&dmirror->notifier, seq)) {
			mutex_unlock(&dmirror->mutex);
			folio_unlock(folio);
			folio_put(folio);
			/*
			 * The next try faults our own device-exclusive entry
			 * back, and that invalidation has no owner this
			 * notifier could skip: once lost, a retry can fail for
			 * ever. Give up after a few tries, as nouveau does when
			 * its timeout expires.
			 */
			if (++retries > 2) {
				ret = -EBUSY;
				break;
			}
			goto again;
		}
		ret = dmirror_atomic_map(addr, page, dmirror);
		mutex_unlock(&dmirror->mutex);

		folio_unlock(folio);
		folio_put(folio);
	}

	mmput(mm);
	return ret;
}
