/*
 * exclusive-then-cpu-write, written by hand for Spin: the same race the engine explores on the
 * examples tree (examples/mm/rmap.c, examples/mm/memory.c, examples/lib/test_hmm.c, and the
 * model's kpsim/cpu.c, fault.c, gup.c, notifier.c), to compare explorers on one scenario.
 *
 *   device: dmirror_exclusive() -> make_device_exclusive() -> dmirror_atomic_map()
 *   cpu:    kpsim_cpu_access(write) -> handle_mm_fault() -> do_swap_page()
 *           -> remove_device_exclusive_entry() -> restore_exclusive_pte()
 *
 * Granularity: one `atomic` block per engine transition. The engine runs a thread from just after
 * one scheduling point (a primitive marked `sched`: locks, notifier begin/end, PTE reads and
 * writes, folio refcount/dirty/lock, device page-table updates) up to and including the next, so
 * each block holds the thread-local work since the last scheduling point and ends with the shared
 * operation. A lock that is held blocks the block at its guard, as the engine blocks the thread
 * before the primitive runs. Each block is commented with the primitive it ends at (D1.. device,
 * C1.. cpu: the order the default schedule meets them).
 *
 * Invariants (the explorer's, extension/engine/explore/invariants.ts):
 *   folio-locked-on-restore   assert at the set_pte_at that turns the device-exclusive entry back
 *   pte-not-clobbered         assert that a PTE written is the one the writer last read
 *   no-write-without-vm-write assert VM_WRITE when a PTE is made writable
 *   secondary-mmu-coherence   monitor: with no invalidation running, a device that maps the page
 *                             atomically sees a device-exclusive CPU entry
 *   no-stale-device-mapping   monitor: with no invalidation running, a device maps only the page
 *                             the CPU PTE references
 *   dirty-preserved           at the end: the page was dirty, so the PTE or the folio still says so
 *   refcount-balanced         at the end: the folio's references are back where they started
 *   no-deadlock               Spin's invalid end states (a thread blocked for ever)
 *
 * -DMUTANT_NO_DIRTY drops the dirty transfer (folio_mark_dirty() in make_device_exclusive()): the
 * dirty bit is lost when the device-exclusive entry replaces the PTE.
 *
 * Run: spin -a [-DMUTANT_NO_DIRTY] exclusive_cpu_write.pml && gcc -O2 -DSAFETY [-DBFS] -o pan pan.c && ./pan
 */

#define DEV	1
#define CPU	2

/* A PTE in one byte: kind in bits 0-1, then write / dirty / young, the pfn above. */
#define NONE	0
#define PRESENT	1
#define DEVEXCL	2
#define W	4
#define D	8
#define Y	16
#define KIND(p)		((p) & 3)
#define PFN(p)		((p) >> 5)
#define MK(k, pfn)	((k) | ((pfn) << 5))
#define HAS(p, f)	(((p) & (f)) != 0)

/* pfn 1: the scenario's folio; pfn 2: the folio do_anonymous_page() would allocate. */
#define NPFN	3
#define VM_WRITE	1

byte pte = MK(PRESENT, 1) | W | D | Y;	/* present, rw, dirty, young */
byte ref[NPFN];		/* folio refcounts (ref[1] = 1: the mapping, set in init) */
bool fdirty[NPFN];	/* folio dirty flags */
byte flock[NPFN];	/* folio lock holder, 0 = unlocked */
byte ptl;		/* PTE table lock holder */
byte mmap_readers;	/* mmap_lock held for reading (no writer in this scenario) */
byte dmutex;		/* dmirror->mutex holder */
byte mm_seq = 2;	/* mm->notifier_subscriptions->invalidate_seq (odd while invalidating) */
byte nactive;		/* active_invalidate_ranges: invalidations begun and not ended */
byte mni_seq = 2;	/* dmirror->notifier.invalidate_seq */
byte dev_map;		/* the pfn the device maps atomically at the address, 0 = none */

/* mmu_notifier_invalidate_range_start() up to its first scheduling point (kpsim_mn_begin). */
inline mn_begin(cur_seq) {
	if
	:: nactive == 0 -> mm_seq = mm_seq | 1
	:: else
	fi;
	nactive++;
	cur_seq = mm_seq
}

/* kpsim_mn_end: the last invalidation ending makes the sequence even. */
inline mn_end() {
	nactive--;
	if
	:: nactive == 0 -> mm_seq++
	:: else
	fi
}

