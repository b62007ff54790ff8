import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Blocked, type PrimCtx, PrimitiveTable } from '../../../extension/engine/primitives/api';
import { CONSTANTS, MMU_NOTIFY_NAMES, SWP_TYPE_OF_KIND } from '../../../extension/engine/primitives/constants';
import { PTE_VALUE_PRIMITIVES, truthy } from '../../../extension/engine/primitives/pteValues';
import { ModelError, emptyState } from '../../../extension/engine/state/state';
import { type Pte, type Swp, type SwpKind, type Value, isPtr, ptr, show } from '../../../extension/engine/state/values';

interface FakeCtx extends PrimCtx {
  warns: string[];
  notes: string[];
}

function fakeCtx(): FakeCtx {
  const warns: string[] = [];
  const notes: string[] = [];
  return {
    s: emptyState(),
    thread: { id: 'cpu0', title: 'test', status: 'runnable', frames: [] },
    where: 'mm/memory.c:123',
    log: [],
    warns,
    notes,
    load(): Value {
      throw new Error('a pure primitive loaded from the heap');
    },
    store(): void {
      throw new Error('a pure primitive stored to the heap');
    },
    ptr(v, what) {
      if (!isPtr(v)) throw new ModelError(`${what}: not a pointer: ${show(v)}`);
      return v;
    },
    int(v, what) {
      if (typeof v !== 'number') throw new ModelError(`${what}: not an integer: ${show(v)}`);
      return v;
    },
    choose(_label, _options, dflt) {
      return dflt;
    },
    note(text) {
      notes.push(text);
    },
    warn(text) {
      warns.push(text);
    },
  };
}

const BY_NAME = new Map(PTE_VALUE_PRIMITIVES.flatMap((p) => [p.name, ...(p.aliases ?? [])].map((n) => [n, p] as const)));

/** Calls a primitive by name with a fresh fake context (or the one given). */
function call(name: string, args: Value[], ctx: PrimCtx = fakeCtx()): Value {
  const p = BY_NAME.get(name);
  assert.ok(p, `no primitive ${name}`);
  const r = p.run(ctx, args);
  assert.ok(!(r instanceof Blocked), `${name} blocked`);
  return r;
}

/** Deep-freezes a value so that any mutation by a primitive throws (modules are strict). */
function frozen<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

const present = (over: Partial<Extract<Pte, { k: 'present' }>> = {}): Pte =>
  frozen({ t: 'pte', k: 'present', pfn: 256, write: false, dirty: false, young: false, softDirty: false, uffdWp: false, ...over });
const entry = (kind: SwpKind, offset = 256): Swp => frozen({ t: 'swp', kind, offset });
const swpPte = (kind: SwpKind, over: Partial<Extract<Pte, { k: 'swp' }>> = {}): Pte =>
  frozen({ t: 'pte', k: 'swp', entry: entry(kind), softDirty: false, uffdWp: false, ...over });
const NONE: Pte = frozen({ t: 'pte', k: 'none' });

const asPte = (v: Value): Extract<Pte, { k: 'present' }> => {
  assert.ok(typeof v === 'object' && v !== null && v.t === 'pte' && v.k === 'present', `not a present pte: ${show(v)}`);
  return v;
};

test('the table: unique names, pure, not scheduling points, documented', () => {
  const table = new PrimitiveTable().add(...PTE_VALUE_PRIMITIVES).addConstants(CONSTANTS);
  assert.equal(table.all().length, PTE_VALUE_PRIMITIVES.length);
  for (const p of PTE_VALUE_PRIMITIVES) {
    assert.deepEqual(p.reads, [], p.name);
    assert.deepEqual(p.writes, [], p.name);
    assert.equal(p.sched, false, p.name);
    assert.ok(p.doc.length > 10 && !p.doc.includes('\n'), p.name);
    assert.ok(['pte', 'swapops', 'misc', 'err', 'debug'].includes(p.group), p.name);
  }
  for (const n of ['pte_mkwrite', 'pte_same', 'make_device_exclusive_entry', 'make_readable_device_exclusive_entry', 'IS_ERR', 'WARN_ON_ONCE', 'ALIGN_DOWN', 'smp_wmb']) {
    assert.ok(table.get(n), n);
  }
  assert.equal(table.constant('EBUSY'), 16);
  assert.equal(table.constant('NULL'), null);
  assert.ok(table.hasConstant('NULL'));
});

