/**
 * Footprints for the explorer's partial-order reduction: the places a segment of a thread read and
 * wrote, by heap object and, inside it, by key (`placeKey` in state.ts: a PTE table by entry, the
 * memmap by page and field, other objects by top-level field). Two segments whose footprints do
 * not conflict commute: running them in either order gives the same state.
 */
import { type ObjKind, type Reads, type State, copiedFrom, keyDepth, touchedItems } from '../state/state';
import { type Value, isArr, isRec } from '../state/values';

/** Keys inside one object; null: the whole object. */
export type Keys = Set<string> | null;

export interface Footprint {
  writes: Map<number, Keys>;
  reads: Map<number, Keys>;
}

/** Pseudo-objects: the notifier event log, and the world's own lists (read by every segment). */
export const EVENTS = -1;
export const WORLD = -2;

export function emptyFootprint(): Footprint {
  return { writes: new Map(), reads: new Map() };
}

/** Whether some key of `a` is, contains or lies inside some key of `b` ("ptl" vs "entries.3" do not). */
export function overlap(a: Keys, b: Keys | undefined): boolean {
  if (b === undefined) return false;
  if (a === null || b === null) return true;
  const [x, y] = a.size <= b.size ? [a, b] : [b, a];
  for (const k of x) {
    if (y.has(k)) return true;
    const dot = k.indexOf('.');
    if (dot >= 0) {
      if (y.has(k.slice(0, dot))) return true;
    } else {
      for (const j of y) if (j.startsWith(`${k}.`)) return true;
    }
  }
  return false;
}

/** Whether the two segments may not commute: one writes what the other reads or writes. */
export function conflicts(a: Footprint, b: Footprint): boolean {
  for (const [o, k] of a.writes) if (overlap(k, b.writes.get(o)) || overlap(k, b.reads.get(o))) return true;
  for (const [o, k] of b.writes) if (overlap(k, a.reads.get(o))) return true;
  return false;
}

/** Adds keys `k` of object `o` to a map of places. */
export function addKeys(m: Map<number, Keys>, o: number, k: Keys): void {
  const had = m.get(o);
  if (had === null) return;
  if (k === null) m.set(o, null);
  else if (had) for (const x of k) had.add(x);
  else m.set(o, new Set(k));
}

/** Adds `from` into `into`. */
export function mergeInto(into: Footprint, from: Footprint): Footprint {
  for (const [o, k] of from.writes) addKeys(into.writes, o, k);
  for (const [o, k] of from.reads) addKeys(into.reads, o, k);
  return into;
}

function children(v: Value): Record<string, Value> | undefined {
  if (isRec(v)) return v.fields;
  if (isArr(v)) return v.items;
  return undefined;
}

/** Structural equality of plain values (the model's values are JSON-like; `undefined` counts as absent). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    if (!same(x[k], y[k])) return false;
    n++;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

/** The keys (at the object's depth) whose values differ between two versions of an object. */
export function changedKeys(kind: ObjKind, a: Value, b: Value): Keys {
  const ka = children(a);
  const kb = children(b);
  if (!ka || !kb || (isRec(a) && isRec(b) && a.type !== b.type)) return null;
  const out = new Set<string>();
  const deep = keyDepth(kind) === 2;
  const visit = (k: string): void => {
    const x = ka[k];
    const y = kb[k];
    if (x === y) return;
    const xa = deep ? children(x) : undefined;
    const yb = deep ? children(y) : undefined;
    if (!xa || !yb) {
      if (!same(x, y)) out.add(k);
      return;
    }
    for (const j of keysToCompare(xa, yb)) if (xa[j] !== yb[j] && !same(xa[j], yb[j])) out.add(`${k}.${j}`);
  };
  for (const k of keysToCompare(ka, kb)) visit(k);
  return out;
}

/**
 * The keys where `b` may differ from `a`: for an element table copied from `a` (a PTE table's
 * entries, the memmap), the ones a store replaced (state.ts notes them); else all of both.
 */
function keysToCompare(a: Record<string, unknown>, b: Record<string, unknown>): Iterable<string> {
  const touched = copiedFrom.get(b) === a ? touchedItems.get(b) : undefined;
  if (touched) return touched;
  const keys: string[] = [];
  for (const k in a) keys.push(k);
  for (const k in b) if (!(k in a)) keys.push(k);
  return keys;
}

/**
 * What a run from `parent` to `s` touched: the places it read (`reads`, recorded by the state while
 * it ran), and the places whose value changed (written). Only objects `s` copied from its parent
 * (copy on write) can have changed. Interpreter frames are private to their thread and never
 * conflict. Every segment reads the world's lists and the event log (helpers look at them directly).
 */
export function footprintOf(parent: State, s: State, reads: Reads): Footprint {
  const fp = emptyFootprint();
  for (const idn of s.own ?? []) {
    const o = s.heap[idn];
    if (!o || o.kind === 'frame') continue;
    const was = parent.heap[idn];
    if (!was) {
      fp.writes.set(idn, null);
      continue;
    }
    if (was === o) continue;
    const k = Boolean(was.freed) !== Boolean(o.freed) ? null : changedKeys(o.kind, was.v, o.v);
    if (k === null || k.size) fp.writes.set(idn, k);
  }
  if (!same(s.events, parent.events)) fp.writes.set(EVENTS, null);
  if (!same(s.world, parent.world)) fp.writes.set(WORLD, null);
  for (const [o, k] of reads) if (s.heap[o]?.kind !== 'frame') addKeys(fp.reads, o, k);
  for (const [o, k] of fp.writes) addKeys(fp.reads, o, k);
  fp.reads.set(EVENTS, null);
  fp.reads.set(WORLD, null);
  return fp;
}
