/**
 * Pure value helpers: pte_t bit accessors and modifiers, swp_entry_t encoding (swapops.h), error
 * pointers (err.h), integer helpers (minmax.h, align.h) and the WARN/BUG family. None of them reads
 * or writes the machine state, and none is a scheduling point. PTE and swap-entry values are treated
 * as immutable: every modifier returns a new object.
 */
import { ModelError } from '../state/state';
import { type ErrPtr, type Pte, type Swp, type SwpKind, type Value, isErrPtr, isPte, isSwp, show, showPte } from '../state/values';
import type { PrimCtx, PrimGroup, Primitive } from './api';
import { CONSTANTS, SWP_TYPE_OF_KIND } from './constants';

type PresentPte = Extract<Pte, { k: 'present' }>;
type SwpPte = Extract<Pte, { k: 'swp' }>;

/** C truthiness of a value: 0, NULL and an unset value are false; any other number, pointer or object is true. */
export function truthy(v: Value): boolean {
  return v !== 0 && v !== null && v !== undefined;
}

const num = (name: string, key: string): number => {
  const v = CONSTANTS[key];
  if (typeof v !== 'number') throw new Error(`constant ${key} missing (needed by ${name})`);
  return v;
};
const MAX_ERRNO = num('err', 'MAX_ERRNO');
const MAX_SWAPFILES = num('swapops', 'MAX_SWAPFILES');
const PTE_MARKER_UFFD_WP = num('swapops', 'PTE_MARKER_UFFD_WP');
const PTE_MARKER_POISONED = num('swapops', 'PTE_MARKER_POISONED');
const PTE_MARKER_GUARD = num('swapops', 'PTE_MARKER_GUARD');
const PTE_MARKER_MASK = num('swapops', 'PTE_MARKER_MASK');
const PAGE_SIZE = num('misc', 'PAGE_SIZE');

const b = (x: boolean): number => (x ? 1 : 0);

function prim(group: PrimGroup, name: string, doc: string, run: (ctx: PrimCtx, args: Value[]) => Value, aliases?: string[]): Primitive {
  return { name, ...(aliases ? { aliases } : {}), group, reads: [], writes: [], sched: false, doc, run };
}

function arity(name: string, args: Value[], min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  throw new ModelError(`${name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${args.length}`);
}

function asPte(name: string, v: Value): Pte {
  if (!isPte(v)) throw new ModelError(`${name}(): expected a pte_t value, got ${show(v)}`);
  return v;
}

function asSwp(name: string, v: Value): Swp {
  if (!isSwp(v)) throw new ModelError(`${name}(): expected a swp_entry_t value, got ${show(v)}`);
  return v;
}

function int(ctx: PrimCtx, name: string, v: Value, what: string): number {
  if (typeof v !== 'number') throw new ModelError(`${name}(): ${what} must be an integer, got ${show(v)}`);
  return ctx.int(v, `${name}() ${what}`);
}

const copySwp = (e: Swp): Swp => ({ t: 'swp', kind: e.kind, offset: e.offset });
const copyPte = (p: Pte): Pte => (p.k === 'swp' ? { ...p, entry: copySwp(p.entry) } : { ...p });

// ---------------------------------------------------------------------------------------------
// pte_t of a present mapping (arch/x86/include/asm/pgtable.h)

type PresentBit = 'write' | 'dirty' | 'young' | 'softDirty' | 'uffdWp' | 'special';

/** A bit of a present PTE. A none PTE has every bit clear; a swap PTE's bits mean something else. */
function presentTest(name: string, bit: PresentBit, doc: string): Primitive {
  return prim('pte', name, doc, (ctx, args) => {
    arity(name, args, 1);
    const p = asPte(name, args[0]);
    if (p.k === 'present') return b(!!p[bit]);
    if (p.k === 'swp') ctx.note(`${name}() of a non-present PTE (${showPte(p)}): those bits belong to the swap entry there; the model gives 0`);
    return 0;
  });
}

/** A modifier of a present PTE (the kernel never applies these to none or swap PTEs). */
function presentSet(name: string, patch: Partial<Omit<PresentPte, 't' | 'k'>>, doc: string, maxArgs = 1): Primitive {
  return prim('pte', name, doc, (_ctx, args) => {
    arity(name, args, 1, maxArgs);
    const p = asPte(name, args[0]);
    if (p.k !== 'present') throw new ModelError(`${name}() of a non-present PTE (${showPte(p)}): only a present PTE has that bit`);
    return { ...p, ...patch };
  });
}

function ptesEqual(a: Pte, c: Pte): boolean {
  if (a.k === 'none' || c.k === 'none') return a.k === c.k;
  if (a.k === 'present' && c.k === 'present') {
    return a.pfn === c.pfn && a.write === c.write && a.dirty === c.dirty && a.young === c.young &&
      a.softDirty === c.softDirty && a.uffdWp === c.uffdWp && !!a.special === !!c.special;
  }
  if (a.k === 'swp' && c.k === 'swp') {
    return a.entry.kind === c.entry.kind && a.entry.offset === c.entry.offset && a.softDirty === c.softDirty &&
      a.uffdWp === c.uffdWp && !!a.exclusive === !!c.exclusive;
  }
  return false;
}