test('present PTE bits: each modifier changes its own bit only and never mutates its argument', () => {
  const p = present({ dirty: true, young: true });
  const w = asPte(call('pte_mkwrite', [p, ptr(7, 'vma')]));
  assert.equal(w.write, true);
  assert.equal(w.dirty, true, 'dirty bit survives pte_mkwrite');
  assert.equal(call('pte_write', [w]), 1);
  assert.equal(call('pte_write', [p]), 0, 'argument untouched');
  assert.equal(asPte(call('pte_mkwrite', [p])).write, true, 'pre-v6.6 one-argument form');
  assert.equal(asPte(call('pte_mkwrite_novma', [p])).write, true);

  const o = asPte(call('pte_mkold', [w]));
  assert.equal(o.young, false);
  assert.equal(o.dirty, true, 'dirty bit survives pte_mkold');
  assert.equal(o.write, true);
  assert.equal(call('pte_young', [o]), 0);
  assert.equal(call('pte_young', [call('pte_mkyoung', [o])]), 1);

  const c = call('pte_mkclean', [call('pte_wrprotect', [w])]);
  assert.equal(call('pte_write', [c]), 0);
  assert.equal(call('pte_dirty', [c]), 0);
  assert.equal(call('pte_dirty', [call('pte_mkdirty', [c])]), 1);

  const sd = call('pte_mksoft_dirty', [p]);
  assert.equal(call('pte_soft_dirty', [sd]), 1);
  assert.equal(call('pte_soft_dirty', [call('pte_clear_soft_dirty', [sd])]), 0);
  const wp = call('pte_mkuffd_wp', [p]);
  assert.equal(call('pte_uffd_wp', [wp]), 1);
  assert.equal(call('pte_uffd_wp', [call('pte_clear_uffd_wp', [wp])]), 0);
  assert.equal(call('pte_special', [p]), 0);
  assert.equal(call('pte_special', [call('pte_mkspecial', [p])]), 1);

  assert.equal(call('pte_pfn', [p]), 256);
  assert.equal(call('pte_pfn', [call('pte_advance_pfn', [p, 3])]), 259);
  assert.equal(call('pte_none', [NONE]), 1);
  assert.equal(call('pte_present', [NONE]), 0);
  assert.equal(call('pte_present', [p]), 1);
  assert.equal(call('pte_none', [p]), 0);
  assert.equal(call('pte_present', [swpPte('device_exclusive')]), 0, 'a device-exclusive entry is not present');
  assert.equal(call('pte_protnone', [p]), 0);
});

test('present-PTE accessors on other kinds of PTE: 0, noted for swap PTEs; modifiers refuse them', () => {
  assert.equal(call('pte_write', [NONE]), 0);
  const ctx = fakeCtx();
  assert.equal(call('pte_dirty', [swpPte('migration_write')], ctx), 0);
  assert.equal(ctx.notes.length, 1);
  assert.match(ctx.notes[0], /pte_dirty\(\) of a non-present PTE/);
  assert.throws(() => call('pte_mkwrite', [NONE]), ModelError);
  assert.throws(() => call('pte_mkdirty', [swpPte('swap')]), /pte_mkdirty\(\) of a non-present PTE/);
  assert.throws(() => call('pte_write', [entry('swap')]), /pte_write\(\): expected a pte_t value/);
  assert.throws(() => call('pte_write', [3]), ModelError);
  assert.throws(() => call('pte_write', []), /takes 1 argument, got 0/);
  assert.throws(() => call('pte_mkwrite', [present(), null, 1]), /takes 1 to 2 arguments/);
});

test('pte_same compares every bit, soft-dirty and uffd-wp included', () => {
  const p = present({ write: true });
  assert.equal(call('pte_same', [p, present({ write: true })]), 1);
  assert.equal(call('pte_same', [p, present({ write: true, special: false })]), 1, 'an unset optional bit is a clear bit');
  assert.equal(call('pte_same', [p, call('pte_mksoft_dirty', [p])]), 0);
  assert.equal(call('pte_same', [p, call('pte_mkuffd_wp', [p])]), 0);
  assert.equal(call('pte_same', [p, call('pte_mkyoung', [p])]), 0);
  assert.equal(call('pte_same', [p, present({ write: true, pfn: 257 })]), 0);
  assert.equal(call('pte_same', [NONE, { t: 'pte', k: 'none' }]), 1);
  assert.equal(call('pte_same', [NONE, p]), 0);
  const s = swpPte('device_exclusive');
  assert.equal(call('pte_same', [s, swpPte('device_exclusive')]), 1);
  assert.equal(call('pte_same', [s, call('pte_swp_mksoft_dirty', [s])]), 0);
  assert.equal(call('pte_same', [s, call('pte_swp_mkuffd_wp', [s])]), 0);
  assert.equal(call('pte_same', [s, call('pte_swp_mkexclusive', [s])]), 0);
  assert.equal(call('pte_same', [s, swpPte('migration_read')]), 0);
  assert.equal(call('pte_same', [s, swpPte('device_exclusive_write')]), 0);
});