/* folio_put(): the reference dropped (never the last one here: the mapping keeps one). */
inline folio_put(pfn) {
	assert(ref[pfn] > 0);
	ref[pfn]--
}

/*
 * remove_device_exclusive_entry(): revoke the device's access (an MMU_NOTIFY_EXCLUSIVE with no
 * owner, so dmirror_interval_invalidate() does not filter it) and restore the PTE under the
 * folio lock and the PTL, if it is still the entry the fault saw.
 */
inline remove_device_exclusive_entry(me, orig, page, cur, cur_seq, ok) {
	page = PFN(orig);
	atomic { if :: ref[page] > 0 -> ref[page]++; ok = 1 :: else -> ok = 0 fi }	/* C4 folio_try_get */
	if
	:: ok ->
		atomic { flock[page] == 0 -> flock[page] = me }		/* C5 folio_lock_or_retry */
		atomic { mn_begin(cur_seq) }				/* C6 kpsim_mn_begin */
		atomic { dmutex == 0 -> dmutex = me }			/* C7 mutex_lock (dmirror_interval_invalidate) */
		atomic { mni_seq = cur_seq }				/* C8 mmu_interval_set_seq */
		atomic { dev_map = 0 }					/* C9 xa_erase (dmirror_do_update) */
		atomic { dmutex = 0 }					/* C10 mutex_unlock */
		atomic { ptl == 0 -> ptl = me }				/* C11 pte_offset_map_lock */
		atomic { cur = pte }					/* C12 ptep_get */
		if
		:: cur == orig ->					/* pte_same(): restore_exclusive_pte() */
			atomic {					/* C13 set_pte_at */
				assert(flock[page] == me);		/* folio-locked-on-restore */
				assert(pte == cur);			/* pte-not-clobbered */
				assert(VM_WRITE);			/* no-write-without-vm-write */
				pte = MK(PRESENT, page) | W | (fdirty[page] -> D : 0)
			}
		:: else
		fi;
		atomic { ptl = 0 }					/* C14 pte_unmap_unlock */
		atomic { flock[page] = 0 }				/* C15 folio_unlock */
		atomic { folio_put(page) }				/* C16 folio_put */
		atomic { mn_end() }					/* C17 kpsim_mn_end */
	:: else
	fi
}

/*
 * handle_mm_fault() from the PTE read on: a missing page (do_anonymous_page, which waits for the
 * PTL and re-checks), a device-exclusive entry (do_swap_page), a write-protected one (do_wp_page).
 */
inline handle_mm_fault(me, orig, page, cur, cur_seq, ok) {
	atomic { orig = pte }						/* C3 ptep_get */
	if
	:: KIND(orig) == NONE ->
		atomic { ptl == 0 ->					/* kpsim_do_anonymous_page */
			if
			:: KIND(pte) == NONE -> assert(pte == orig); pte = MK(PRESENT, 2) | W | D | Y; ref[2] = 1
			:: else
			fi }
	:: KIND(orig) == DEVEXCL ->
		remove_device_exclusive_entry(me, orig, page, cur, cur_seq, ok)
	:: KIND(orig) == PRESENT && !HAS(orig, W) ->
		atomic { ptl == 0 ->					/* kpsim_do_wp_page: reuse */
			if
			:: pte == orig -> assert(VM_WRITE); pte = pte | W | D | Y
			:: else
			fi }
	:: else								/* spurious: the access will go through */
	fi
}