const PRESENT_PTE: Primitive[] = [
  prim('pte', 'pte_none', 'pte_none(pte): the entry is empty', (_ctx, args) => {
    arity('pte_none', args, 1);
    return b(asPte('pte_none', args[0]).k === 'none');
  }),
  prim('pte', 'pte_present', 'pte_present(pte): the entry maps a page (not none, not a swap entry)', (_ctx, args) => {
    arity('pte_present', args, 1);
    return b(asPte('pte_present', args[0]).k === 'present');
  }),
  presentTest('pte_write', 'write', 'pte_write(pte): the present PTE is writable'),
  presentTest('pte_dirty', 'dirty', 'pte_dirty(pte): the present PTE is dirty'),
  presentTest('pte_young', 'young', 'pte_young(pte): the present PTE is young (accessed)'),
  presentTest('pte_soft_dirty', 'softDirty', 'pte_soft_dirty(pte): soft-dirty bit of a present PTE'),
  presentTest('pte_uffd_wp', 'uffdWp', 'pte_uffd_wp(pte): userfaultfd write-protect bit of a present PTE'),
  presentTest('pte_special', 'special', 'pte_special(pte): the present PTE maps no refcounted page'),
  prim('pte', 'pte_pfn', 'pte_pfn(pte): page frame number a present PTE maps', (ctx, args) => {
    arity('pte_pfn', args, 1);
    const p = asPte('pte_pfn', args[0]);
    if (p.k === 'present') return p.pfn;
    if (p.k === 'swp') ctx.note(`pte_pfn() of a non-present PTE (${showPte(p)}): the kernel would read swap-entry bits; the model gives 0`);
    return 0;
  }),
  presentSet('pte_mkwrite', { write: true }, 'pte_mkwrite(pte[, vma]): the PTE made writable (v6.6+ takes the vma)', 2),
  presentSet('pte_mkwrite_novma', { write: true }, 'pte_mkwrite_novma(pte): the PTE made writable'),
  presentSet('pte_wrprotect', { write: false }, 'pte_wrprotect(pte): the PTE made read-only'),
  // Protections in the model are vm_page_prot = 0 (private mappings start read-only): the new
  // PTE keeps pfn, dirty, accessed and soft-dirty (_PAGE_CHG_MASK) and loses the write bit.
  presentSet('pte_modify', { write: false }, 'pte_modify(pte, newprot): the PTE with the VMA\'s protections (read-only for a private mapping; the kept bits stay)', 2),
  presentSet('pte_mkdirty', { dirty: true }, 'pte_mkdirty(pte): the PTE with the dirty bit set'),
  presentSet('pte_mkclean', { dirty: false }, 'pte_mkclean(pte): the PTE with the dirty bit cleared'),
  presentSet('pte_mkold', { young: false }, 'pte_mkold(pte): the PTE with the accessed bit cleared'),
  presentSet('pte_mkyoung', { young: true }, 'pte_mkyoung(pte): the PTE with the accessed bit set'),
  presentSet('pte_mksoft_dirty', { softDirty: true }, 'pte_mksoft_dirty(pte): the PTE with the soft-dirty bit set'),
  presentSet('pte_clear_soft_dirty', { softDirty: false }, 'pte_clear_soft_dirty(pte): the PTE with the soft-dirty bit cleared'),
  presentSet('pte_mkuffd_wp', { uffdWp: true }, 'pte_mkuffd_wp(pte): the PTE userfaultfd-write-protected'),
  presentSet('pte_clear_uffd_wp', { uffdWp: false }, 'pte_clear_uffd_wp(pte): the PTE with the uffd-wp bit cleared'),
  presentSet('pte_mkspecial', { special: true }, 'pte_mkspecial(pte): the PTE marked special (no struct page behind it)'),
  prim('pte', 'pte_sw_mkyoung', 'pte_sw_mkyoung(pte): the PTE unchanged (only MIPS sets a software young bit)', (_ctx, args) => {
    arity('pte_sw_mkyoung', args, 1);
    return copyPte(asPte('pte_sw_mkyoung', args[0]));
  }),
  prim('pte', 'pte_protnone', 'pte_protnone(pte): 0, NUMA-hinting PTEs are not modelled (CONFIG_NUMA_BALANCING off)', (_ctx, args) => {
    arity('pte_protnone', args, 1);
    asPte('pte_protnone', args[0]);
    return 0;
  }),
  prim('pte', 'pte_devmap', 'pte_devmap(pte): 0, the model has no devmap (fsdax) PTEs', (_ctx, args) => {
    arity('pte_devmap', args, 1);
    asPte('pte_devmap', args[0]);
    return 0;
  }),
  prim('pte', 'pte_advance_pfn', 'pte_advance_pfn(pte, nr): the present PTE mapping the pfn nr further', (ctx, args) => {
    arity('pte_advance_pfn', args, 2);
    const p = asPte('pte_advance_pfn', args[0]);
    if (p.k !== 'present') throw new ModelError(`pte_advance_pfn() of a non-present PTE (${showPte(p)})`);
    return { ...p, pfn: p.pfn + int(ctx, 'pte_advance_pfn', args[1], 'nr') };
  }),
  prim('pte', 'pte_same', 'pte_same(a, b): the two PTE values are identical (every bit, soft-dirty and uffd-wp included)', (_ctx, args) => {
    arity('pte_same', args, 2);
    return b(ptesEqual(asPte('pte_same', args[0]), asPte('pte_same', args[1])));
  }),
];