test('swap PTEs: flags beside the entry, and the PTE <-> entry round trip', () => {
  const p = swpPte('migration_write');
  assert.equal(call('is_swap_pte', [p]), 1);
  assert.equal(call('is_swap_pte', [NONE]), 0);
  assert.equal(call('is_swap_pte', [present()]), 0);

  const back = call('swp_entry_to_pte', [call('pte_to_swp_entry', [p])]);
  assert.deepEqual(back, p);
  assert.equal(call('pte_same', [back, p]), 1);

  const flagged = call('pte_swp_mkuffd_wp', [call('pte_swp_mksoft_dirty', [call('pte_swp_mkexclusive', [p])])]);
  assert.equal(call('pte_swp_soft_dirty', [flagged]), 1);
  assert.equal(call('pte_swp_uffd_wp', [flagged]), 1);
  assert.equal(call('pte_swp_exclusive', [flagged]), 1);
  assert.equal(call('pte_swp_soft_dirty', [p]), 0, 'argument untouched');
  const e = call('pte_to_swp_entry', [flagged]);
  assert.deepEqual(e, { t: 'swp', kind: 'migration_write', offset: 256 }, 'the entry carries no PTE flags');
  const plain = call('swp_entry_to_pte', [e]);
  assert.equal(call('pte_swp_soft_dirty', [plain]), 0);
  assert.equal(call('pte_swp_uffd_wp', [plain]), 0);
  assert.equal(call('pte_swp_exclusive', [plain]), 0);
  assert.equal(call('pte_same', [plain, call('pte_swp_clear_flags', [flagged])]), 1);
  assert.equal(call('pte_swp_soft_dirty', [call('pte_swp_clear_soft_dirty', [flagged])]), 0);
  assert.equal(call('pte_swp_uffd_wp', [call('pte_swp_clear_uffd_wp', [flagged])]), 0);
  assert.equal(call('pte_swp_exclusive', [call('pte_swp_clear_exclusive', [flagged])]), 0);

  const moved = call('pte_move_swp_offset', [flagged, 2]);
  assert.equal(call('swp_offset', [call('pte_to_swp_entry', [moved])]), 258);
  assert.equal(call('pte_swp_soft_dirty', [moved]), 1, 'flags kept when the offset moves');

  assert.throws(() => call('pte_to_swp_entry', [NONE]), /pte_to_swp_entry\(\) of a none PTE/);
  assert.throws(() => call('pte_to_swp_entry', [present()]), ModelError);
  assert.throws(() => call('pte_swp_mksoft_dirty', [present()]), /only a swap PTE/);
  assert.throws(() => call('swp_entry_to_pte', [present()]), /expected a swp_entry_t value/);
  const ctx = fakeCtx();
  assert.equal(call('pte_swp_soft_dirty', [present({ softDirty: true })], ctx), 0);
  assert.equal(ctx.notes.length, 1);
});

