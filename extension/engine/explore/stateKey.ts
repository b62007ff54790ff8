/**
 * A state's identity for the explorer: two states that differ only in the numbering of heap
 * objects (frames and folios allocated in another order) or in garbage (the frames of functions
 * that returned) are the same state. Objects are renumbered in the order a walk from the roots
 * (the world, then each thread's frames) first meets them; only reachable objects count.
 * What only grows is left out: the step counter, the notifier event history (only invalidations
 * still in progress matter), the next free id.
 */
import { createHash } from 'crypto';
import { type HeapObj, type State, copiedFrom, touchedItems } from '../state/state';

type Json = unknown;

export function stateKey(s: State, extra: Json = null, cache?: WeakMap<HeapObj, ObjectText>): string {
  const ids = new Map<number, number>();
  const order: number[] = [];
  const id = (n: number): number => {
    let c = ids.get(n);
    if (c === undefined) {
      c = ids.size + 1;
      ids.set(n, c);
      order.push(n);
    }
    return c;
  };
  // Values with their pointers renumbered; objects met are queued.
  const val = (v: Json): Json => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(val);
    const o = v as Record<string, Json>;
    if (o.t === 'ptr' && typeof o.obj === 'number') return { t: 'ptr', obj: id(o.obj), path: o.path };
    const out: Record<string, Json> = {};
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = val(o[k]);
    return out;
  };
  const w = s.world;
  const world = {
    mms: w.mms.map(id), mm: id(w.mm), memmap: w.memmap ? id(w.memmap) : 0, folios: w.folios.map(id),
    devices: w.devices.map((d) => ({ name: d.name, obj: id(d.obj), pt: val(d.pt), notifier: val(d.notifier), owner: val(d.owner), mn: val(d.mn), driver: d.driver })),
    notifiers: val(w.notifiers), mmuNotifiers: val(w.mmuNotifiers), addresses: w.addresses,
    globals: Object.keys(w.globals).sort().map((k) => [k, id(w.globals[k])]),
  };
  const threads = s.threads.map((t) => ({
    id: t.id, status: t.status, blockedOn: t.blockedOn ?? null, choice: t.choice ?? null, after: t.after ?? null, result: val(t.result ?? null), error: t.error ?? null,
    // Loop counters are left out: a loop iteration that changes nothing else is the same state
    // (the explorer reports that cycle instead of counting to the bound).
    frames: t.frames.map((f) => ({ code: f.code, pc: f.pc, locals: id(f.locals), stack: val(f.stack) })),
  }));
  const ended = new Set(s.events.filter((e) => e.phase === 'end').map((e) => e.id));
  const open = s.events.filter((e) => e.phase === 'start' && !ended.has(e.id)).map((e) => ({ event: e.event, start: e.start, end: e.end, owner: val(e.owner), thread: e.thread }));
  // The heap in the order its objects were met. Each object's text has its pointers' ids taken
  // out (renumbered below), so it can be cached per object: the explorer's states share the
  // objects a transition did not touch (copy on write), and their texts with them.
  const parts: string[] = [JSON.stringify([world, threads, open, extra])];
  for (let i = 0; i < order.length; i++) {
    const o = s.heap[order[i]];
    if (!o) {
      parts.push('null');
      continue;
    }
    const t = objectText(o, cache);
    let line = t.text;
    for (const p of t.ptrs) line += `,${id(p)}`;
    parts.push(line);
  }
  const text = parts.join('\n');
  return createHash('sha1').update(text).digest('base64');
}

/** An object's JSON with pointers as `["@", path]`, its digest, and the pointed-at ids in order. */
export interface ObjectText {
  text: string;
  ptrs: number[];
}

/**
 * JSON.stringify walks the value natively (the replacer only takes pointers out): the hottest loop
 * of the explorer. Keys keep their insertion order, which copies preserve; a state whose keys were
 * added in another order may hash apart from its twin (explored twice: sound, only slower).
 * A cache may only be given for objects that no longer change.
 */
