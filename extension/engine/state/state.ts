/**
 * The abstract mm state the interpreted kernel code runs on: one heap of objects (mm, VMAs, page
 * tables, folios, pages, drivers, interpreter frames) addressed by pointers, the threads, and what
 * happened (notifier events). Plain data: canonical JSON gives hashing and exact replay.
 */
import { type Lock, type Ptr, type Rec, type Value, isArr, isRec } from './values';

export type ObjKind = 'mm' | 'vma' | 'pgtable' | 'pmdtable' | 'folio' | 'page' | 'driver' | 'devpt' | 'frame' | 'record' | 'task';

export interface HeapObj {
  kind: ObjKind;
  /** A name for people: "folio#1 (pfn 256)", "frame make_device_exclusive". */
  label: string;
  v: Value;
  freed?: boolean;
}

export type ThreadStatus = 'runnable' | 'blocked' | 'done' | 'failed';

export interface Frame {
  /** Key of the compiled function (see interp/code). */
  code: string;
  fn: string;
  file: string;
  pc: number;
  /** Heap id of the record that holds the locals (so `&local` is an ordinary pointer). */
  locals: number;
  /** Operand stack of the bytecode. */
  stack: Value[];
  /** Loop iterations seen per back-edge, for the loop bound. */
  loops: Record<number, number>;
}

export interface Thread {
  id: string;
  /** "CPU 0: write fault at 0x10000", "dmirror0: atomic request". */
  title: string;
  status: ThreadStatus;
  blockedOn?: string;
  /** Paused right before a call that asks this explored choice (its next run answers it). */
  choice?: string;
  /** Starts only once this thread has finished (a scenario's sequencing). */
  after?: string;
  frames: Frame[];
  result?: Value;
  error?: string;
}

/** An MMU-notifier invalidation as the secondary MMUs saw it. */
export interface NotifierEvent {
  id: number;
  phase: 'start' | 'end';
  event: string;
  start: number;
  end: number;
  owner: Value;
  thread: string;
  /** Interval notifiers called, and whether each acted on it or filtered it out. */
  deliveries: { device: string; filtered: boolean }[];
}

export interface Device {
  name: string;
  /** Heap id of the driver's object (struct dmirror, struct nouveau_svmm, ...). */
  obj: number;
  /** Pointer to its page table (an xarray: page index -> entry). */
  pt: Ptr;
  /** Which driver code runs it: the tree's test_hmm, nouveau, or the model's reference driver. */
  driver: string;
  /** Pointer to its struct mmu_interval_notifier. */
  notifier: Ptr;
  /** The owner token it passes to make_device_exclusive. */
  owner: Value;
  /** Its classic MMU notifier (struct mmu_notifier), for drivers that have one (nouveau). */
  mn?: Ptr;
}

export interface World {
  mms: number[];
  /** Heap id of the current mm (what a CPU thread runs in). */
  mm: number;
  /** Heap id of the memmap (every struct page, indexed by pfn); 0 until the first folio. */
  memmap: number;
  folios: number[];
  devices: Device[];
  /** Registered interval notifiers (pointers to struct mmu_interval_notifier). */
  notifiers: Ptr[];
  /** Addresses the scenario is about, for display and checks. */
  addresses: number[];
  /** File-scope variables in use ("file:name" -> heap id). */
  globals: Record<string, number>;
  /** Classic MMU notifiers (struct mmu_notifier: invalidate_range_start/end ops). */
  mmuNotifiers: Ptr[];
}

export interface State {
  v: 1;
  heap: Record<number, HeapObj>;
  nextId: number;
  world: World;
  threads: Thread[];
  events: NotifierEvent[];
  /** Total steps executed so far. */
  steps: number;
  /**
   * Set on an explorer's copy (`forkState`): the heap objects this state owns. The others are its
   * parent's, shared read-only, and copied here on first access (copy on write).
   */
  own?: Set<number>;
  /** Set by the explorer while a segment runs: the places it reads (its partial-order footprint). */
  reads?: Reads;
  /**
   * Set by the explorer while a thread runs ahead several segments at once: the places written,
   * even back to their old value (a lock taken and released again), which comparing the states
   * before and after cannot see.
   */
  stores?: Reads;
  /** Elements of PTE tables and the memmap this copy owns (the others are shared: see copyObject). */
  ownedElements?: WeakSet<object>;
}

/**
 * Places read, by heap id: the keys read inside the object (see `placeKey`), or null for the
 * whole object (a helper that looked at it through `obj`).
 */
export type Reads = Map<number, Set<string> | null>;

