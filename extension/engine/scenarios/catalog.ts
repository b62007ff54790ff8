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
];

export const PAGE = P;
export const SCENARIO_BASE_ADDRESS = A;

export function scenarioById(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}