// ---------------------------------------------------------------------------------------------
// Swap PTEs: flags kept beside the swap entry (pte_swp_*), and the PTE <-> entry conversions

type SwpBit = 'softDirty' | 'uffdWp' | 'exclusive';

function swpTest(name: string, bit: SwpBit, doc: string): Primitive {
  return prim('swapops', name, doc, (ctx, args) => {
    arity(name, args, 1);
    const p = asPte(name, args[0]);
    if (p.k === 'swp') return b(!!p[bit]);
    if (p.k === 'present') ctx.note(`${name}() of a present PTE (${showPte(p)}): that bit means something else there; the model gives 0`);
    return 0;
  });
}

function swpSet(name: string, bit: SwpBit, on: boolean, doc: string): Primitive {
  return prim('swapops', name, doc, (_ctx, args) => {
    arity(name, args, 1);
    const p = asPte(name, args[0]);
    if (p.k !== 'swp') throw new ModelError(`${name}() of a ${p.k} PTE: only a swap PTE has that bit`);
    const q: SwpPte = { ...p, entry: copySwp(p.entry) };
    if (bit === 'exclusive') {
      if (on) q.exclusive = true;
      else delete q.exclusive;
    } else q[bit] = on;
    return q;
  });
}

function swpPte(entry: Swp): SwpPte {
  return { t: 'pte', k: 'swp', entry: copySwp(entry), softDirty: false, uffdWp: false };
}

function isPteMarkerPte(p: Pte): boolean {
  return p.k === 'swp' && p.entry.kind === 'pte_marker';
}

const SWAP_PTE: Primitive[] = [
  swpTest('pte_swp_soft_dirty', 'softDirty', 'pte_swp_soft_dirty(pte): soft-dirty bit of a swap PTE'),
  swpSet('pte_swp_mksoft_dirty', 'softDirty', true, 'pte_swp_mksoft_dirty(pte): the swap PTE with the soft-dirty bit set'),
  swpSet('pte_swp_clear_soft_dirty', 'softDirty', false, 'pte_swp_clear_soft_dirty(pte): the swap PTE with the soft-dirty bit cleared'),
  swpTest('pte_swp_uffd_wp', 'uffdWp', 'pte_swp_uffd_wp(pte): uffd-wp bit of a swap PTE'),
  swpSet('pte_swp_mkuffd_wp', 'uffdWp', true, 'pte_swp_mkuffd_wp(pte): the swap PTE with the uffd-wp bit set'),
  swpSet('pte_swp_clear_uffd_wp', 'uffdWp', false, 'pte_swp_clear_uffd_wp(pte): the swap PTE with the uffd-wp bit cleared'),
  swpTest('pte_swp_exclusive', 'exclusive', 'pte_swp_exclusive(pte): the swapped-out anon page was exclusive (PG_anon_exclusive)'),
  swpSet('pte_swp_mkexclusive', 'exclusive', true, 'pte_swp_mkexclusive(pte): the swap PTE marked exclusive'),
  swpSet('pte_swp_clear_exclusive', 'exclusive', false, 'pte_swp_clear_exclusive(pte): the swap PTE with the exclusive bit cleared'),
  prim('swapops', 'pte_swp_clear_flags', 'pte_swp_clear_flags(pte): the swap PTE without exclusive, soft-dirty and uffd-wp bits', (_ctx, args) => {
    arity('pte_swp_clear_flags', args, 1);
    const p = asPte('pte_swp_clear_flags', args[0]);
    if (p.k !== 'swp') throw new ModelError(`pte_swp_clear_flags() of a ${p.k} PTE: only a swap PTE has those bits`);
    return swpPte(p.entry);
  }),
  prim('swapops', 'is_swap_pte', 'is_swap_pte(pte): neither none nor present, i.e. the PTE holds a swap entry', (_ctx, args) => {
    arity('is_swap_pte', args, 1);
    return b(asPte('is_swap_pte', args[0]).k === 'swp');
  }),
  prim('swapops', 'pte_to_swp_entry', 'pte_to_swp_entry(pte): the swap entry a swap PTE holds (flags dropped)', (_ctx, args) => {
    arity('pte_to_swp_entry', args, 1);
    const p = asPte('pte_to_swp_entry', args[0]);
    if (p.k !== 'swp') throw new ModelError(`pte_to_swp_entry() of a ${p.k} PTE (${showPte(p)}): only a non-none, non-present PTE holds a swap entry`);
    return copySwp(p.entry);
  }),
  prim('swapops', 'swp_entry_to_pte', 'swp_entry_to_pte(entry): a swap PTE holding the entry, soft-dirty and uffd-wp clear', (_ctx, args) => {
    arity('swp_entry_to_pte', args, 1);
    return swpPte(asSwp('swp_entry_to_pte', args[0]));
  }),
  prim('swapops', 'pte_none_mostly', 'pte_none_mostly(pte): none, or only a PTE marker', (_ctx, args) => {
    arity('pte_none_mostly', args, 1);
    const p = asPte('pte_none_mostly', args[0]);
    return b(p.k === 'none' || isPteMarkerPte(p));
  }),
  prim('swapops', 'is_pte_marker', 'is_pte_marker(pte): the PTE holds a PTE marker entry', (_ctx, args) => {
    arity('is_pte_marker', args, 1);
    return b(isPteMarkerPte(asPte('is_pte_marker', args[0])));
  }),
  prim('swapops', 'pte_move_swp_offset', 'pte_move_swp_offset(pte, delta): the swap PTE with the entry offset moved by delta, flags kept', (ctx, args) => {
    arity('pte_move_swp_offset', args, 2);
    const p = asPte('pte_move_swp_offset', args[0]);
    if (p.k !== 'swp') throw new ModelError(`pte_move_swp_offset() of a ${p.k} PTE: only a swap PTE holds an offset`);
    return { ...p, entry: { t: 'swp', kind: p.entry.kind, offset: p.entry.offset + int(ctx, 'pte_move_swp_offset', args[1], 'delta') } };
  }),
];

