import type { LoopOrigin } from './invariants';

/**
 * Violations the explorer finds in the unmodified kernel trees' own code, checked by hand and
 * explained: reported on their own ("known finding"), so a run on a good tree is not red for
 * ever, yet never hidden. Each is matched narrowly — by invariant, by the function that made the
 * offending write and by how it happened — so another violation of the same invariant (a patch
 * that drops a notifier call, say) is still reported as a violation. What a known finding cannot
 * tell apart (a core-mm change that ends an invalidation too early also lets test_hmm map late)
 * shows with a driver that re-checks: `--driver nouveau`, or the reference driver. `explore(..., { known: false })`
 * (`kpsim explore --no-known`) reports them as violations.
 */

interface KnownBase {
  id: string;
  invariant: string;
  /** The tree's file and function the finding is in. */
  file: string;
  fn: string;
  title: string;
  /** Why it is real, in kernel terms, with what would fix it. */
  why: string;
}

/** A stale device mapping: installed by `fn` in `file`. */
export interface KnownMapping extends KnownBase {
  kind: 'mapping';
  /**
   * The device installed that mapping after another thread's invalidation of the address had
   * started (it may still be in progress, or have ended): the driver used a page it had looked up
   * before without re-checking mmu_interval_read_retry() under its lock. A stale mapping installed
   * before any such invalidation (core mm not invalidating at all) never matches.
   */
  mappedAfterInvalidation: true;
}

/** A retry loop in `fn` (or one of `also`) that spins once another thread's invalidation made it retry (never on its own). */
export interface KnownLivelock extends KnownBase {
  kind: 'livelock';
  also?: string[];
  afterOtherInvalidation: true;
}

export type KnownFinding = KnownMapping | KnownLivelock;

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'test-hmm-exclusive-no-read-retry',
    kind: 'mapping',
    invariant: 'no-stale-device-mapping',
    file: 'lib/test_hmm.c',
    fn: 'dmirror_atomic_map',
    mappedAfterInvalidation: true,
    title: "test_hmm's dmirror_exclusive() maps without mmu_interval_read_retry()",
    why: "make_device_exclusive()'s kernel-doc: \"A driver using this to program access from a device must use a mmu notifier critical section to hold a device specific lock during programming.\" lib/test_hmm.c's dmirror_exclusive() takes dmirror->mutex in dmirror_atomic_map() but has no mmu_interval_read_begin()/mmu_interval_read_retry() around it: an invalidation that starts between make_device_exclusive() and dmirror_atomic_map() (MADV_DONTNEED zapping the device-exclusive entry) is missed, and the mirror keeps a page the mm no longer maps (and no longer holds a reference to once dmirror_exclusive() drops its own). The selftest driver's bug, not core mm's: read_begin before make_device_exclusive() and read_retry under the mutex (with the notifier ignoring MMU_NOTIFY_EXCLUSIVE for its own owner, as nouveau does) close it; test/fixtures/known/test-hmm-read-retry.patch does that, and the finding goes away.",
  },
  {
    id: 'nouveau-retry-faults-own-entry',
    kind: 'livelock',
    invariant: 'progress',
    file: 'drivers/gpu/drm/nouveau/nouveau_svm.c',
    fn: 'nouveau_atomic_range_fault',
    afterOtherInvalidation: true,
    title: "nouveau's atomic fault retries until its timeout once another invalidation made it retry",
    why: "nouveau_atomic_range_fault() loops on mmu_interval_read_begin(), make_device_exclusive(), mmu_interval_read_retry(). When an invalidation from another thread (fork, MADV_DONTNEED, another device) makes read_retry fail once, the page is already the GPU's device-exclusive entry; the next make_device_exclusive() faults that entry back through remove_device_exclusive_entry(), whose MMU_NOTIFY_EXCLUSIVE has no owner, so nouveau's notifier does not skip it and read_retry fails again, every time. Only the HMM_RANGE_DEFAULT_TIMEOUT (1 s) ends it, with -EBUSY: the GPU fault is not serviced. Not reported when the driver loops on its own (its notifier must skip its own MMU_NOTIFY_EXCLUSIVE: a driver that does not is a violation).",
  },
  {
    id: 'refdriver-retry-faults-own-entry',
    kind: 'livelock',
    invariant: 'progress',
    file: 'kpsim/refdriver.c',
    fn: 'kpsim_mirror_atomic',
    also: ['kpsim_mirror_atomic_range'],
    afterOtherInvalidation: true,
    title: "The model's reference driver (a second device beside nouveau) retries for ever once another invalidation made it retry",
    why: "Not the tree's code: the model's reference driver follows nouveau's loop (mmu_interval_read_begin(), make_device_exclusive(), read_retry() under its mutex, its notifier skipping its own MMU_NOTIFY_EXCLUSIVE), without nouveau's timeout. After a lost race its own device-exclusive entry is faulted back by the next make_device_exclusive(), an invalidation with no owner, so read_retry() fails every time: the same behaviour as nouveau-retry-faults-own-entry, which the kernel only ends by nouveau's 1 s timeout.",
  },
];

/** Where and when the device mapping a violation is about was installed. */
export interface MappingOrigin {
  file: string;
  fn: string;
  line: number;
  thread: string;
  /** Another thread's invalidation of the address had started before the mapping was installed. */
  afterInvalidation: boolean;
}

/** The known finding a violation is, if any: by the mapping it is about, or by the loop that spins. */
export function knownFindingOf(invariant: string, origin: MappingOrigin | undefined, loop?: LoopOrigin): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((k) => {
    if (k.invariant !== invariant) return false;
    if (k.kind === 'mapping') return origin !== undefined && k.file === origin.file && k.fn === origin.fn && k.mappedAfterInvalidation === origin.afterInvalidation;
    return loop !== undefined && loop.afterOtherInvalidation && [k.fn, ...(k.also ?? [])].some((fn) => loop.frames.includes(`${k.file}:${fn}`));
  });
}