/**
 * How finely accesses to an object are told apart: a PTE table by entry (`entries.<index>`), the
 * memmap by page and field (`<pfn>.<field>`), any other object by its top-level field. Two
 * threads touching different PTEs of one table, or different fields of one folio, do not conflict.
 */
export function keyDepth(kind: ObjKind): number {
  return kind === 'pgtable' || kind === 'page' ? 2 : 1;
}

/** The key of a place inside an object, or null when the place is coarser than the object's keys. */
export function placeKey(kind: ObjKind, path: readonly (string | number)[]): string | null {
  const d = keyDepth(kind);
  if (path.length === 0) return null;
  return d === 1 || path.length === 1 ? String(path[0]) : `${String(path[0])}.${String(path[1])}`;
}

function noteRead(s: State, id: number, key: string | null): void {
  if (s.reads) note(s.reads, id, key);
}

function note(r: Reads, id: number, key: string | null): void {
  const had = r.get(id);
  if (had === null) return;
  if (key === null) r.set(id, null);
  else if (had) had.add(key);
  else r.set(id, new Set([key]));
}

/** Notes a write to a place (`stores`), for the explorer: a store, a lock taken or released. */
export function noteStore(s: State, id: number, path: readonly (string | number)[]): void {
  const o = s.heap[id];
  if (s.stores && o) note(s.stores, id, placeKey(o.kind, path));
}

/** One write to a model object (locals are not state and are not logged). */
export interface Change {
  /** "folio#3.dirty", "pgtable@0x10000000.entries[16]" */
  field: string;
  before: Value;
  after: Value;
}

export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

export function emptyState(): State {
  return { v: 1, heap: {}, nextId: 1, world: { mms: [], mm: 0, memmap: 0, folios: [], devices: [], notifiers: [], addresses: [], globals: {}, mmuNotifiers: [] }, threads: [], events: [], steps: 0 };
}

export function alloc(s: State, kind: ObjKind, label: string, v: Value): number {
  const id = s.nextId++;
  s.heap[id] = { kind, label, v };
  s.own?.add(id);
  return id;
}

/**
 * The object behind a heap id, for reading or writing: in an explorer's copy it is copied from the
 * parent first (callers may change what they get, e.g. a lock's holder), so every access to an
 * object goes through here, never `s.heap[id]` directly when the result may be written.
 */
export function obj(s: State, id: number): HeapObj {
  const o = own(s, id);
  noteRead(s, id, null);
  return o;
}

/** The object, copied into `s` first if it is the parent's (copy on write). */
function own(s: State, id: number): HeapObj {
  let o = s.heap[id];
  if (!o) throw new ModelError(`dangling pointer to object #${id}`);
  if (s.own !== undefined && !s.own.has(id)) {
    o = copyObject(o);
    s.heap[id] = o;
    s.own.add(id);
  }
  return o;
}

/**
 * A copy of a heap object for copy on write. A PTE table and the memmap share their elements (the
 * PTEs, the struct pages) with the original: `store` replaces an element rather than change it in
 * place. Copying 512 PTEs whenever a thread read one was the explorer's main cost on a THP.
 */
function copyObject(o: HeapObj): HeapObj {
  const v = o.v;
  if (o.kind === 'pgtable' && isRec(v) && isArr(v.fields.entries)) {
    const fields: Record<string, Value> = {};
    for (const k in v.fields) {
      const f = v.fields[k];
      fields[k] = k === 'entries' && isArr(f) ? { ...f, items: copyItems(f.items) } : deepCopy(f);
    }
    return { ...o, v: { ...v, fields } };
  }
  if (o.kind === 'page' && isArr(v)) return { ...o, v: { ...v, items: copyItems(v.items) } };
  return deepCopy(o);
}

/**
 * Which element table each shared copy was made from: a copy whose elements are all still the
 * original's (it was only read) can reuse the original's text in the explorer's state keys.
 */
export const copiedFrom = new WeakMap<object, object>();

/** The keys of a shared copy (see copiedFrom) whose element was replaced since it was copied. */
export const touchedItems = new WeakMap<object, Set<string>>();

function copyItems(items: Record<number, Value>): Record<number, Value> {
  const copy = { ...items };
  copiedFrom.set(copy, items);
  touchedItems.set(copy, new Set());
  return copy;
}

function setItem(items: Record<number, Value>, k: string | number, v: Value): void {
  items[Number(k)] = v;
  touchedItems.get(items)?.add(String(Number(k)));
}