test('swap entries: kinds, predicates and constructors across versions', () => {
  const rd = call('make_readable_device_exclusive_entry', [300]);
  assert.deepEqual(rd, { t: 'swp', kind: 'device_exclusive_read', offset: 300 });
  assert.equal(call('is_device_exclusive_entry', [rd]), 1);
  assert.equal(call('is_writable_device_exclusive_entry', [rd]), 0, 'a readable device-exclusive entry is not writable');
  const wr = call('make_writable_device_exclusive_entry', [300]);
  assert.equal(call('is_writable_device_exclusive_entry', [wr]), 1);
  const ex = call('make_device_exclusive_entry', [300]);
  assert.deepEqual(ex, { t: 'swp', kind: 'device_exclusive', offset: 300 });
  assert.equal(call('is_device_exclusive_entry', [ex]), 1);
  assert.equal(call('swp_offset_pfn', [ex]), 300);

  for (const e of [rd, wr, ex]) {
    assert.equal(call('is_pfn_swap_entry', [e]), 1);
    assert.equal(call('non_swap_entry', [e]), 1);
    assert.equal(call('is_migration_entry', [e]), 0);
    assert.equal(call('is_device_private_entry', [e]), 0);
  }

  const mr = call('make_readable_migration_entry', [5]);
  const mw = call('make_writable_migration_entry', [5]);
  assert.equal(call('is_migration_entry', [mr]), 1);
  assert.equal(call('is_readable_migration_entry', [mr]), 1);
  assert.equal(call('is_writable_migration_entry', [mr]), 0);
  assert.equal(call('is_writable_migration_entry', [mw]), 1);
  assert.equal(call('is_readable_migration_entry', [mw]), 0);
  assert.equal(call('is_device_exclusive_entry', [mw]), 0);

  const pr = call('make_readable_device_private_entry', [9]);
  const pw = call('make_writable_device_private_entry', [9]);
  assert.equal(call('is_device_private_entry', [pr]), 1);
  assert.equal(call('is_writable_device_private_entry', [pr]), 0);
  assert.equal(call('is_writable_device_private_entry', [pw]), 1);

  const sw = call('swp_entry', [0, 77]);
  assert.deepEqual(sw, { t: 'swp', kind: 'swap', offset: 77 });
  assert.equal(call('non_swap_entry', [sw]), 0);
  assert.equal(call('is_pfn_swap_entry', [sw]), 0);
  assert.equal(call('swp_type', [sw]), 0);
  assert.equal(call('swp_offset', [sw]), 77);

  // swp_type() is distinct per kind, at or above MAX_SWAPFILES for the special ones, and swp_entry() inverts it.
  const types = new Set<number>();
  for (const [kind, type] of Object.entries(SWP_TYPE_OF_KIND) as [SwpKind, number][]) {
    const e = entry(kind, 42);
    assert.equal(call('swp_type', [e]), type, kind);
    types.add(type);
    assert.equal(kind === 'swap' ? type < (CONSTANTS.MAX_SWAPFILES as number) : type >= (CONSTANTS.MAX_SWAPFILES as number), true, kind);
    assert.deepEqual(call('swp_entry', [call('swp_type', [e]), call('swp_offset', [e])]), e, kind);
  }
  assert.equal(types.size, Object.keys(SWP_TYPE_OF_KIND).length);
  assert.equal(call('swp_type', [ex]), CONSTANTS.SWP_DEVICE_EXCLUSIVE);
  assert.throws(() => call('swp_entry', [CONSTANTS.SWP_HWPOISON, 1]), /not modelled/);
  assert.throws(() => call('make_device_exclusive_entry', [ptr(1)]), /offset must be an integer/);

  // swp_offset_pfn() of a slot entry trips the kernel's VM_BUG_ON.
  const ctx = fakeCtx();
  assert.equal(call('swp_offset_pfn', [sw], ctx), 77);
  assert.equal(ctx.warns.length, 1);
  assert.match(ctx.warns[0], /^VM_BUG_ON fired at mm\/memory\.c:123/);
});

test('PTE markers', () => {
  const m = call('make_pte_marker', [CONSTANTS.PTE_MARKER_UFFD_WP]);
  assert.equal(call('is_swap_pte', [m]), 1);
  assert.equal(call('is_pte_marker', [m]), 1);
  assert.equal(call('pte_none_mostly', [m]), 1);
  assert.equal(call('pte_none_mostly', [NONE]), 1);
  assert.equal(call('pte_none_mostly', [swpPte('swap')]), 0);
  assert.equal(call('pte_marker_uffd_wp', [m]), 1);
  const e = call('pte_to_swp_entry', [m]);
  assert.equal(call('is_pte_marker_entry', [e]), 1);
  assert.equal(call('non_swap_entry', [e]), 1);
  assert.equal(call('is_pfn_swap_entry', [e]), 0);
  assert.equal(call('pte_marker_get', [e]), CONSTANTS.PTE_MARKER_UFFD_WP);
  assert.equal(call('pte_marker_entry_uffd_wp', [e]), 1);
  assert.equal(call('is_poisoned_swp_entry', [e]), 0);
  assert.equal(call('is_poisoned_swp_entry', [call('make_poisoned_swp_entry', [])]), 1);
  assert.equal(call('is_guard_swp_entry', [call('make_guard_swp_entry', [])]), 1);
  assert.equal(call('is_pte_marker', [swpPte('device_exclusive')]), 0);
  assert.throws(() => call('make_pte_marker_entry', [8]), /outside PTE_MARKER_MASK/);
});

