// SPDX-License-Identifier: MIT
/*
 * Kernel Path Simulator model, not kernel code: a reference device driver for trees that have
 * the device-exclusive API but no driver using it. It follows the rules the API documents: an
 * interval notifier, mmu_interval_read_begin(), make_device_exclusive[_range](), the driver
 * lock, mmu_interval_read_retry(), map, unlock. Its notifier ignores the MMU_NOTIFY_EXCLUSIVE
 * event it caused itself (owner == the mirror), so it does not invalidate its own request.
 */

#define KPSIM_TAG_ATOMIC 1UL

struct kpsim_mirror {
	struct mmu_interval_notifier notifier;
	struct xarray pt;
	struct mutex mutex;
	/* Scenarios can build it without the owner filter, to show what that costs. */
	int filters_own;
};

bool kpsim_mirror_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	struct kpsim_mirror *m = container_of(mni, struct kpsim_mirror, notifier);
	unsigned long pfn;

	if (m->filters_own && range->event == MMU_NOTIFY_EXCLUSIVE && range->owner == m)
		return true;
	if (mmu_notifier_range_blockable(range))
		mutex_lock(&m->mutex);
	else if (!mutex_trylock(&m->mutex))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	for (pfn = range->start >> PAGE_SHIFT; pfn < (range->end >> PAGE_SHIFT); pfn++)
		xa_erase(&m->pt, pfn);
	mutex_unlock(&m->mutex);
	return true;
}

/* v6.15 and later: make_device_exclusive() converts one page and returns it locked. */
int kpsim_mirror_atomic(struct kpsim_mirror *m, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = m->notifier.mm;
	struct folio *folio;
	struct page *page;
	unsigned long addr, seq;
	int ret = 0;

	for (addr = start; !ret && addr < end; addr += PAGE_SIZE) {
again:
		seq = mmu_interval_read_begin(&m->notifier);
		mmap_read_lock(mm);
		page = make_device_exclusive(mm, addr, m, &folio);
		mmap_read_unlock(mm);
		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			break;
		}
		mutex_lock(&m->mutex);
		if (mmu_interval_read_retry(&m->notifier, seq)) {
			mutex_unlock(&m->mutex);
			folio_unlock(folio);
			folio_put(folio);
			goto again;
		}
		xa_store(&m->pt, addr >> PAGE_SHIFT, xa_tag_pointer(page, KPSIM_TAG_ATOMIC), GFP_ATOMIC);
		mutex_unlock(&m->mutex);
		folio_unlock(folio);
		folio_put(folio);
	}
	return ret;
}

/* v5.14 to v6.14: make_device_exclusive_range() converts a range of pages. */
int kpsim_mirror_atomic_range(struct kpsim_mirror *m, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = m->notifier.mm;
	struct page *pages[1];
	unsigned long addr, seq;
	long npages;
	int ret = 0;

	for (addr = start; !ret && addr < end; addr += PAGE_SIZE) {
again:
		seq = mmu_interval_read_begin(&m->notifier);
		mmap_read_lock(mm);
		npages = make_device_exclusive_range(mm, addr, addr + PAGE_SIZE, pages, m);
		mmap_read_unlock(mm);
		if (npages != 1 || !pages[0]) {
			ret = -EBUSY;
			break;
		}
		mutex_lock(&m->mutex);
		if (mmu_interval_read_retry(&m->notifier, seq)) {
			mutex_unlock(&m->mutex);
			unlock_page(pages[0]);
			put_page(pages[0]);
			goto again;
		}
		xa_store(&m->pt, addr >> PAGE_SHIFT, xa_tag_pointer(pages[0], KPSIM_TAG_ATOMIC), GFP_ATOMIC);
		mutex_unlock(&m->mutex);
		unlock_page(pages[0]);
		put_page(pages[0]);
	}
	return ret;
}

/*
 * A device reads a page through its mirror and maps it read-only, as a driver does after
 * hmm_range_fault(): under mmu_interval_read_begin()/read_retry() and its lock.
 */
int kpsim_mirror_map_read(void *mirror, unsigned long addr)
{
	struct kpsim_mirror *m = mirror;
	struct mm_struct *mm = m->notifier.mm;
	struct page *page;
	unsigned long seq;

again:
	seq = mmu_interval_read_begin(&m->notifier);
	mmap_read_lock(mm);
	page = kpsim_lookup_page(mm, addr);
	mmap_read_unlock(mm);
	if (!page)
		return -EFAULT;
	mutex_lock(&m->mutex);
	if (mmu_interval_read_retry(&m->notifier, seq)) {
		mutex_unlock(&m->mutex);
		goto again;
	}
	xa_store(&m->pt, addr >> PAGE_SHIFT, page, GFP_ATOMIC);
	mutex_unlock(&m->mutex);
	return 0;
}
