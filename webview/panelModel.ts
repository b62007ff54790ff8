/**
 * What the simulation panel shows at a step, computed from a trace recorded with views. Pure (no
 * DOM, no vscode): the webview draws it, the tests check it.
 *
 * Positions run from -1 (before the first step) to steps.length - 1 (after the last): at position i
 * the panel shows the state after step i ran, the line step i ran, and what step i changed.
 */
import type { SimulationResult } from '../extension/engine/simulate';
import type { ViewModel } from '../extension/engine/trace/view';
import { type HeapObj, type NotifierEvent, placeName } from '../extension/engine/state/state';
import { type Value, show } from '../extension/engine/state/values';

export type PanelTrace = SimulationResult & { views: NonNullable<SimulationResult['views']> };
export type Step = SimulationResult['steps'][number];

/** One thread's lane at a position: where it is (its latest step at or before the position). */
export interface Lane {
  thread: string;
  title: string;
  /** running, runnable, blocked on ..., done, failed (from the view). */
  status: string;
  /** Its latest step at or before the position; undefined when it has not run yet. */
  step?: number;
  fn?: string;
  file?: string;
  line?: number;
  depth?: number;
  /** The thread that ran the step at this position. */
  active: boolean;
}

/** An MMU-notifier invalidation as the diagram draws it: an arrow from the mm to each device it reached. */
export interface EventArrow {
  id: number;
  event: string;
  range: string;
  owner: string;
  thread: string;
  /** Running at this position, or the last one, already over. */
  phase: 'active' | 'ended';
  startStep: number;
  endStep?: number;
  deliveries: { device: string; filtered: boolean }[];
}

/** How a field relates to what changed: it changed itself (or a structure holding it was replaced), or something inside it did. */
export type ChangeMark = 'self' | 'within' | undefined;

const NOTIFIER_NOTE = /^MMU notifier: .*(starts|ends)$/;

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The owner of an invalidation as the kernel would print it: NULL, or what the pointer points at. */
export function ownerLabel(owner: unknown, objects: SimulationResult['objects'] = {}): string {
  if (owner === null || owner === undefined) return 'NULL';
  if (typeof owner === 'number') return hex(owner);
  if (typeof owner === 'object' && (owner as { t?: unknown }).t === 'ptr') {
    const id = (owner as { obj: number }).obj;
    return `&${objects[id]?.label ?? `#${id}`}`;
  }
  return typeof owner === 'string' ? owner : JSON.stringify(owner);
}

/** The last index in a sorted array whose value is <= x, or -1. */
export function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Whether `path` changed, given the changed paths of a step (dotted, as changedPaths gives them). */
export function changeMark(changed: ReadonlySet<string>, path: string): ChangeMark {
  if (changed.size === 0) return undefined;
  // The field itself, or an ancestor that was replaced whole (a folio that appeared: "addresses.0.folio").
  for (let p = path; ; ) {
    if (changed.has(p)) return 'self';
    const dot = p.lastIndexOf('.');
    if (dot < 0) break;
    p = p.slice(0, dot);
  }
  const prefix = `${path}.`;
  for (const c of changed) if (c.startsWith(prefix)) return 'within';
  return undefined;
}

/**
 * A trace indexed for fast lookups at any position: views by step, each thread's steps, the
 * notifier events' steps. Built once per trace; every query is a binary search.
 */
export class TraceIndex {
  readonly steps: readonly Step[];
  /** The steps the views were recorded after, ascending (the first is -1). */
  private readonly viewSteps: number[];
  private readonly threadSteps = new Map<string, number[]>();
  /** Per event id: the step its note was written in. */
  readonly eventSteps: number[] = [];
  private readonly starts: { ev: NotifierEvent; start: number; end?: number }[] = [];
  /** Steps that changed the model's state or wrote a note. */
  readonly changeSteps: number[] = [];
  private readonly empty: ReadonlySet<string> = new Set();
  private readonly changedSets = new Map<number, ReadonlySet<string>>();

  constructor(readonly trace: PanelTrace) {
    this.steps = trace.steps;
    this.viewSteps = trace.views.map((v) => v.step);
    for (let k = 1; k < this.viewSteps.length; k++) {
      if (this.viewSteps[k] < this.viewSteps[k - 1]) throw new Error(`views are not in step order at ${k}`);
    }
    for (const t of trace.threads) this.threadSteps.set(t.id, []);
    let nextEvent = 0;
    for (const s of this.steps) {
      let list = this.threadSteps.get(s.thread);
      if (!list) this.threadSteps.set(s.thread, (list = []));
      list.push(s.i);
      if (s.changes.length || s.notes.length) this.changeSteps.push(s.i);
      for (const n of s.notes) if (NOTIFIER_NOTE.test(n) && nextEvent < trace.events.length) this.eventSteps[nextEvent++] = s.i;
    }
    // Pair each start with its end: the first later 'end' of the same event on the same thread.
    const open: { ev: NotifierEvent; start: number; end?: number }[] = [];
    trace.events.forEach((ev, k) => {
      const at = this.eventSteps[k] ?? this.steps.length - 1;
      if (ev.phase === 'start') {
        const e = { ev, start: at };
        open.push(e);
        this.starts.push(e);
      } else {
        const j = open.findIndex((o) => o.ev.event === ev.event && o.ev.thread === ev.thread);
        if (j >= 0) open.splice(j, 1)[0].end = at;
      }
    });
  }

  get length(): number {
    return this.steps.length;
  }