test('error pointers: ERR_PTR / IS_ERR / PTR_ERR round trip', () => {
  const busy = -(CONSTANTS.EBUSY as number);
  const e = call('ERR_PTR', [busy]);
  assert.deepEqual(e, { t: 'errptr', err: -16 });
  assert.equal(call('IS_ERR', [e]), 1);
  assert.equal(call('IS_ERR_OR_NULL', [e]), 1);
  assert.equal(call('PTR_ERR', [e]), -16);
  assert.equal(call('PTR_ERR_OR_ZERO', [e]), -16);
  assert.deepEqual(call('ERR_CAST', [e]), e);
  assert.equal(call('IS_ERR', [call('ERR_CAST', [e])]), 1);

  const p = ptr(3, 'folio');
  assert.equal(call('IS_ERR', [p]), 0);
  assert.equal(call('IS_ERR_OR_NULL', [p]), 0);
  assert.equal(call('PTR_ERR_OR_ZERO', [p]), 0);
  assert.equal(call('ERR_CAST', [p]), p);
  assert.equal(call('IS_ERR', [null]), 0);
  assert.equal(call('IS_ERR_OR_NULL', [null]), 1);
  assert.equal(call('ERR_PTR', [0]), null, 'ERR_PTR(0) is NULL');
  assert.equal(call('IS_ERR', [-(CONSTANTS.ENOMEM as number)]), 1, 'IS_ERR_VALUE on a long');
  assert.equal(call('IS_ERR', [-4096]), 0);
  assert.throws(() => call('ERR_PTR', [5]), /not a negative errno/);
  assert.throws(() => call('ERR_PTR', [-5000]), ModelError);
  const ctx = fakeCtx();
  assert.equal(call('PTR_ERR', [p], ctx), 0);
  assert.equal(ctx.notes.length, 1);
});

test('integer helpers: min/max/clamp, ALIGN family, BIT', () => {
  assert.equal(call('min', [3, -2]), -2);
  assert.equal(call('max', [3, -2]), 3);
  assert.equal(call('min3', [4, 2, 9]), 2);
  assert.equal(call('max3', [4, 2, 9]), 9);
  assert.equal(call('clamp', [17, 0, 10]), 10);
  assert.equal(call('clamp', [-1, 0, 10]), 0);
  assert.equal(call('clamp', [5, 0, 10]), 5);
  assert.equal(call('ALIGN', [0x10001, 0x1000]), 0x11000);
  assert.equal(call('ALIGN', [0x11000, 0x1000]), 0x11000);
  assert.equal(call('ALIGN_DOWN', [0x10fff, 0x1000]), 0x10000);
  assert.equal(call('ALIGN_DOWN', [-1, 0x1000]), -0x1000, 'same as two\'s-complement masking');
  const pmdSize = CONSTANTS.PMD_SIZE as number;
  assert.equal(call('ALIGN', [0x7f0000201000, pmdSize]), 0x7f0000400000, 'above 2^32');
  assert.equal(call('ALIGN_DOWN', [0x7f0000201000, pmdSize]), 0x7f0000200000);
  assert.equal(call('IS_ALIGNED', [0x200000, pmdSize]), 1);
  assert.equal(call('IS_ALIGNED', [0x201000, pmdSize]), 0);
  assert.equal(call('PAGE_ALIGN', [1]), 4096);
  assert.equal(call('PAGE_ALIGN', [0]), 0);
  assert.equal(call('PAGE_ALIGN_DOWN', [8191]), 4096);
  assert.equal(call('PAGE_ALIGNED', [8192]), 1);
  assert.equal(call('PAGE_ALIGNED', [8193]), 0);
  assert.equal(call('BIT', [0]), 1);
  assert.equal(call('BIT', [40]), 2 ** 40);
  assert.equal(call('BIT', [63]), -(2 ** 63));
  assert.throws(() => call('BIT', [64]), ModelError);
  assert.throws(() => call('ALIGN', [10, 3]), /not a power of two/);
  assert.throws(() => call('min', [1, ptr(1)]), /min\(\): argument 2 must be an integer/);
  assert.throws(() => call('clamp', [1, 2]), /takes 3 arguments/);
});