// ---------------------------------------------------------------------------------------------
// swp_entry_t (include/linux/swapops.h)

const MIGRATION: ReadonlySet<SwpKind> = new Set(['migration_read', 'migration_write']);
const DEVICE_PRIVATE: ReadonlySet<SwpKind> = new Set(['device_private_read', 'device_private_write']);
const DEVICE_EXCLUSIVE: ReadonlySet<SwpKind> = new Set(['device_exclusive', 'device_exclusive_read', 'device_exclusive_write']);
const isPfnKind = (k: SwpKind): boolean => MIGRATION.has(k) || DEVICE_PRIVATE.has(k) || DEVICE_EXCLUSIVE.has(k);

const KIND_OF_TYPE = new Map<number, SwpKind>(
  (Object.entries(SWP_TYPE_OF_KIND) as [SwpKind, number][]).filter(([k]) => k !== 'swap').map(([k, t]) => [t, k]),
);

function entryTest(name: string, test: (e: Swp) => boolean, doc: string): Primitive {
  return prim('swapops', name, doc, (_ctx, args) => {
    arity(name, args, 1);
    return b(test(asSwp(name, args[0])));
  });
}

function entryMake(name: string, kind: SwpKind, doc: string): Primitive {
  return prim('swapops', name, doc, (ctx, args) => {
    arity(name, args, 1);
    return { t: 'swp', kind, offset: int(ctx, name, args[0], 'offset') };
  });
}

function marker(name: string, bits: number): Swp {
  if (bits & ~PTE_MARKER_MASK) throw new ModelError(`${name}(): marker 0x${bits.toString(16)} has bits outside PTE_MARKER_MASK`);
  return { t: 'swp', kind: 'pte_marker', offset: bits };
}

const isMarker = (e: Swp, bit: number): boolean => e.kind === 'pte_marker' && (e.offset & bit) !== 0;