/** Before a store inside one element of a PTE table or the memmap: that element, copied if it is still shared (see copyObject). */
function ownElement(s: State, o: HeapObj, path: readonly (string | number)[]): void {
  if (s.own === undefined) return;
  const v = o.v;
  let items: Record<number, Value> | undefined;
  let i = 0;
  if (o.kind === 'pgtable' && path.length > 2 && path[0] === 'entries' && isRec(v) && isArr(v.fields.entries)) {
    items = v.fields.entries.items;
    i = Number(path[1]);
  } else if (o.kind === 'page' && path.length > 1 && isArr(v)) {
    items = v.items;
    i = Number(path[0]);
  }
  const e = items?.[i];
  if (!items || typeof e !== 'object' || e === null) return;
  s.ownedElements ??= new WeakSet();
  if (s.ownedElements.has(e)) return;
  const copy = deepCopy(e);
  setItem(items, i, copy);
  s.ownedElements.add(copy);
}

/** An object's kind and label, which never change: neither copied nor noted as read. */
export function meta(s: State, id: number): { kind: ObjKind; label: string } {
  const o = s.heap[id];
  if (!o) throw new ModelError(`dangling pointer to object #${id}`);
  return o;
}

/**
 * The record of object `id`, for helpers that read a few of its fields. While the explorer notes
 * reads, the fields come through a view that notes each one read (a folio's refcount, not the
 * whole folio); writes through it reach the object.
 */
export function recOf(s: State, id: number): Rec {
  return recAt(s, { t: 'ptr', obj: id, path: [] });
}

/** The record a pointer points at, as `recOf` gives it (each field read is noted as one). */
export function recAt(s: State, p: Ptr): Rec {
  const o = own(s, p.obj);
  // A struct page is handed out to be read or written: this copy's own, not one it shares.
  ownElement(s, o, [...p.path, '']);
  let r = o.v;
  for (const k of p.path) r = step(r, k, o.label);
  if (!isRec(r)) throw new ModelError(`${placeName(o, p.obj, p.path)} is not a struct`);
  if (!s.reads) return r;
  const base = p.path;
  const note = (k: string | null): void => noteRead(s, p.obj, k === null ? placeKey(o.kind, base) : placeKey(o.kind, [...base, k]));
  const fields = new Proxy(r.fields, {
    get(t, k) {
      if (typeof k === 'string') note(k);
      return t[k as string];
    },
    has(t, k) {
      if (typeof k === 'string') note(k);
      return k in t;
    },
    ownKeys(t) {
      note(null);
      return Reflect.ownKeys(t);
    },
  });
  return { ...r, fields };
}

function step(container: Value, key: string | number, where: string): Value {
  if (isRec(container)) {
    const v = container.fields[String(key)];
    return v === undefined && container.zero ? 0 : v;
  }
  if (isArr(container)) return container.items[Number(key)];
  throw new ModelError(`${where}: cannot take .${String(key)} of a ${container === null ? 'NULL' : typeof container === 'object' ? container.t : typeof container}`);
}

/** Reads what a pointer points at. */
export function load(s: State, p: Ptr): Value {
  const o = own(s, p.obj);
  if (s.reads) noteRead(s, p.obj, placeKey(o.kind, p.path));
  if (o.freed) throw new ModelError(`use after free: ${o.label}`);
  let v = o.v;
  for (const k of p.path) v = step(v, k, o.label);
  return v;
}

/** Name of a pointed-at place for people: "folio@pfn256.dirty", "PTE 0x7f0000000000", "page pfn 256._mapcount". */
export function fieldName(s: State, p: Ptr): string {
  return placeName(s.heap[p.obj], p.obj, p.path);
}

export function placeName(o: HeapObj | undefined, id: number, path: (string | number)[]): string {
  const rest = (from: number): string => path.slice(from).map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
  if (o?.kind === 'pgtable' && path[0] === 'ptl') return `PTL of ${o.label}`;
  if (o?.kind === 'pgtable' && path[0] === 'entries' && typeof path[1] === 'number') {
    const base = ((o.v as Rec).fields.base as number) ?? 0;
    return `PTE 0x${(base + path[1] * 4096).toString(16)}${rest(2)}`;
  }
  if (o?.kind === 'page' && typeof path[0] === 'number') return `page pfn ${path[0]}${rest(1)}`;
  if (o?.kind === 'driver' && path[0] === 'pt' && path[1] === 'entries' && path.length === 3) return `${o.label} device PTE 0x${(Number(path[2]) * 4096).toString(16)}`;
  return (o?.label ?? `#${id}`) + rest(0);
}

