import type { Scenario } from './types';

const A = 0x7f0000000000;
const P = 4096;
const base = { devices: 1, vma: { start: A, pages: 16, write: true }, balanced: true };
const dirtyPage = [{ addr: A, write: true, dirty: true }];

/** The scenarios, mirroring the exclusive-access tests of hmm-tests.c. */
export const SCENARIOS: Scenario[] = [
  {
    ...base, id: 'exclusive-then-cpu-write', title: 'GPU atomic, then CPU write fault',
    description: 'A device takes exclusive access to a dirty page; then the CPU writes it. The fault must restore a present, writable PTE, keep the dirty bit, take the page away from the device, and leave the folio unlocked with its references back.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive)', entries: ['make_device_exclusive', 'make_device_exclusive_range', 'page_make_device_exclusive_one', 'folio_make_device_exclusive', 'page_make_device_exclusive', 'remove_device_exclusive_entry', 'restore_exclusive_pte', 'do_swap_page', 'dmirror_exclusive', 'dmirror_atomic_map'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'cpu-access', addr: A, write: true }],
    expect: [{ addr: A, pte: 'present', writable: true, dirty: true, deviceMaps: [{ device: 0, maps: false }] }],
  },
  {
    ...base, id: 'exclusive-then-cpu-read', title: 'GPU atomic, then CPU read fault',
    description: 'A device takes exclusive access to a dirty page; then the CPU reads it. The read fault restores a present PTE; the data must stay dirty (the PTE dirty bit was moved to the folio) and the device must lose its atomic mapping.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) (the read check)', entries: ['make_device_exclusive', 'make_device_exclusive_range', 'remove_device_exclusive_entry', 'restore_exclusive_pte', 'do_swap_page'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'cpu-access', addr: A, write: false }],
    expect: [{ addr: A, pte: 'present', dirty: true, deviceMaps: [{ device: 0, maps: false }] }],
  },
  {
    ...base, id: 'exclusive-stays', title: 'GPU atomic, no CPU access',
    description: 'A device takes exclusive access: the CPU PTE becomes a device-exclusive entry, the device maps the page atomically, the dirty bit moves to the folio.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) (before the CPU touches the page)', entries: ['make_device_exclusive', 'make_device_exclusive_range', 'dmirror_exclusive'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }],
    expect: [{ addr: A, pte: 'device-exclusive', dirty: true, deviceMaps: [{ device: 0, maps: true }] }],
  },
  {
    ...base, id: 'exclusive-then-fork', title: 'GPU atomic, then fork', balanced: false,
    description: 'A device has exclusive access to a page of a private writable mapping; the process forks. copy_nonpresent_pte() must restore the entry in the parent (device-exclusive entries are not copied) and copy it as a COW page: both PTEs present and write-protected, the device no longer maps the page.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive_cow)', entries: ['copy_nonpresent_pte', 'try_restore_exclusive_pte', 'restore_exclusive_pte'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'fork' }],
    expect: [{ addr: A, pte: 'present', writable: false, dirty: true, childPte: 'present', deviceMaps: [{ device: 0, maps: false }], folio: { mapcount: 2 } }],
  },
  {
    ...base, id: 'exclusive-then-mprotect-read-only', title: 'GPU atomic, then mprotect(PROT_READ), then CPU read',
    description: 'A device has exclusive access; the range is made read-only; the CPU reads. change_pte_range() must not leave a writable entry behind: after the read fault the PTE is present and not writable, and the device lost its atomic mapping.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive_mprotect)', entries: ['change_pte_range'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'mprotect', addr: A, write: false }, { kind: 'cpu-access', addr: A, write: false }],
    expect: [{ addr: A, pte: 'present', writable: false, dirty: true, deviceMaps: [{ device: 0, maps: false }] }],
  },
  {
    ...base, id: 'exclusive-then-zap', title: 'GPU atomic, then MADV_DONTNEED', balanced: false,
    description: 'A device has exclusive access; the process drops the range with MADV_DONTNEED. zap_pte_range() must clear the device-exclusive entry, drop its mapping and reference (the folio is freed), and the device must lose the page.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) followed by munmap/MADV_DONTNEED', entries: ['zap_nonpresent_ptes', 'zap_pte_range'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'madv-dontneed', addr: A }],
    expect: [{ addr: A, pte: 'none', deviceMaps: [{ device: 0, maps: false }], folio: { mapcount: 0, freed: true } }],
  },
  {
    ...base, id: 'exclusive-two-devices', title: 'Second device mapped the page, then GPU atomic', devices: 2,
    description: 'Device 1 maps the page read-only through its mirror; then device 0 takes exclusive access. The MMU_NOTIFY_EXCLUSIVE invalidation must reach device 1, so it does not keep a stale mapping while device 0 has the page atomically.',
    mirrors: 'hmm-tests.c: TEST_F(hmm2, ...) with two mirrors', entries: ['make_device_exclusive', 'make_device_exclusive_range', 'page_make_device_exclusive_one', 'folio_make_device_exclusive'],
    pages: dirtyPage,
    threads: [{ kind: 'device-map', device: 1, addr: A }, { kind: 'device-atomic', device: 0, addr: A }],
    expect: [{ addr: A, pte: 'device-exclusive', dirty: true, deviceMaps: [{ device: 0, maps: true }, { device: 1, maps: false }] }],
  },
  {
    ...base, id: 'exclusive-then-gup', title: 'GPU atomic, then GUP for writing (O_DIRECT, process_vm_writev)',
    description: 'A device has exclusive access; a kernel user pins the page for writing with GUP. GUP meets the device-exclusive entry, faults it back through do_swap_page(), and gets the page: the PTE is present and writable again and the device has lost it.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) then a GUP user of the page', entries: ['remove_device_exclusive_entry', 'do_swap_page', 'restore_exclusive_pte'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'gup', addr: A, write: true }],
    expect: [{ addr: A, pte: 'present', writable: true, dirty: true, deviceMaps: [{ device: 0, maps: false }] }],
  },
  {
    ...base, id: 'exclusive-thp', title: 'GPU atomic on a PMD-mapped THP', balanced: false, vma: { start: A, pages: 512, write: true },
    description: 'The page is part of a PMD-mapped transparent huge page. GUP with FOLL_SPLIT_PMD must split the PMD into PTEs first; only the one PTE becomes device-exclusive, its neighbours stay present.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) on a THP (FOLL_SPLIT_PMD)', entries: ['make_device_exclusive', 'make_device_exclusive_range'],
    pages: [{ addr: A, write: true, dirty: true, thp: true }],
    threads: [{ kind: 'device-atomic', device: 0, addr: A }],
    // Before v6.15 the rmap walk converts every PTE of the large folio, after it only the one asked
    // for: the neighbour is watched (shown in the end state) rather than checked.
    watch: [A + P],
    expect: [{ addr: A, pte: 'device-exclusive', dirty: true, deviceMaps: [{ device: 0, maps: true }] }],
  },
  {
    ...base, id: 'exclusive-two-atomics', title: 'Two devices ask for atomic access to the same page at once', devices: 2,
    description: 'Two devices race for exclusive access to one page. Whoever converts the PTE second faults the first one\'s entry back (its invalidation reaches the first device) and takes it over: at the end exactly one device maps the page atomically, and the PTE is its device-exclusive entry.',
    mirrors: 'hmm-tests.c: TEST_F(hmm2, ...) with two mirrors asking for exclusive access', entries: ['make_device_exclusive', 'make_device_exclusive_range', 'remove_device_exclusive_entry'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'device-atomic', device: 1, addr: A }],
    expect: [{ addr: A, pte: 'device-exclusive', dirty: true }],
  },
  {
    ...base, id: 'exclusive-then-two-cpu-faults', title: 'GPU atomic, then two CPUs fault on the page at once',
    description: 'Once a device holds a page exclusively, two CPUs fault on the device-exclusive entry at once, one writing, one reading. Both read the entry without the PTL; one restores it, the other must see under the PTL (pte_same()) that the PTE changed and leave it alone: one present PTE, mapped once, still dirty, the device unmapped.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) with two CPU threads touching the page', entries: ['remove_device_exclusive_entry', 'restore_exclusive_pte', 'do_swap_page'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'cpu-access', addr: A, write: true, after: 0 }, { kind: 'cpu-access', addr: A, write: false, after: 0 }],
    expect: [{ addr: A, pte: 'present', dirty: true, deviceMaps: [{ device: 0, maps: false }] }],
  },
  {
    ...base, id: 'exclusive-then-fault-and-zap', title: 'GPU atomic, then a CPU fault racing MADV_DONTNEED', balanced: false,
    description: 'Once a device holds a page exclusively, a CPU write fault on the device-exclusive entry races MADV_DONTNEED of the page. The fault reads the entry without the PTL and must re-check it under the PTL (pte_same()): if the zap came first it must not bring the freed page back. Either order is fine at the end; the device keeps no mapping.',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) with MADV_DONTNEED from another thread', entries: ['remove_device_exclusive_entry', 'restore_exclusive_pte', 'zap_nonpresent_ptes', 'zap_pte_range'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'cpu-access', addr: A, write: true, after: 0 }, { kind: 'madv-dontneed', addr: A, after: 0 }],
    expect: [{ addr: A, deviceMaps: [{ device: 0, maps: false }] }],
  },
  {
    ...base, id: 'exclusive-thp-cpu-write', title: 'GPU atomic on a THP while the CPU writes the next page', balanced: false, vma: { start: A, pages: 512, write: true },
    description: 'The device asks for one page of a PMD-mapped THP while a CPU writes the page after it: one of them splits the PMD, and the other must see the split. The neighbour stays present and writable; only the asked page is device-exclusive at the end (or restored, if the CPU write came through it).',
    mirrors: 'hmm-tests.c: TEST_F(hmm, exclusive) on a THP, with a CPU thread', entries: ['make_device_exclusive', 'make_device_exclusive_range'],
    pages: [{ addr: A, write: true, dirty: true, thp: true }],
    threads: [{ kind: 'device-atomic', device: 0, addr: A }, { kind: 'cpu-access', addr: A + P, write: true }],
    watch: [A + P],
    expect: [{ addr: A, dirty: true }],
  },
  {
    ...base, id: 'driver-filters-own-exclusive', title: 'A driver that ignores the MMU_NOTIFY_EXCLUSIVE of its own request', driver: 'kpsim',
    description: 'The reference driver (mmu_interval_read_begin, make_device_exclusive, lock, read_retry, map) whose notifier returns early for MMU_NOTIFY_EXCLUSIVE with owner == itself, as nouveau and the documentation do: its own conversion does not invalidate its request, read_retry succeeds, the device maps the page.',
    mirrors: 'Documentation/mm/hmm.rst: make_device_exclusive() and the owner of MMU_NOTIFY_EXCLUSIVE', entries: ['make_device_exclusive', 'make_device_exclusive_range'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }],
    expect: [{ addr: A, pte: 'device-exclusive', dirty: true, deviceMaps: [{ device: 0, maps: true }] }],
  },
  {
    ...base, id: 'driver-without-own-filter', title: 'A driver that does not filter its own MMU_NOTIFY_EXCLUSIVE (livelock)', driver: 'kpsim', ownerFilter: false,
    description: 'The same driver with the owner check left out of its notifier: make_device_exclusive() invalidates the request that asked for it, so mmu_interval_read_retry() fails; the retry faults the entry back (another invalidation) and converts it again, for ever. The explorer must report this as a livelock.',
    mirrors: 'Documentation/mm/hmm.rst: make_device_exclusive() and the owner of MMU_NOTIFY_EXCLUSIVE', entries: ['make_device_exclusive', 'make_device_exclusive_range'],
    pages: dirtyPage,
    threads: [{ kind: 'device-atomic', device: 0, addr: A }],
    expect: [],
    expectedViolations: ['progress'],
  },
];

export const PAGE = P;
export const SCENARIO_BASE_ADDRESS = A;

export function scenarioById(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}