const SWP_ENTRY: Primitive[] = [
  prim('swapops', 'swp_entry', 'swp_entry(type, offset): the swap entry of that type (SWP_* number) and offset', (ctx, args) => {
    arity('swp_entry', args, 2);
    const type = int(ctx, 'swp_entry', args[0], 'type');
    const offset = int(ctx, 'swp_entry', args[1], 'offset');
    if (type >= 0 && type < MAX_SWAPFILES) {
      if (type !== 0) ctx.note(`swp_entry(${type}, ...): the model has one swap device; the entry is on device 0`);
      return { t: 'swp', kind: 'swap', offset };
    }
    const kind = KIND_OF_TYPE.get(type);
    if (!kind) throw new ModelError(`swp_entry(): swap type ${type} is not modelled (hwpoison and read-exclusive migration entries are not)`);
    return { t: 'swp', kind, offset };
  }),
  prim('swapops', 'swp_type', 'swp_type(entry): the entry type (0 for swap, SWP_* numbers of v6.18 for the others)', (_ctx, args) => {
    arity('swp_type', args, 1);
    return SWP_TYPE_OF_KIND[asSwp('swp_type', args[0]).kind];
  }),
  prim('swapops', 'swp_offset', 'swp_offset(entry): the entry offset (the pfn for pfn entries, the slot for swap)', (_ctx, args) => {
    arity('swp_offset', args, 1);
    return asSwp('swp_offset', args[0]).offset;
  }),
  prim('swapops', 'swp_offset_pfn', 'swp_offset_pfn(entry): the pfn of a pfn swap entry (VM_BUG_ON otherwise)', (ctx, args) => {
    arity('swp_offset_pfn', args, 1);
    const e = asSwp('swp_offset_pfn', args[0]);
    if (!isPfnKind(e.kind)) ctx.warn(`VM_BUG_ON fired at ${ctx.where}: swp_offset_pfn() of a ${e.kind} entry, which holds no pfn`);
    return e.offset;
  }),
  entryTest('non_swap_entry', (e) => e.kind !== 'swap', 'non_swap_entry(entry): a special entry (migration, device, marker), not a real swap slot'),
  entryTest('is_pfn_swap_entry', (e) => isPfnKind(e.kind), 'is_pfn_swap_entry(entry): the offset is a pfn (migration, device-private, device-exclusive)'),
  entryTest('is_migration_entry', (e) => MIGRATION.has(e.kind), 'is_migration_entry(entry): a migration entry, readable or writable'),
  entryTest('is_writable_migration_entry', (e) => e.kind === 'migration_write', 'is_writable_migration_entry(entry): a writable migration entry'),
  entryTest('is_readable_migration_entry', (e) => e.kind === 'migration_read', 'is_readable_migration_entry(entry): a readable (not exclusive) migration entry'),
  entryTest('is_readable_exclusive_migration_entry', () => false, 'is_readable_exclusive_migration_entry(entry): 0, the model has no read-exclusive migration entries'),
  entryTest('is_device_exclusive_entry', (e) => DEVICE_EXCLUSIVE.has(e.kind), 'is_device_exclusive_entry(entry): a device-exclusive entry (any version)'),
  entryTest('is_writable_device_exclusive_entry', (e) => e.kind === 'device_exclusive_write', 'is_writable_device_exclusive_entry(entry): a writable device-exclusive entry (v5.14-v6.14)'),
  entryTest('is_device_private_entry', (e) => DEVICE_PRIVATE.has(e.kind), 'is_device_private_entry(entry): a device-private entry, readable or writable'),
  entryTest('is_writable_device_private_entry', (e) => e.kind === 'device_private_write', 'is_writable_device_private_entry(entry): a writable device-private entry'),
  entryTest('is_pte_marker_entry', (e) => e.kind === 'pte_marker', 'is_pte_marker_entry(entry): a PTE marker entry'),
  entryTest('is_hwpoison_entry', () => false, 'is_hwpoison_entry(entry): 0, the model has no hwpoison entries'),
  entryMake('make_device_exclusive_entry', 'device_exclusive', 'make_device_exclusive_entry(pfn): a device-exclusive entry (v6.15+)'),
  entryMake('make_writable_device_exclusive_entry', 'device_exclusive_write', 'make_writable_device_exclusive_entry(pfn): a writable device-exclusive entry (v5.14-v6.14)'),
  entryMake('make_readable_device_exclusive_entry', 'device_exclusive_read', 'make_readable_device_exclusive_entry(pfn): a read-only device-exclusive entry (v5.14-v6.14)'),
  entryMake('make_readable_migration_entry', 'migration_read', 'make_readable_migration_entry(pfn): a readable migration entry'),
  entryMake('make_writable_migration_entry', 'migration_write', 'make_writable_migration_entry(pfn): a writable migration entry'),
  entryMake('make_readable_device_private_entry', 'device_private_read', 'make_readable_device_private_entry(pfn): a readable device-private entry'),
  entryMake('make_writable_device_private_entry', 'device_private_write', 'make_writable_device_private_entry(pfn): a writable device-private entry'),
  prim('swapops', 'migration_entry_supports_ad', 'migration_entry_supports_ad(): 0, the model keeps no A/D bits in migration entries', (_ctx, args) => {
    arity('migration_entry_supports_ad', args, 0);
    return 0;
  }),
  entryTest('is_migration_entry_young', () => false, 'is_migration_entry_young(entry): 0, no A/D bits in the model\'s migration entries'),
  entryTest('is_migration_entry_dirty', () => false, 'is_migration_entry_dirty(entry): 0, no A/D bits in the model\'s migration entries'),
  prim('swapops', 'make_migration_entry_young', 'make_migration_entry_young(entry): the entry unchanged (no A/D bits in the model)', (_ctx, args) => {
    arity('make_migration_entry_young', args, 1);
    return copySwp(asSwp('make_migration_entry_young', args[0]));
  }),
  prim('swapops', 'make_migration_entry_dirty', 'make_migration_entry_dirty(entry): the entry unchanged (no A/D bits in the model)', (_ctx, args) => {
    arity('make_migration_entry_dirty', args, 1);
    return copySwp(asSwp('make_migration_entry_dirty', args[0]));
  }),
  // PTE markers
  prim('swapops', 'make_pte_marker_entry', 'make_pte_marker_entry(marker): a PTE marker entry with those PTE_MARKER_* bits', (ctx, args) => {
    arity('make_pte_marker_entry', args, 1);
    return marker('make_pte_marker_entry', int(ctx, 'make_pte_marker_entry', args[0], 'marker'));
  }),
  prim('swapops', 'make_pte_marker', 'make_pte_marker(marker): a swap PTE holding a PTE marker with those bits', (ctx, args) => {
    arity('make_pte_marker', args, 1);
    return swpPte(marker('make_pte_marker', int(ctx, 'make_pte_marker', args[0], 'marker')));
  }),
  prim('swapops', 'pte_marker_get', 'pte_marker_get(entry): the PTE_MARKER_* bits of the entry', (_ctx, args) => {
    arity('pte_marker_get', args, 1);
    return asSwp('pte_marker_get', args[0]).offset & PTE_MARKER_MASK;
  }),
  prim('swapops', 'make_poisoned_swp_entry', 'make_poisoned_swp_entry(): a PTE marker entry with PTE_MARKER_POISONED', (_ctx, args) => {
    arity('make_poisoned_swp_entry', args, 0);
    return marker('make_poisoned_swp_entry', PTE_MARKER_POISONED);
  }),
  prim('swapops', 'make_guard_swp_entry', 'make_guard_swp_entry(): a PTE marker entry with PTE_MARKER_GUARD', (_ctx, args) => {
    arity('make_guard_swp_entry', args, 0);
    return marker('make_guard_swp_entry', PTE_MARKER_GUARD);
  }),
  entryTest('is_poisoned_swp_entry', (e) => isMarker(e, PTE_MARKER_POISONED), 'is_poisoned_swp_entry(entry): a PTE marker with PTE_MARKER_POISONED'),
  entryTest('is_guard_swp_entry', (e) => isMarker(e, PTE_MARKER_GUARD), 'is_guard_swp_entry(entry): a PTE marker with PTE_MARKER_GUARD'),
  entryTest('pte_marker_entry_uffd_wp', (e) => isMarker(e, PTE_MARKER_UFFD_WP), 'pte_marker_entry_uffd_wp(entry): a PTE marker with PTE_MARKER_UFFD_WP'),
  prim('swapops', 'pte_marker_uffd_wp', 'pte_marker_uffd_wp(pte): the PTE holds a PTE marker with PTE_MARKER_UFFD_WP', (_ctx, args) => {
    arity('pte_marker_uffd_wp', args, 1);
    const p = asPte('pte_marker_uffd_wp', args[0]);
    return b(p.k === 'swp' && isMarker(p.entry, PTE_MARKER_UFFD_WP));
  }),
];