test('WARN/BUG family fires ctx.warn only when the condition holds and returns it as 0/1', () => {
  for (const name of ['WARN_ON', 'WARN_ON_ONCE', 'VM_WARN_ON', 'VM_WARN_ON_ONCE', 'VM_BUG_ON', 'BUG_ON', 'BUILD_BUG_ON']) {
    const quiet = fakeCtx();
    assert.equal(call(name, [0], quiet), 0, name);
    assert.equal(call(name, [null], quiet), 0, name);
    assert.deepEqual(quiet.warns, [], name);
    const loud = fakeCtx();
    assert.equal(call(name, [7], loud), 1, name);
    assert.deepEqual(loud.warns, [`${name} fired at mm/memory.c:123`], name);
  }
  for (const name of ['VM_WARN_ON_FOLIO', 'VM_WARN_ON_ONCE_FOLIO', 'VM_WARN_ON_ONCE_PAGE', 'VM_BUG_ON_FOLIO', 'VM_BUG_ON_PAGE', 'VM_BUG_ON_VMA']) {
    const ctx = fakeCtx();
    assert.equal(call(name, [0, ptr(2)], ctx), 0, name);
    assert.equal(call(name, [ptr(1), ptr(2)], ctx), 1, `${name}: a non-NULL pointer is true`);
    assert.equal(ctx.warns.length, 1, name);
  }
  const ctx = fakeCtx();
  assert.equal(call('WARN', [1, 'bad pte %lx'], ctx), 1);
  assert.equal(call('WARN_ONCE', [0, 'never'], ctx), 0);
  assert.deepEqual(ctx.warns, ['WARN fired at mm/memory.c:123: bad pte %lx']);
  const lk = fakeCtx();
  assert.equal(call('lockdep_assert', [1], lk), 1);
  assert.deepEqual(lk.warns, []);
  call('lockdep_assert', [0], lk);
  assert.equal(lk.warns.length, 1, 'lockdep_assert fires on a false condition');
  const bug = fakeCtx();
  call('BUG', [], bug);
  assert.deepEqual(bug.warns, ['BUG fired at mm/memory.c:123']);
  assert.throws(() => call('WARN_ON', []), /at least 1/);
});

test('debug no-ops and barriers return 0 without warning', () => {
  const ctx = fakeCtx();
  for (const name of ['lockdep_assert_held', 'mmap_assert_locked', 'mmap_assert_write_locked', 'might_sleep', 'cond_resched', 'smp_wmb', 'smp_rmb', 'smp_mb', 'barrier']) {
    assert.equal(call(name, name.includes('assert') ? [ptr(1)] : [], ctx), 0, name);
  }
  assert.deepEqual(ctx.warns, []);
});

test('truthy follows C', () => {
  assert.equal(truthy(0), false);
  assert.equal(truthy(-0), false);
  assert.equal(truthy(null), false);
  assert.equal(truthy(undefined), false);
  assert.equal(truthy(1), true);
  assert.equal(truthy(-16), true);
  assert.equal(truthy(ptr(1)), true);
  assert.equal(truthy({ t: 'errptr', err: -16 }), true);
  assert.equal(truthy(NONE), true);
  assert.equal(truthy('fmt'), true);
});

/** Names of a flag family with their values as 64-bit integers. */
function family(prefix: string, skip: string[] = []): [string, bigint][] {
  return Object.entries(CONSTANTS)
    .filter(([k]) => k.startsWith(prefix) && !skip.includes(k))
    .map(([k, v]) => {
      assert.equal(typeof v, 'number', k);
      return [k, BigInt.asUintN(64, BigInt(v as number))];
    });
}

function assertDistinctBits(prefix: string, flags: [string, bigint][], min: number): void {
  assert.ok(flags.length >= min, `${prefix}: only ${flags.length} flags`);
  let seen = 0n;
  for (const [k, v] of flags) {
    assert.ok(v !== 0n && (v & (v - 1n)) === 0n, `${k} = 0x${v.toString(16)} is not a single bit`);
    assert.equal(seen & v, 0n, `${k} = 0x${v.toString(16)} shares a bit with another ${prefix} flag`);
    seen |= v;
  }
}

