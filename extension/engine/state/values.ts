/**
 * Values of the interpreted C. Plain JSON data, so a whole machine state can be copied,
 * hashed and replayed.
 */

/** A pointer: an object of the heap and a path of fields / array indices inside it. */
export interface Ptr {
  t: 'ptr';
  obj: number;
  path: (string | number)[];
}

/** A function designator (`.rmap_one = page_make_device_exclusive_one`). */
export interface FnRef {
  t: 'fn';
  name: string;
  /** The file the designator appeared in: a static function is looked up there first. */
  file?: string;
}

/** A struct held by value (a local `struct mmu_notifier_range range;`, a field of one). */
export interface Rec {
  t: 'rec';
  type: string;
  fields: Record<string, Value>;
  /** Initialised with an initializer list: members not named there read as zero. */
  zero?: boolean;
}

/** An array held by value (`int rss[NR_MM_COUNTERS]`, a page table's entries). */
export interface Arr {
  t: 'arr';
  items: Record<number, Value>;
  length: number;
}

/** An error pointer: `ERR_PTR(-EBUSY)`. */
export interface ErrPtr {
  t: 'errptr';
  err: number;
}

/** A page-table entry value (`pte_t`). Non-present kinds carry their swap entry. */
export type Pte =
  | { t: 'pte'; k: 'none' }
  | { t: 'pte'; k: 'present'; pfn: number; write: boolean; dirty: boolean; young: boolean; softDirty: boolean; uffdWp: boolean; special?: boolean }
  | { t: 'pte'; k: 'swp'; entry: Swp; softDirty: boolean; uffdWp: boolean; exclusive?: boolean };

export type SwpKind = 'swap' | 'migration_read' | 'migration_write' | 'device_exclusive' | 'device_exclusive_read' | 'device_exclusive_write' | 'device_private_read' | 'device_private_write' | 'pte_marker';

/** A swap entry (`swp_entry_t`): what a non-present PTE encodes. */
export interface Swp {
  t: 'swp';
  kind: SwpKind;
  /** The pfn for pfn-carrying entries, the slot for swap. */
  offset: number;
}

/** A lock held by value inside a struct (spinlock_t, struct mutex, struct rw_semaphore). */
export interface Lock {
  t: 'lock';
  kind: 'spin' | 'mutex' | 'rwsem';
  name: string;
  /** Thread ids; a spin lock or mutex has at most one, an rwsem's readers may be several. */
  holders: string[];
  /** For an rwsem: whether the holders hold it for writing. */
  write?: boolean;
}

export type Value = number | null | Ptr | FnRef | Rec | Arr | ErrPtr | Pte | Swp | Lock | string | undefined;

export const NULL: null = null;

export function ptr(obj: number, ...path: (string | number)[]): Ptr {
  return { t: 'ptr', obj, path };
}

export function isPtr(v: Value): v is Ptr {
  return typeof v === 'object' && v !== null && v.t === 'ptr';
}

export function isRec(v: Value): v is Rec {
  return typeof v === 'object' && v !== null && v.t === 'rec';
}

export function isArr(v: Value): v is Arr {
  return typeof v === 'object' && v !== null && v.t === 'arr';
}

export function isPte(v: Value): v is Pte {
  return typeof v === 'object' && v !== null && v.t === 'pte';
}

export function isSwp(v: Value): v is Swp {
  return typeof v === 'object' && v !== null && v.t === 'swp';
}

export function isLock(v: Value): v is Lock {
  return typeof v === 'object' && v !== null && v.t === 'lock';
}

export function isErrPtr(v: Value): v is ErrPtr {
  return typeof v === 'object' && v !== null && v.t === 'errptr';
}

export function rec(type: string, fields: Record<string, Value> = {}): Rec {
  return { t: 'rec', type, fields };
}

export function lock(kind: Lock['kind'], name: string): Lock {
  return { t: 'lock', kind, name, holders: [] };
}

export function samePtr(a: Ptr, b: Ptr): boolean {
  return a.obj === b.obj && a.path.length === b.path.length && a.path.every((p, i) => p === b.path[i]);
}

/** Deep copy (struct assignment copies; the heap never shares mutable parts). */
export function clone<T extends Value>(v: T): T {
  return typeof v === 'object' && v !== null ? (structuredClone(v)) : v;
}

/** Short human text of a value, for traces. */
export function show(v: Value): string {
  if (v === undefined) return '?';
  if (v === null) return 'NULL';
  if (typeof v === 'number') return Math.abs(v) >= 4096 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  switch (v.t) {
    case 'ptr':
      return `&#${v.obj}${v.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
    case 'fn':
      return `${v.name}()`;
    case 'rec':
      return `{${v.type}}`;
    case 'arr':
      return `[${v.length}]`;
    case 'errptr':
      return `ERR_PTR(${v.err})`;
    case 'swp':
      return `swp(${v.kind}, ${v.offset})`;
    case 'lock':
      return v.holders.length ? `${v.kind} held by ${v.holders.join(',')}` : `${v.kind} free`;
    case 'pte':
      return showPte(v);
  }
}

export function showPte(p: Pte): string {
  if (p.k === 'none') return 'none';
  const flags = (o: Record<string, boolean | undefined>): string => Object.entries(o).filter(([, b]) => b).map(([k]) => k).join(',');
  if (p.k === 'present') {
    const f = flags({ dirty: p.dirty, young: p.young, 'soft-dirty': p.softDirty, 'uffd-wp': p.uffdWp });
    return `present pfn=${p.pfn} ${p.write ? 'rw' : 'ro'}${f ? ` ${f}` : ''}`;
  }
  const f = flags({ 'soft-dirty': p.softDirty, 'uffd-wp': p.uffdWp });
  return `${p.entry.kind.replace(/_/g, '-')} pfn=${p.entry.offset}${f ? ` ${f}` : ''}`;
}