  /** Clamps a position into [-1, steps.length - 1]. */
  clamp(i: number): number {
    return Math.max(-1, Math.min(this.steps.length - 1, Math.trunc(Number.isFinite(i) ? i : -1)));
  }

  /** Which recorded view holds at position i: the latest recorded at or before it. */
  viewIndexAt(i: number): number {
    return Math.max(0, lastAtOrBefore(this.viewSteps, i));
  }

  /** The view at position i: the latest recorded view whose step is <= i. */
  viewAt(i: number): ViewModel {
    return this.trace.views[this.viewIndexAt(i)].view;
  }

  /** The fields step i changed (empty when it changed nothing the panel draws). */
  changedAt(i: number): ReadonlySet<string> {
    const k = this.viewIndexAt(i);
    const rec = this.trace.views[k];
    if (rec.step !== i || i < 0) return this.empty;
    let set = this.changedSets.get(k);
    if (!set) this.changedSets.set(k, (set = new Set(rec.changed)));
    return set;
  }

  /** One lane per thread (in the scenario's order): its latest step at or before position i. */
  lanesAt(i: number): Lane[] {
    const view = this.viewAt(i);
    const active = i >= 0 ? this.steps[i]?.thread : undefined;
    return this.trace.threads.map((t): Lane => {
      const list = this.threadSteps.get(t.id) ?? [];
      const k = lastAtOrBefore(list, i);
      const status = view.threads[t.id] ?? (k < 0 ? 'runnable' : t.status);
      if (k < 0) return { thread: t.id, title: t.title, status, active: false };
      const s = this.steps[list[k]];
      return { thread: t.id, title: t.title, status, step: s.i, fn: s.fn, file: s.file, line: s.line, depth: s.depth, active: active === t.id };
    });
  }

  /** The invalidations running at position i (or, when none is, the last one that ran, as ended). */
  eventsAt(i: number): EventArrow[] {
    const arrow = (e: { ev: NotifierEvent; start: number; end?: number }, phase: EventArrow['phase']): EventArrow => ({
      id: e.ev.id, event: e.ev.event, range: `[${hex(e.ev.start)}, ${hex(e.ev.end)})`, owner: ownerLabel(e.ev.owner, this.trace.objects),
      thread: e.ev.thread, phase, startStep: e.start, endStep: e.end, deliveries: e.ev.deliveries,
    });
    const running = this.starts.filter((e) => e.start <= i && (e.end === undefined || e.end >= i));
    if (running.length) return running.map((e) => arrow(e, e.end === i ? 'ended' : 'active'));
    const done = this.starts.filter((e) => e.end !== undefined && e.end < i);
    return done.length ? [arrow(done[done.length - 1], 'ended')] : [];
  }

  /** The step at a position (undefined at -1). */
  stepAt(i: number): Step | undefined {
    return i >= 0 ? this.steps[i] : undefined;
  }

  /** The next / previous step that changed state, from position i (for "skip to the next change"). */
  nextChange(i: number, dir: 1 | -1): number {
    const k = lastAtOrBefore(this.changeSteps, dir === 1 ? i : i - 1);
    if (dir === 1) return this.changeSteps[k + 1] ?? this.steps.length - 1;
    return k >= 0 ? this.changeSteps[k] : -1;
  }
}

/** One row of the step list: number, thread, function, file:line, primitives called. */
export function stepRow(s: Step): { i: number; thread: string; fn: string; where: string; prims: string; changed: boolean } {
  return { i: s.i, thread: s.thread, fn: s.fn, where: `${s.file}:${s.line}`, prims: s.prims.join(', '), changed: s.changes.length > 0 || s.notes.length > 0 };
}

/** The counter: "step 4 / 240" (steps count from 0, as in the trace); position -1 reads as "start". */
export function positionLabel(i: number, total: number): string {
  return `${i < 0 ? 'start' : `step ${i}`} / ${Math.max(0, total - 1)}`;
}

/** Steps per second for each speed choice of the panel. */
export const SPEEDS = [
  { id: '1', label: '1 step/s', perSecond: 1 },
  { id: '4', label: '4 steps/s', perSecond: 4 },
  { id: '10', label: '10 steps/s', perSecond: 10 },
  { id: '30', label: '30 steps/s', perSecond: 30 },
  { id: '100', label: '100 steps/s', perSecond: 100 },
] as const;

/** A value of the model as the step details show it (pointers named after what they point at). */
export function formatValue(v: Value | undefined, objects: SimulationResult['objects'] = {}): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'object' && v !== null) {
    if (v.t === 'ptr') {
      const o = objects[v.obj];
      const fake: HeapObj | undefined = o ? { kind: o.kind as HeapObj['kind'], label: o.label, v: { t: 'rec', type: 'x', fields: { base: o.base } } } : undefined;
      return `&${placeName(fake, v.obj, v.path)}`;
    }
    if (v.t === 'lock') return v.holders.length ? `held by ${v.holders.join(',')}${v.write === false ? ' (read)' : ''}` : 'free';
    if (v.t === 'rec') {
      if (v.type === 'xa_tagged') return `${formatValue(v.fields.ptr, objects)}${v.fields.tag === 1 ? ' (atomic)' : v.fields.tag === 3 ? ' (write)' : ''}`;
      return `{${Object.entries(v.fields).filter(([, x]) => x !== undefined).map(([k, x]) => `${k}=${formatValue(x, objects)}`).join(' ')}}`;
    }
  }
  return show(v);
}