// ---------------------------------------------------------------------------------------------
// Integers (include/linux/minmax.h, align.h, bits.h, mm.h)

function isPow2(a: number): boolean {
  return Number.isInteger(a) && a > 0 && 2 ** Math.round(Math.log2(a)) === a;
}

function alignment(name: string, a: number): number {
  if (!isPow2(a)) throw new ModelError(`${name}(): alignment ${a} is not a power of two`);
  return a;
}

// Floor/ceil to a power of two equal the kernel's two's-complement masking, negative values included.
const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;
const alignDown = (x: number, a: number): number => Math.floor(x / a) * a;
const aligned = (x: number, a: number): boolean => ((x % a) + a) % a === 0;

function ints(ctx: PrimCtx, name: string, args: Value[]): number[] {
  return args.map((v, i) => int(ctx, name, v, `argument ${i + 1}`));
}

const MISC: Primitive[] = [
  prim('misc', 'min', 'min(a, b): the smaller value (min_t compiles to it)', (ctx, args) => {
    arity('min', args, 1, Infinity);
    return Math.min(...ints(ctx, 'min', args));
  }),
  prim('misc', 'max', 'max(a, b): the larger value (max_t compiles to it)', (ctx, args) => {
    arity('max', args, 1, Infinity);
    return Math.max(...ints(ctx, 'max', args));
  }),
  prim('misc', 'min3', 'min3(a, b, c): the smallest of three', (ctx, args) => {
    arity('min3', args, 3);
    return Math.min(...ints(ctx, 'min3', args));
  }),
  prim('misc', 'max3', 'max3(a, b, c): the largest of three', (ctx, args) => {
    arity('max3', args, 3);
    return Math.max(...ints(ctx, 'max3', args));
  }),
  prim('misc', 'clamp', 'clamp(val, lo, hi): val limited to [lo, hi] (clamp_t compiles to it)', (ctx, args) => {
    arity('clamp', args, 3);
    const [v, lo, hi] = ints(ctx, 'clamp', args);
    return Math.min(Math.max(v, lo), hi);
  }),
  prim('misc', 'ALIGN', 'ALIGN(x, a): x rounded up to a multiple of the power of two a', (ctx, args) => {
    arity('ALIGN', args, 2);
    const [x, a] = ints(ctx, 'ALIGN', args);
    return alignUp(x, alignment('ALIGN', a));
  }),
  prim('misc', 'ALIGN_DOWN', 'ALIGN_DOWN(x, a): x rounded down to a multiple of the power of two a', (ctx, args) => {
    arity('ALIGN_DOWN', args, 2);
    const [x, a] = ints(ctx, 'ALIGN_DOWN', args);
    return alignDown(x, alignment('ALIGN_DOWN', a));
  }),
  prim('misc', 'IS_ALIGNED', 'IS_ALIGNED(x, a): x is a multiple of the power of two a', (ctx, args) => {
    arity('IS_ALIGNED', args, 2);
    const [x, a] = ints(ctx, 'IS_ALIGNED', args);
    return b(aligned(x, alignment('IS_ALIGNED', a)));
  }),
  prim('misc', 'PAGE_ALIGN', 'PAGE_ALIGN(addr): addr rounded up to a page boundary', (ctx, args) => {
    arity('PAGE_ALIGN', args, 1);
    return alignUp(int(ctx, 'PAGE_ALIGN', args[0], 'addr'), PAGE_SIZE);
  }),
  prim('misc', 'PAGE_ALIGN_DOWN', 'PAGE_ALIGN_DOWN(addr): addr rounded down to a page boundary', (ctx, args) => {
    arity('PAGE_ALIGN_DOWN', args, 1);
    return alignDown(int(ctx, 'PAGE_ALIGN_DOWN', args[0], 'addr'), PAGE_SIZE);
  }),
  prim('misc', 'PAGE_ALIGNED', 'PAGE_ALIGNED(addr): addr is on a page boundary', (ctx, args) => {
    arity('PAGE_ALIGNED', args, 1);
    return b(aligned(int(ctx, 'PAGE_ALIGNED', args[0], 'addr'), PAGE_SIZE));
  }),
  prim('misc', 'BIT', 'BIT(n): 1 << n as an unsigned long (BIT(63) is the sign bit of the 64-bit value)', (ctx, args) => {
    arity('BIT', args, 1);
    const n = int(ctx, 'BIT', args[0], 'n');
    if (!Number.isInteger(n) || n < 0 || n > 63) throw new ModelError(`BIT(${n}): bit number out of 0..63`);
    return n === 63 ? -(2 ** 63) : 2 ** n;
  }),
];

