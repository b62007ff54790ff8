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

export interface KnownFinding {
  id: string;
  invariant: string;
  /** The tree's file and function that installed the device mapping the violation is about. */
  file: string;
  fn: string;
  /**
   * The device installed that mapping after another thread's invalidation of the address had
   * started (it may still be in progress, or have ended): the driver used a page it had looked up
   * before without re-checking mmu_interval_read_retry() under its lock. A stale mapping installed
   * before any such invalidation (core mm not invalidating at all) never matches.
   */
  mappedAfterInvalidation: true;
  title: string;
  /** Why it is real, in kernel terms, with what would fix it. */
  why: string;
}

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'test-hmm-exclusive-no-read-retry',
    invariant: 'no-stale-device-mapping',
    file: 'lib/test_hmm.c',
    fn: 'dmirror_atomic_map',
    mappedAfterInvalidation: true,
    title: "test_hmm's dmirror_exclusive() maps without mmu_interval_read_retry()",
    why: "make_device_exclusive()'s kernel-doc: \"A driver using this to program access from a device must use a mmu notifier critical section to hold a device specific lock during programming.\" lib/test_hmm.c's dmirror_exclusive() takes dmirror->mutex in dmirror_atomic_map() but has no mmu_interval_read_begin()/mmu_interval_read_retry() around it: an invalidation that starts between make_device_exclusive() and dmirror_atomic_map() (MADV_DONTNEED zapping the device-exclusive entry) is missed, and the mirror keeps a page the mm no longer maps (and no longer holds a reference to once dmirror_exclusive() drops its own). The selftest driver's bug, not core mm's: read_begin before make_device_exclusive() and read_retry under the mutex (with the notifier ignoring MMU_NOTIFY_EXCLUSIVE for its own owner, as nouveau does) close it; test/fixtures/known/test-hmm-read-retry.patch does that, and the finding goes away.",
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

/** The known finding a violation is, if any. */
export function knownFindingOf(invariant: string, origin: MappingOrigin | undefined): KnownFinding | undefined {
  if (!origin) return undefined;
  return KNOWN_FINDINGS.find((k) => k.invariant === invariant && k.file === origin.file && k.fn === origin.fn && k.mappedAfterInvalidation === origin.afterInvalidation);
}