proctype device()
{
	byte seq, page, walked, fw_pte, old, orig, cur, cur_seq;
	bool ok, retry;

again:
	atomic { !(mni_seq == mm_seq && (mni_seq & 1)) -> seq = mni_seq }	/* D1 mmu_interval_read_begin */
	atomic { mmap_readers++ }					/* D2 mmap_read_lock */
gup:
	atomic { skip }							/* D3 kpsim_split_pmd (no THP: nothing to split) */
follow:
	atomic { ptl == 0 ->						/* D4 kpsim_follow_page (FOLL_WRITE, waits for the PTL) */
		if
		:: KIND(pte) == PRESENT && HAS(pte, W) -> page = PFN(pte); ref[page]++
		:: else -> page = 0
		fi }
	if
	:: page == 0 ->
		handle_mm_fault(DEV, orig, page, cur, cur_seq, ok);
		goto follow
	:: else
	fi;
	atomic { if :: flock[page] == 0 -> flock[page] = DEV; ok = 1 :: else -> ok = 0 fi }	/* D5 folio_trylock */
	if
	:: !ok -> atomic { flock[page] == 0 -> flock[page] = DEV }	/* D5' folio_lock */
	:: else
	fi;
	/* The MMU_NOTIFY_EXCLUSIVE carries the dmirror as owner: its own callback filters it. */
	atomic { mn_begin(cur_seq) }					/* D6 kpsim_mn_begin */
	atomic { ptl == 0 -> ptl = DEV;					/* D7 folio_walk_start */
		if
		:: KIND(pte) == PRESENT -> walked = PFN(pte); fw_pte = pte
		:: else -> ptl = 0; walked = 0
		fi }
	if
	:: walked != page || !HAS(fw_pte, W) ->			/* the PTE changed while we slept */
		if
		:: walked != 0 -> atomic { ptl = 0 }			/* folio_walk_end */
		:: else
		fi;
		atomic { mn_end() }					/* kpsim_mn_end */
		atomic { flock[page] = 0 }				/* folio_unlock */
		atomic { folio_put(page) }				/* folio_put */
		goto gup
	:: else
	fi;
	atomic { assert(pte == fw_pte); old = pte; pte = MK(NONE, 0) }	/* D8 ptep_clear_flush (pte-not-clobbered) */
#ifndef MUTANT_NO_DIRTY
	if
	:: HAS(old, D) -> atomic { fdirty[page] = 1 }			/* D9 folio_mark_dirty */
	:: else
	fi;
#endif
	atomic { assert(pte == MK(NONE, 0)); pte = MK(DEVEXCL, page) }	/* D10 set_pte_at (pte-not-clobbered) */
	atomic { ptl = 0 }						/* D11 folio_walk_end */
	atomic { mn_end() }						/* D12 kpsim_mn_end */
	atomic { mmap_readers-- }					/* D13 mmap_read_unlock */
	atomic { dmutex == 0 -> dmutex = DEV }				/* D14 mutex_lock */
	atomic { retry = (mni_seq != seq) }				/* D15 mmu_interval_read_retry */
	if
	:: retry ->
		atomic { dmutex = 0 }					/* mutex_unlock */
		atomic { flock[page] = 0 }				/* folio_unlock */
		atomic { folio_put(page) }				/* folio_put */
		goto again
	:: else
	fi;
	atomic { dev_map = page }					/* D16 xa_store (dmirror_atomic_map) */
	atomic { dmutex = 0 }						/* D17 mutex_unlock */
	atomic { flock[page] = 0 }					/* D18 folio_unlock */
	atomic { folio_put(page) }					/* D19 folio_put */
}

proctype cpu()
{
	byte orig, page, cur, cur_seq;
	bool ok;

touch:
	atomic {							/* C1 kpsim_touch: the write itself, if the PTE allows it */
		if
		:: KIND(pte) == PRESENT && HAS(pte, W) -> pte = pte | Y | D; ok = 1
		:: else -> ok = 0
		fi }
	if
	:: ok -> goto done
	:: else
	fi;
	atomic { mmap_readers++ }					/* C2 mmap_read_lock */
	handle_mm_fault(CPU, orig, page, cur, cur_seq, ok);
	atomic { mmap_readers-- }					/* C18 mmap_read_unlock */
	goto touch;
done:
	skip
}

/* At every scheduling point: what the device could observe (checkState). */
#define NOT_STALE	(nactive > 0 || dev_map == 0 || (KIND(pte) != NONE && PFN(pte) == dev_map))
#define COHERENT	(nactive > 0 || dev_map == 0 || KIND(pte) == DEVEXCL)

active proctype monitor()
{
end:	atomic { !(NOT_STALE && COHERENT) -> assert(NOT_STALE); assert(COHERENT) }
}

init
{
	atomic { ref[1] = 1; run device(); run cpu() }
	(_nr_pr == 2);							/* init and the monitor: both threads stopped */
	/* dirty-preserved: pfn 1 was dirty at the start and is still mapped. */
	assert((KIND(pte) == PRESENT && PFN(pte) == 1 && HAS(pte, D)) || fdirty[1]);
	/* refcount-balanced: the mapping's reference only. */
	assert(ref[1] == 1 && flock[1] == 0)
}
