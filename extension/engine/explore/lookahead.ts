/**
 * Persistent sets for the explorer: at a state where one thread's next segment commutes with
 * everything the other threads could do before it runs (each of them run alone from here, with
 * that thread held back), only that segment is explored. The others' moves are taken later, where
 * the segment about to run touches what they touch. This is what lets a 512-PTE rmap walk run
 * ahead of a CPU fault that only ever looks at its own PTE: without it, every position of the
 * fault is paired with every position of the walk.
 *
 * The others' futures come from running each of them alone on a copy (`lookahead`), segment by
 * segment, until it waits for a lock, finishes or has run `LOOKAHEAD_SEGMENTS`. A thread that
 * stops at an explored choice, crashes, runs longer or ends with a thread waiting for it to
 * finish gives no future, and the state is explored fully.
 *
 * State invariants (checkState) and the dirty pfns (dirtyPfns) look at several places at once: a
 * device's mapping and the CPU PTE at one address, the notifier event log. The held-back moves
 * are only skipped where neither they nor the segment writes a place those checks read at an
 * address the other writes too (`observedAddresses`), so every combination the checks could
 * object to is still met on some explored path.
 */
import { type ObjKind, type Reads, type State } from '../state/state';
import { type Value, isArr, isRec } from '../state/values';
import { entryAddress } from '../world/layout';
import { writesDirtyInputs } from './invariants';
import { EVENTS, WORLD, type Footprint, addKeys, conflicts, emptyFootprint, mergeInto, same } from './footprint';

/** How far another thread is run alone to learn what it may touch. */
export const LOOKAHEAD_SEGMENTS = 48;

/** Objects the state checks read wholesale, not by address. */
const OBSERVED_WHOLE: ReadonlySet<ObjKind> = new Set<ObjKind>(['pmdtable', 'devpt']);

/** Whether a write to these keys of a driver object changes a device's page table (the state checks read it). */
function devicePageTable(s: State, o: number, keys: Set<string> | null): boolean {
  return s.world.devices.some((d) => d.pt.obj === o && (keys === null || d.pt.path.length === 0 || keys.has(String(d.pt.path[0]))));
}

/**
 * The addresses whose state checks a footprint's writes can change: a PTE by the address it maps;
 * the notifier log, the PMDs, device page tables and what else the dirty pfns depend on (a
 * folio's dirty flag) count for every address ('all').
 */
export function observedAddresses(s: State, fp: Footprint): Set<number> | 'all' {
  const out = new Set<number>();
  for (const [o, keys] of fp.writes) {
    if (o === EVENTS || o === WORLD) return 'all';
    const h = s.heap[o];
    if (!h || OBSERVED_WHOLE.has(h.kind) || writesDirtyInputs(h.kind, keys)) return 'all';
    if (h.kind === 'driver' && devicePageTable(s, o, keys)) return 'all';
    if (h.kind !== 'pgtable' || keys === null) continue;
    for (const k of keys) {
      const addr = entryAddress(h.v, k);
      if (addr !== undefined) out.add(addr);
    }
  }
  return out;
}

function meet(a: Set<number> | 'all', b: Set<number> | 'all'): boolean {
  if (a === 'all') return b === 'all' || b.size > 0;
  if (b === 'all') return a.size > 0;
  for (const x of a) if (b.has(x)) return true;
  return false;
}

/** What a thread run alone may touch from a state: the union of its segments' footprints. */
export interface Future {
  fp: Footprint;
  /** The addresses whose state checks its writes can change. */
  observed: Set<number> | 'all';
}

/**
 * Futures already computed, by thread. A thread's run alone depends only on its own frames and on
 * the places it reads (stores are noted as reads too), so a future computed at one state holds at
 * another where the thread has not moved and those places hold the same values: the walk of
 * another thread over other PTEs changes neither, and a 512-PTE walk then asks once, not 512 times.
 */
export class FutureCache {
  private readonly byThread = new Map<string, { start: State; self: string; places: Reads; future: Future | undefined }[]>();
  /** Futures computed, and how many of them let a segment run ahead, by thread. */
  private readonly computed = new Map<string, number>();
  private readonly useful = new Map<string, number>();
  private readonly usedFutures = new WeakSet<Future>();

  constructor(private readonly compute: (s: State, id: string) => { future: Future | undefined; places: Reads }) {}

  get(s: State, id: string): Future | undefined {
    // A thread whose futures seldom let another run ahead (two threads on the same page, each
    // touching what the other reads) is no longer looked ahead of: the lookahead would cost more
    // than it saves. Without a future the state is explored fully, which is always sound.
    const n = this.computed.get(id) ?? 0;
    if (n >= ADAPT_AFTER && (this.useful.get(id) ?? 0) * USEFUL_SHARE < n) return undefined;
    const self = threadText(s, id);
    const list = this.byThread.get(id) ?? [];
    for (const c of list) if (c.self === self && samePlaces(c.start, s, c.places)) return c.future;
    this.computed.set(id, n + 1);
    const { future, places } = this.compute(s, id);
    list.unshift({ start: s, self, places, future });
    if (list.length > 4) list.pop();
    this.byThread.set(id, list);
    return future;
  }

