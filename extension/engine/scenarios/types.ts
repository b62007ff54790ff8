/** Scenarios are data: the initial state, the threads, and what must hold at the end. */

export interface PageSpec {
  /** User address of the page. */
  addr: number;
  write: boolean;
  dirty: boolean;
  softDirty?: boolean;
  /** Map the 2 MiB around addr with a PMD-mapped THP instead of a PTE. */
  thp?: boolean;
}

export type ThreadSpec = (
  /** A device asks for atomic (exclusive) access to [addr, addr + pages * PAGE_SIZE) through its driver. */
  | { kind: 'device-atomic'; device: number; addr: number; pages?: number }
  /** A device reads the page through its mirror (hmm_range_fault style): maps it read-only. */
  | { kind: 'device-map'; device: number; addr: number }
  /** A CPU reads or writes the address. */
  | { kind: 'cpu-access'; addr: number; write: boolean }
  /** A kernel GUP user (O_DIRECT, process_vm_writev) takes and drops a reference to the page. */
  | { kind: 'gup'; addr: number; write: boolean }
  | { kind: 'fork' }
  | { kind: 'mprotect'; addr: number; pages?: number; write: boolean }
  | { kind: 'madv-dontneed'; addr: number; pages?: number }
) & {
  /** Starts once the thread at this index has finished (the races of what comes after, not before). */
  after?: number;
};

/** What the state must be at the end, per address. */
export interface Expect {
  addr: number;
  /** The CPU PTE's kind at the end. */
  pte?: 'present' | 'device-exclusive' | 'none';
  writable?: boolean;
  /** The data is dirty (PTE dirty or folio dirty): a dirty page must never turn clean. */
  dirty?: boolean;
  /** Whether device n still maps the page. */
  deviceMaps?: { device: number; maps: boolean }[];
  /** In the child after a fork. */
  childPte?: 'present' | 'device-exclusive' | 'none';
  /** The folio mapped (or last mapped) there. */
  folio?: { mapcount?: number; freed?: boolean };
}

export interface Scenario {
  id: string;
  title: string;
  /** What it checks, in a reviewer's words. */
  description: string;
  /** The test in tools/testing/selftests/mm/hmm-tests.c it mirrors. */
  mirrors: string;
  /** Functions whose "Simulate this path" lens runs this scenario. */
  entries: string[];
  devices: number;
  vma: { start: number; pages: number; write: boolean };
  pages: PageSpec[];
  threads: ThreadSpec[];
  expect: Expect[];
  /** More addresses to show in the end state, without expectations. */
  watch?: number[];
  /** References back to where they started (folios must always end unlocked). */
  balanced: boolean;
  /** Run the model's reference driver (kpsim/refdriver.c) whatever driver the tree has. */
  driver?: 'kpsim';
  /** The reference driver's notifier skips the MMU_NOTIFY_EXCLUSIVE event of its own request (default true). */
  ownerFilter?: boolean;
  /**
   * Invariants the scenario is built to break (a driver written wrong on purpose): exploring it must
   * find them; finding them is the expected result, not finding them is the failure.
   */
  expectedViolations?: string[];
}