test('constants: every flag family has distinct single bits', () => {
  assertDistinctBits('FOLL_', family('FOLL_'), 19);
  assertDistinctBits('FAULT_FLAG_', family('FAULT_FLAG_'), 13);
  assertDistinctBits('VM_', family('VM_', ['VM_NONE', 'VM_GROWSUP', 'VM_ACCESS_FLAGS']).filter(([k]) => !k.startsWith('VM_FAULT_')), 30);
  assertDistinctBits('VM_FAULT_', family('VM_FAULT_', ['VM_FAULT_ERROR', 'VM_FAULT_HINDEX_MASK']), 13);
  assertDistinctBits('__GFP_', family('__GFP_', ['__GFP_RECLAIM']), 22);
  assertDistinctBits('MM_CP_', family('MM_CP_', ['MM_CP_UFFD_WP_ALL']), 4);
  assertDistinctBits('ZAP_FLAG_', family('ZAP_FLAG_'), 2);
  assertDistinctBits('PTE_MARKER_', family('PTE_MARKER_', ['PTE_MARKER_MASK']), 3);
});

test('constants: values the kernel code depends on', () => {
  const c = CONSTANTS;
  assert.equal(c.PAGE_SIZE, 4096);
  assert.equal(c.PAGE_MASK, -4096);
  assert.equal((0x12345 & (c.PAGE_MASK as number)) >>> 0, 0x12000);
  assert.equal(c.PMD_SIZE, 2 * 1024 * 1024);
  assert.equal(c.PMD_MASK, -(2 * 1024 * 1024));
  assert.equal(c.HPAGE_PMD_NR, 512);
  assert.equal(c.PTRS_PER_PTE, 512);
  assert.equal(c.VM_FAULT_ERROR, 0x873);
  assert.equal(c.GFP_KERNEL, 0xcc0);
  assert.equal(c.GFP_ATOMIC, 0x820);
  assert.equal(c.GFP_HIGHUSER_MOVABLE, 0x100cca);
  assert.equal(c.__GFP_ZERO, 0x100);
  assert.equal(c.VM_MAYREAD, (c.VM_READ as number) << 4, 'mprotect relies on VM_MAYREAD >> 4 == VM_READ');
  assert.equal(c.VM_PFNMAP, 0x400);
  assert.equal(c.VM_HUGETLB, 0x400000);
  assert.equal(c.FOLL_WRITE, 1);
  assert.equal(c.FAULT_FLAG_WRITE, 1);
  assert.equal(c.DPT_XA_TAG_ATOMIC, 1);
  assert.equal(c.DPT_XA_TAG_WRITE, 3);
  assert.equal(c.MMU_NOTIFIER_RANGE_BLOCKABLE, 1);
  assert.deepEqual([c.FW_LEVEL_PTE, c.FW_LEVEL_PMD, c.FW_LEVEL_PUD], [0, 1, 2]);
  assert.deepEqual([c.RMAP_NONE, c.RMAP_EXCLUSIVE], [0, 1]);
  assert.deepEqual([c.MM_FILEPAGES, c.MM_ANONPAGES, c.MM_SWAPENTS, c.MM_SHMEMPAGES, c.NR_MM_COUNTERS], [0, 1, 2, 3, 4]);
  assert.deepEqual([c.EPERM, c.ENOENT, c.EINTR, c.EIO, c.EAGAIN, c.ENOMEM, c.EFAULT, c.EBUSY, c.EEXIST, c.EINVAL, c.ENOSPC, c.EOPNOTSUPP, c.ERESTARTSYS], [1, 2, 4, 5, 11, 12, 14, 16, 17, 22, 28, 95, 512]);
  assert.equal(c.NULL, null);
});

test('constants: the mmu_notifier_event enum and its names', () => {
  assert.deepEqual(MMU_NOTIFY_NAMES, [
    'MMU_NOTIFY_UNMAP', 'MMU_NOTIFY_CLEAR', 'MMU_NOTIFY_PROTECTION_VMA', 'MMU_NOTIFY_PROTECTION_PAGE',
    'MMU_NOTIFY_SOFT_DIRTY', 'MMU_NOTIFY_RELEASE', 'MMU_NOTIFY_MIGRATE', 'MMU_NOTIFY_EXCLUSIVE',
  ]);
  MMU_NOTIFY_NAMES.forEach((n, i) => assert.equal(CONSTANTS[n], i, n));
  assert.equal(MMU_NOTIFY_NAMES[CONSTANTS.MMU_NOTIFY_EXCLUSIVE as number], 'MMU_NOTIFY_EXCLUSIVE');
});