  /** Notes that these futures (thread ids beside them) let a segment run ahead. */
  used(futures: readonly { id: string; future: Future }[]): void {
    for (const { id, future } of futures) {
      if (this.usedFutures.has(future)) continue;
      this.usedFutures.add(future);
      this.useful.set(id, (this.useful.get(id) ?? 0) + 1);
    }
  }
}

/**
 * How often a thread, paused in a function, could run ahead when tried. Trying costs a lookahead
 * and a segment run that may be taken back; where it seldom works (two threads on one PTE) it is
 * no longer tried, while the loop of a long walk, where it nearly always works, still is.
 */
export class AheadStats {
  private readonly byPlace = new Map<string, { tried: number; ran: number }>();

  worth(thread: string, fn: string | undefined): boolean {
    const x = this.byPlace.get(`${thread} ${fn ?? ''}`);
    return !x || x.tried < ADAPT_AFTER || x.ran * USEFUL_SHARE >= x.tried;
  }

  note(thread: string, fn: string | undefined, ran: boolean): void {
    const k = `${thread} ${fn ?? ''}`;
    const x = this.byPlace.get(k) ?? { tried: 0, ran: 0 };
    x.tried++;
    if (ran) x.ran++;
    this.byPlace.set(k, x);
  }
}

/** Futures computed for a thread before its usefulness is judged, and the share (1 in N) that must have been used. */
const ADAPT_AFTER = 16;
const USEFUL_SHARE = 3;

/** A thread's own state (frames, status) and the others' statuses (a thread may wait for another to finish). */
function threadText(s: State, id: string): string {
  return JSON.stringify(s.threads.map((t) => (t.id === id ? t : [t.id, t.status, t.after])));
}

function child(v: Value | undefined, k: string): Value | undefined {
  if (isRec(v)) return v.fields[k];
  if (isArr(v)) return v.items[Number(k)];
  return undefined;
}

/** The value at a place key ("field" or "field.item", see placeKey) of an object's value. */
function valueAt(v: Value, key: string): Value | undefined {
  const dot = key.indexOf('.');
  return dot < 0 ? child(v, key) : child(child(v, key.slice(0, dot)), key.slice(dot + 1));
}

/** Whether `a` and `b` hold the same values at `places` (and the same frames: a thread's locals are heap objects). */
function samePlaces(a: State, b: State, places: Reads): boolean {
  if (a.events.length !== b.events.length || !same(a.events, b.events) || !same(a.world, b.world)) return false;
  for (const [o, keys] of places) {
    const x = a.heap[o];
    const y = b.heap[o];
    if (x === y) continue;
    if (!x || !y || Boolean(x.freed) !== Boolean(y.freed)) return false;
    if (keys === null) {
      if (!same(x.v, y.v)) return false;
      continue;
    }
    for (const k of keys) {
      const vx = valueAt(x.v, k);
      const vy = valueAt(y.v, k);
      if (vx !== vy && !same(vx, vy)) return false;
    }
  }
  return true;
}

/** Runs one segment of a thread on a state: what `lookahead` needs from the explorer. */
export type SegmentRunner = (s: State, id: string) => { s: State; fp: Footprint; reads: Reads; stop: 'waits' | 'done' | 'sched' | 'unknown' };

/**
 * Thread `id`'s future from `s` with every other thread held back, or undefined when it cannot be
 * bounded (see the module comment).
 */
export function lookahead(s: State, id: string, runSegment: SegmentRunner): { future: Future | undefined; places: Reads } {
  const places: Reads = new Map();
  // The thread's frames (heap objects) are part of what its run depends on.
  for (const f of s.threads.find((t) => t.id === id)?.frames ?? []) places.set(f.locals, null);
  const fp = emptyFootprint();
  let cur = s;
  for (let i = 0; i < LOOKAHEAD_SEGMENTS; i++) {
    const r = runSegment(cur, id);
    // Objects it creates are its own until it publishes them (a write to an object that exists).
    for (const m of [r.fp.reads, r.fp.writes]) for (const o of m.keys()) if (o >= s.nextId) m.delete(o);
    mergeInto(fp, r.fp);
    for (const [o, k] of r.reads) if (o < s.nextId) addKeys(places, o, k);
    cur = r.s;
    if (r.stop === 'unknown') break;
    // Another thread starts once this one has finished: its moves would come after.
    if (r.stop === 'done' && s.threads.some((t) => t.after === id)) break;
    if (r.stop === 'done' || r.stop === 'waits') return { future: { fp, observed: observedAddresses(cur, fp) }, places };
  }
  return { future: undefined, places };
}

/**
 * Whether a segment with footprint `seg` (written into state `after`) may run alone ahead of the
 * others' futures: it commutes with each of them, they commute with each other (so their
 * interleavings add nothing), and no state check reads an address both it and one of them write.
 */
export function runsAhead(after: State, seg: Footprint, others: Future[]): boolean {
  const mine = observedAddresses(after, seg);
  for (let i = 0; i < others.length; i++) {
    const f = others[i];
    if (conflicts(seg, f.fp) || meet(mine, f.observed)) return false;
    for (let j = i + 1; j < others.length; j++) if (conflicts(f.fp, others[j].fp) || meet(f.observed, others[j].observed)) return false;
  }
  return true;
}