/** Writes through a pointer; records the change unless the target is an interpreter frame. */
export function store(s: State, p: Ptr, v: Value, log?: Change[]): void {
  const o = own(s, p.obj);
  // A store reads what it replaces (a write is also a read for the footprint).
  if (s.reads) noteRead(s, p.obj, placeKey(o.kind, p.path));
  if (s.stores) note(s.stores, p.obj, placeKey(o.kind, p.path));
  ownElement(s, o, p.path);
  if (o.freed) throw new ModelError(`use after free: ${o.label}`);
  if (p.path.length === 0) {
    if (log && o.kind !== 'frame') log.push({ field: o.label, before: o.v, after: v });
    o.v = v;
    return;
  }
  let c = o.v;
  for (const k of p.path.slice(0, -1)) {
    let next = step(c, k, o.label);
    if (next === undefined) {
      // Writing into a not-yet-initialised struct member creates it (a local `struct x y;`).
      next = { t: 'rec', type: '?', fields: {} };
      if (isRec(c)) c.fields[String(k)] = next;
      else if (isArr(c)) setItem(c.items, k, next);
    }
    c = next;
  }
  const last = p.path[p.path.length - 1];
  const before = step(c, last, o.label);
  if (isRec(c)) c.fields[String(last)] = v;
  else if (isArr(c)) setItem(c.items, last, v);
  else throw new ModelError(`${o.label}: cannot store into a ${c === null ? 'NULL' : typeof c}`);
  if (log && o.kind !== 'frame') log.push({ field: fieldName(s, p), before, after: v });
}

/** The record a pointer points at, checked. */
export function loadRec(s: State, p: Ptr, type?: string): Rec {
  const v = load(s, p);
  if (!isRec(v)) throw new ModelError(`${fieldName(s, p)} is not a struct`);
  if (type && v.type !== type && v.type !== '?') throw new ModelError(`${fieldName(s, p)} is a struct ${v.type}, not ${type}`);
  return v;
}

export function lockAt(s: State, p: Ptr): Lock {
  const v = load(s, p);
  if (typeof v !== 'object' || v === null || v.t !== 'lock') throw new ModelError(`${fieldName(s, p)} is not a lock`);
  return v;
}

export function thread(s: State, id: string): Thread {
  const t = s.threads.find((x) => x.id === id);
  if (!t) throw new ModelError(`no thread ${id}`);
  return t;
}

/** Canonical JSON: keys sorted, so equal states serialise equally (hashing, replay checks). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
    }
    return x;
  });
}

export function cloneState(s: State): State {
  // A whole copy owns everything: no `own` set.
  const copy = deepCopy({ ...s, own: undefined, reads: undefined, stores: undefined, ownedElements: undefined });
  delete copy.own;
  delete copy.reads;
  delete copy.stores;
  delete copy.ownedElements;
  return copy;
}

/** Runs `f`, which only reads `s`, without copying shared objects into it. */
export function reading<T>(s: State, f: () => T): T {
  const owned = s.own;
  const reads = s.reads;
  const stores = s.stores;
  s.own = undefined;
  s.reads = undefined;
  s.stores = undefined;
  try {
    return f();
  } finally {
    s.own = owned;
    s.reads = reads;
    s.stores = stores;
  }
}

/**
 * A copy that shares the heap objects with `s` until they are accessed (`obj` copies them then):
 * the explorer's successor states, which touch a few objects each. `s` must not change afterwards.
 */
export function forkState(s: State): State {
  return {
    v: s.v, heap: { ...s.heap }, nextId: s.nextId, world: deepCopy(s.world), threads: deepCopy(s.threads),
    events: deepCopy(s.events), steps: s.steps, own: new Set(), ownedElements: new WeakSet(),
  };
}

/**
 * A copy of plain data (objects, arrays, primitives; `undefined` kept, which JSON would drop):
 * several times faster than structuredClone on the many small objects of a state, which the
 * explorer copies at every transition.
 */
export function deepCopy<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const a = new Array(v.length) as unknown[];
    for (let i = 0; i < v.length; i++) a[i] = deepCopy(v[i] as unknown);
    return a as T;
  }
  const o: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) o[k] = deepCopy((v as Record<string, unknown>)[k]);
  return o as T;
}

/** Every leaf that differs between two values, as "path: before -> after". */
export function deepDiff(a: unknown, b: unknown, path = ''): { path: string; before: unknown; after: unknown }[] {
  if (a === b) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return [{ path: path || '.', before: a, after: b }];
  const out: { path: string; before: unknown; after: unknown }[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    out.push(...deepDiff(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
  }
  return out;
}