export function objectText(o: HeapObj, cache?: WeakMap<HeapObj, ObjectText>): ObjectText {
  const hit = cache?.get(o);
  if (hit) return hit;
  const ptrs: number[] = [];
  // With a cache (objects that no longer change), the elements of big tables are cached too.
  const json = cache && (o.kind === 'pgtable' || o.kind === 'page') ? elementsJson(o.v, ptrs) : jsonOf(o.v, ptrs);
  const full = `${o.kind}${o.freed ? '!' : ''}${json}`;
  // Long texts are kept as their digest: the key is built from many of them per state.
  const t = { text: full.length > 64 ? createHash('sha1').update(full).digest('base64') : full, ptrs };
  cache?.set(o, t);
  return t;
}

/** JSON with pointers as `["@", path]`; the pointed-at ids are appended to `ptrs` in order. */
function jsonOf(v: unknown, ptrs: number[]): string {
  return JSON.stringify(v, (_k: string, x: unknown): unknown => {
    if (x !== null && typeof x === 'object' && (x as { t?: unknown }).t === 'ptr') {
      const p = x as { obj: number; path: unknown };
      ptrs.push(p.obj);
      return ['@', p.path];
    }
    return x;
  }) ?? 'undefined';
}

/** An element's text as a 64-bit digest (two words) of `<index>:<json>`, and its pointers. */
interface ElementDigest {
  k: string;
  a: number;
  b: number;
  ptrs: number[];
}

/** Digests of the elements of PTE tables and the memmap, which their copies share (state.ts copyObject). */
const elementDigests = new WeakMap<object, ElementDigest>();
/** An element table's text, with the combined digest it was made from. */
interface ItemsText extends ObjectText {
  a: number;
  b: number;
  n: number;
}

/** Digests of whole element tables: a copy that was only read reuses its original's. */
const itemsTexts = new WeakMap<object, ItemsText>();

function elementDigest(k: string, e: unknown): ElementDigest {
  const cacheable = typeof e === 'object' && e !== null;
  const hit = cacheable ? elementDigests.get(e) : undefined;
  if (hit && hit.k === k) return hit;
  const ptrs: number[] = [];
  const h = createHash('sha1').update(`${k}:${jsonOf(e, ptrs)}`).digest();
  const d = { k, a: h.readUInt32LE(0), b: h.readUInt32LE(4), ptrs };
  if (cacheable) elementDigests.set(e, d);
  return d;
}

