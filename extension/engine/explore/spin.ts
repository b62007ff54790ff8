/**
 * A retry loop that comes back to the same state except for the MMU-notifier sequence numbers.
 *
 * Each invalidation moves the mm's sequence on by two (odd while it runs), and a driver's interval
 * notifier takes the new value; `mmu_interval_read_begin()` hands it to the driver, which compares
 * it with `mmu_interval_read_retry()`. Those numbers are only compared with each other and for
 * parity, so a state whose sequence numbers all moved on by the same even amount (and the numbers
 * the looping thread keeps, its copy of the sequence) behaves exactly like the state it came from:
 * a thread that gets there with no other thread able to change anything loops for ever. Without
 * this, such a loop runs on until the instruction bound, and its states never repeat.
 */
import type { HeapObj, State, Thread } from '../state/state';

/** Fields that hold an MMU-notifier sequence number (the mm's and each interval notifier's). */
const SEQ_FIELDS = new Set(['invalidate_seq']);

/**
 * Whether two values are equal, a number allowed to differ by `d` where `anywhere` (the looping
 * thread's frames) or in a sequence field (the heap).
 */
function equal(x: unknown, y: unknown, d: number, anywhere: boolean): boolean {
  if (x === y) return true;
  if (typeof x === 'number' && typeof y === 'number') return anywhere && y - x === d;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  for (const k in a) if (!equal(a[k], b[k], d, anywhere || SEQ_FIELDS.has(k)) && !(a[k] === undefined && !(k in b))) return false;
  for (const k in b) if (!(k in a) && b[k] !== undefined) return false;
  return true;
}

function sameObject(a: HeapObj, b: HeapObj, d: number): boolean {
  return a.kind === b.kind && Boolean(a.freed) === Boolean(b.freed) && (a === b || equal(a.v, b.v, d, false));
}

/** Frames of the looping thread: same functions at the same places; its numbers may move too. */
function sameFrames(a: State, b: State, ta: Thread, tb: Thread, d: number, anywhere: boolean): boolean {
  if (ta.frames.length !== tb.frames.length || ta.status !== tb.status || ta.choice !== tb.choice || ta.blockedOn !== tb.blockedOn) return false;
  for (let i = 0; i < ta.frames.length; i++) {
    const fa = ta.frames[i];
    const fb = tb.frames[i];
    if (fa.code !== fb.code || fa.pc !== fb.pc) return false;
    const la = a.heap[fa.locals];
    const lb = b.heap[fb.locals];
    if (!la || !lb) return false;
    if (!equal(la.v, lb.v, d, anywhere) || !equal(fa.stack, fb.stack, d, anywhere)) return false;
  }
  return true;
}

/**
 * Whether `b` is `a` with every MMU-notifier sequence number moved on by one even, positive amount
 * (and numbers in thread `id`'s frames moved by the same amount), and nothing else changed.
 */
export function sameUpToSequence(a: State, b: State, id: string): boolean {
  return compare(a, b, id) === 'shifted';
}

/**
 * `same`: nothing but garbage (frames of calls that returned) differs; `shifted`: as
 * sameUpToSequence; else false.
 */
export function compare(a: State, b: State, id: string): 'same' | 'shifted' | false {
  if (a.threads.length !== b.threads.length) return false;
  // The mm's sequence number says by how much every sequence number must have moved: 0 (then
  // nothing may differ) or an even amount (one or more whole invalidations).
  const d = mmSequence(b) - mmSequence(a);
  if (Number.isNaN(d) || d < 0 || d % 2) return false;
  const frames = new Set<number>();
  for (let i = 0; i < a.threads.length; i++) {
    const ta = a.threads[i];
    const tb = b.threads[i];
    if (ta.id !== tb.id || !equal(ta.result, tb.result, 0, false) || ta.error !== tb.error) return false;
    if (!sameFrames(a, b, ta, tb, d, ta.id === id && d > 0)) return false;
    for (const f of tb.frames) frames.add(f.locals);
    for (const f of ta.frames) frames.add(f.locals);
  }
  // Everything else on the heap (frames of calls that returned are garbage here), by id.
  const ids = new Set([...Object.keys(a.heap), ...Object.keys(b.heap)].map(Number));
  for (const n of ids) {
    const x = a.heap[n];
    const y = b.heap[n];
    if (frames.has(n) || (x?.kind === 'frame' && (!y || y.kind === 'frame')) || (y?.kind === 'frame' && !x)) continue;
    if (!x || !y || !sameObject(x, y, d)) return false;
  }
  if (!equal(a.world, b.world, 0, false)) return false;
  const open = (s: State): unknown[] => {
    const ended = new Set(s.events.filter((e) => e.phase === 'end').map((e) => e.id));
    return s.events.filter((e) => e.phase === 'start' && !ended.has(e.id)).map((e) => [e.event, e.start, e.end, e.owner, e.thread]);
  };
  if (!equal(open(a), open(b), 0, false)) return false;
  return d === 0 ? 'same' : 'shifted';
}

/** The mm's MMU-notifier sequence number (NaN when the model has none). */
function mmSequence(s: State): number {
  const mm = s.heap[s.world.mm]?.v as { fields?: { notifier_subscriptions?: { fields?: { invalidate_seq?: unknown } } } } | undefined;
  const v = mm?.fields?.notifier_subscriptions?.fields?.invalidate_seq;
  return typeof v === 'number' ? v : NaN;
}

/** Whether thread `id` is at the same place (functions, program counters) in both states: a cheap first test. */
export function samePlace(a: State, b: State, id: string): boolean {
  const ta = a.threads.find((t) => t.id === id);
  const tb = b.threads.find((t) => t.id === id);
  if (!ta || !tb || ta.frames.length !== tb.frames.length) return false;
  return ta.frames.every((f, i) => f.code === tb.frames[i].code && f.pc === tb.frames[i].pc);
}