// ---------------------------------------------------------------------------------------------
// Error pointers (include/linux/err.h)

/** The error code an ERR_PTR carries, or a number in [-MAX_ERRNO, -1] (IS_ERR_VALUE); otherwise undefined. */
function errOf(v: Value): number | undefined {
  if (isErrPtr(v)) return v.err;
  if (typeof v === 'number' && v < 0 && v >= -MAX_ERRNO) return v;
  return undefined;
}

const ERR: Primitive[] = [
  prim('err', 'ERR_PTR', 'ERR_PTR(err): an error pointer carrying the negative errno err (ERR_PTR(0) is NULL)', (ctx, args) => {
    arity('ERR_PTR', args, 1);
    const err = int(ctx, 'ERR_PTR', args[0], 'err');
    if (err === 0) return null;
    if (err < 0 && err >= -MAX_ERRNO) return { t: 'errptr', err } satisfies ErrPtr;
    throw new ModelError(`ERR_PTR(${err}): not a negative errno; the model has no pointer for an arbitrary number`);
  }),
  prim('err', 'IS_ERR', 'IS_ERR(ptr): the pointer is an ERR_PTR', (_ctx, args) => {
    arity('IS_ERR', args, 1);
    return b(errOf(args[0]) !== undefined);
  }),
  prim('err', 'IS_ERR_OR_NULL', 'IS_ERR_OR_NULL(ptr): the pointer is NULL or an ERR_PTR', (_ctx, args) => {
    arity('IS_ERR_OR_NULL', args, 1);
    return b(!truthy(args[0]) || errOf(args[0]) !== undefined);
  }),
  prim('err', 'PTR_ERR', 'PTR_ERR(ptr): the negative errno an ERR_PTR carries', (ctx, args) => {
    arity('PTR_ERR', args, 1);
    const err = errOf(args[0]);
    if (err !== undefined) return err;
    if (typeof args[0] === 'number') return args[0];
    if (truthy(args[0])) ctx.note(`PTR_ERR() of a valid pointer (${show(args[0])}): it has no error code; the model gives 0`);
    return 0;
  }),
  prim('err', 'PTR_ERR_OR_ZERO', 'PTR_ERR_OR_ZERO(ptr): the errno of an ERR_PTR, 0 for any other pointer', (_ctx, args) => {
    arity('PTR_ERR_OR_ZERO', args, 1);
    return errOf(args[0]) ?? 0;
  }),
  prim('err', 'ERR_CAST', 'ERR_CAST(ptr): the same (error) pointer under another type', (_ctx, args) => {
    arity('ERR_CAST', args, 1);
    const v = args[0];
    return isErrPtr(v) ? { t: 'errptr', err: v.err } : v;
  }),
];