function sameNumbers(x: readonly number[], y: readonly number[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function itemsTextOf(a: number, b: number, n: number, ptrs: number[]): ItemsText {
  return { text: `${n}.${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`, ptrs, a, b, n };
}

/**
 * The digest of a copy from the digest of the table it was copied from: the elements it changed
 * are taken out of the combination and their new values put in. Undefined when a change moved
 * pointers (their order is part of the text): then every element is combined again.
 */
function itemsTextFrom(items: Record<string, unknown>, from: Record<string, unknown>, base: ItemsText): ItemsText | undefined {
  let { a, b, n } = base;
  let changed = false;
  // The keys a store replaced (state.ts notes them), else every key.
  const keys = touchedItems.get(items) ?? new Set([...Object.keys(items), ...Object.keys(from)]);
  for (const k of keys) {
    const e = items[k];
    const f = from[k];
    if (e === f) continue;
    changed = true;
    const old = f === undefined ? undefined : elementDigest(k, f);
    const now = e === undefined ? undefined : elementDigest(k, e);
    if (!sameNumbers(old?.ptrs ?? [], now?.ptrs ?? [])) return undefined;
    if (old) {
      a ^= old.a;
      b ^= old.b;
      n--;
    }
    if (now) {
      a ^= now.a;
      b ^= now.b;
      n++;
    }
  }
  return changed ? itemsTextOf(a, b, n, base.ptrs) : base;
}

/**
 * The digest of an element table (and the pointers in it, in order): the elements' digests
 * combined (xor, with their count), each computed once per element. A copy that changed one PTE
 * hashes that PTE, not all 512, and combines it into its original's digest.
 */
function itemsText(items: Record<string, unknown>): ObjectText {
  const hit = itemsTexts.get(items);
  if (hit) return hit;
  const from = copiedFrom.get(items) as Record<string, unknown> | undefined;
  const base = from && itemsTexts.get(from);
  const derived = from && base ? itemsTextFrom(items, from, base) : undefined;
  if (derived) {
    itemsTexts.set(items, derived);
    return derived;
  }
  let a = 0;
  let b = 0;
  let n = 0;
  const ptrs: number[] = [];
  for (const k in items) {
    const e = items[k];
    if (e === undefined) continue;
    const d = elementDigest(k, e);
    a ^= d.a;
    b ^= d.b;
    n++;
    for (const p of d.ptrs) ptrs.push(p);
  }
  const t = itemsTextOf(a, b, n, ptrs);
  itemsTexts.set(items, t);
  return t;
}

/**
 * The text of a PTE table or the memmap: its other fields as JSON, and the digest of its elements
 * (cached per element table; a copy that changed one PTE re-serialises that PTE, not all 512).
 */
function elementsJson(v: unknown, ptrs: number[]): string {
  const arr = (x: unknown): x is { t: 'arr'; items: Record<string, unknown> } => x !== null && typeof x === 'object' && (x as { t?: unknown }).t === 'arr';
  const rec = v as { t?: unknown; fields?: Record<string, unknown> };
  const entries = arr(v) ? v : rec.t === 'rec' && rec.fields && arr(rec.fields.entries) ? rec.fields.entries : undefined;
  if (!entries) return jsonOf(v, ptrs);
  const head = entries === v ? { ...entries, items: null } : { ...rec, fields: { ...rec.fields, entries: { ...entries, items: null } } };
  const text = jsonOf(head, ptrs);
  const items = itemsText(entries.items);
  for (const p of items.ptrs) ptrs.push(p);
  return `${text}#${items.text}`;
}

/**
 * Drops the frames of functions that returned (nothing reaches their locals any more): they would
 * otherwise be copied with every state the explorer keeps. Other objects stay (a freed folio is
 * still the world's). With a cache (objects that no longer change), pointers come from the objects' texts.
 */
export function dropDeadFrames(s: State, cache?: WeakMap<HeapObj, ObjectText>): void {
  const seen = new Set<number>();
  const stack: number[] = [];
  const mark = (n: number): void => {
    if (!seen.has(n)) {
      seen.add(n);
      stack.push(n);
    }
  };
  const scan = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) scan(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (o.t === 'ptr' && typeof o.obj === 'number') {
      mark(o.obj);
      return;
    }
    for (const k in o) scan(o[k]);
  };
  const w = s.world;
  for (const n of [...w.mms, w.mm, w.memmap, ...w.folios, ...Object.values(w.globals)]) if (n) mark(n);
  for (const d of w.devices) {
    mark(d.obj);
    scan([d.pt, d.notifier, d.owner, d.mn]);
  }
  scan([w.notifiers, w.mmuNotifiers]);
  for (const t of s.threads) {
    scan(t.result);
    for (const f of t.frames) {
      mark(f.locals);
      scan(f.stack);
    }
  }
  for (const e of s.events) scan(e.owner);
  while (stack.length) {
    const o = s.heap[stack.pop()!];
    if (!o) continue;
    if (cache) for (const p of objectText(o, cache).ptrs) mark(p);
    else scan(o.v);
  }
  for (const k of Object.keys(s.heap)) {
    const n = Number(k);
    if (!seen.has(n) && s.heap[n].kind === 'frame') delete s.heap[n];
  }
}