// ---------------------------------------------------------------------------------------------
// WARN/BUG and the other debug and ordering macros (asm-generic/bug.h, mmdebug.h, lockdep.h, barrier.h)

/**
 * A check that fires when its condition is true. The model evaluates the VM_* variants as if
 * CONFIG_DEBUG_VM were set, and fires a *_ONCE variant each time (it keeps no per-site state).
 * Returns the condition as 0/1, like WARN_ON().
 */
function check(name: string, opts: { hasFormat?: boolean; inverted?: boolean } = {}): Primitive {
  const doc = opts.inverted
    ? `${name}(cond): reports a failed check when cond is false`
    : `${name}(cond${opts.hasFormat ? ', fmt, ...' : ''}): reports a failed check when cond is true; returns cond as 0/1`;
  return prim('debug', name, doc, (ctx, args) => {
    arity(name, args, 1, Infinity);
    const cond = truthy(args[0]);
    const fires = opts.inverted ? !cond : cond;
    if (fires) {
      const fmt = opts.hasFormat && typeof args[1] === 'string' ? `: ${args[1]}` : '';
      ctx.warn(`${name} fired at ${ctx.where}${fmt}`);
    }
    return b(cond);
  });
}

/** BUG() / BUILD_BUG(): reached at all means the check failed. */
function always(name: string, doc: string): Primitive {
  return prim('debug', name, doc, (ctx, args) => {
    arity(name, args, 0);
    ctx.warn(`${name} fired at ${ctx.where}`);
    return 1;
  });
}

function noop(name: string, doc: string): Primitive {
  return prim('debug', name, doc, () => 0);
}

const DEBUG: Primitive[] = [
  check('WARN_ON'),
  check('WARN_ON_ONCE'),
  check('WARN', { hasFormat: true }),
  check('WARN_ONCE', { hasFormat: true }),
  check('VM_WARN_ON'),
  check('VM_WARN_ON_ONCE'),
  check('VM_WARN_ONCE', { hasFormat: true }),
  check('VM_WARN_ON_FOLIO'),
  check('VM_WARN_ON_ONCE_FOLIO'),
  check('VM_WARN_ON_ONCE_PAGE'),
  check('VM_WARN_ON_VMA'),
  check('VM_WARN_ON_ONCE_VMA'),
  check('VM_WARN_ON_ONCE_MM'),
  check('VM_BUG_ON'),
  check('VM_BUG_ON_FOLIO'),
  check('VM_BUG_ON_PAGE'),
  check('VM_BUG_ON_VMA'),
  check('VM_BUG_ON_MM'),
  check('BUG_ON'),
  check('BUILD_BUG_ON'),
  check('lockdep_assert', { inverted: true }),
  always('BUG', 'BUG(): reports a failed check (the kernel would oops here)'),
  always('BUILD_BUG', 'BUILD_BUG(): reports a failed check (the kernel only compiles it in dead code)'),
  noop('lockdep_assert_held', 'lockdep_assert_held(lock): no check in the model; returns 0'),
  noop('mmap_assert_locked', 'mmap_assert_locked(mm): no check in the model; returns 0'),
  noop('mmap_assert_write_locked', 'mmap_assert_write_locked(mm): no check in the model; returns 0'),
  noop('might_sleep', 'might_sleep(): nothing in the model; returns 0'),
  noop('cond_resched', 'cond_resched(): nothing in the model (not a scheduling point here); returns 0'),
  noop('smp_wmb', 'smp_wmb(): the model is sequentially consistent; returns 0'),
  noop('smp_rmb', 'smp_rmb(): the model is sequentially consistent; returns 0'),
  noop('smp_mb', 'smp_mb(): the model is sequentially consistent; returns 0'),
  noop('smp_mb__before_atomic', 'smp_mb__before_atomic(): the model is sequentially consistent; returns 0'),
  noop('smp_mb__after_atomic', 'smp_mb__after_atomic(): the model is sequentially consistent; returns 0'),
  noop('barrier', 'barrier(): compiler barrier, nothing in the model; returns 0'),
];

export const PTE_VALUE_PRIMITIVES: Primitive[] = [...PRESENT_PTE, ...SWAP_PTE, ...SWP_ENTRY, ...MISC, ...ERR, ...DEBUG];
