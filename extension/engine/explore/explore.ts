/**
 * Explores the interleavings of a scenario's threads at their scheduling points (the primitives
 * marked `sched`: locks, notifier calls, page-table updates), breadth first in transitions, so the
 * first counterexample found for an invariant is a shortest one in transitions (a later one with
 * fewer scheduling decisions replaces it). States are hashed (canonical JSON of the heap and
 * threads, without counters that only grow) so equal states reached by different orders are
 * explored once; a sleep set skips a thread whose next segment commutes with the one just run
 * (neither wrote a place the other read or wrote: footprint.ts, per PTE and per field); a thread
 * whose next segments commute with everything the others could do runs ahead alone, within one
 * transition (persistent sets: lookahead.ts). Bounds: states, depth (transitions along a path),
 * preemptions, time. A bound hit says so (`complete: false`).
 *
 * Every counterexample is a schedule `simulate(..., { schedule })` replays step by step, told with
 * as few switches between threads as the interleaving allows (normalize.ts).
 */
import { type Code } from '../interp/code';
import { Machine, type RunResult, type TraceStep, type Unmodelled, type Warning } from '../interp/machine';
import { kernelPrimitives } from '../primitives/index';
import { CHOICES, type ChoiceLabel, isChoiceLabel, parseScheduleEntry, scheduleEntry } from '../primitives/choices';
import { scenarioById, SCENARIOS } from '../scenarios/catalog';
import { type EngineTree, type SimulateOptions, SimulationError, prepare } from '../simulate';
import { type HeapObj, type ObjKind, type Reads, type State, fieldName, forkState, load, reading } from '../state/state';
import { isPtr } from '../state/values';
import { type ObjectText, dropDeadFrames, stateKey } from './stateKey';
import { type Footprint, addKeys, conflicts, emptyFootprint, footprintOf, mergeInto } from './footprint';
import { compare, samePlace, sameUpToSequence } from './spin';
import { AheadStats, type Future, FutureCache, type SegmentRunner, lookahead, runsAhead } from './lookahead';
import { NORMALIZE_MAX, fewerSwitches, switches } from './normalize';
import { type Decisions, NO_DECISIONS, PathMap, decisionList, extend, pop, push, rangesText, withPfns } from './pathData';
import type { Value } from '../state/values';
import { type MappingOrigin, knownFindingOf } from './knownFindings';
import { type Found, type LoopOrigin, checkEnd, checkState, checkStep, classifyFailure, dirtyAfter, dirtyPfns } from './invariants';

export interface ExploreOptions extends Pick<SimulateOptions, 'driver' | 'choices' | 'limits'> {
  /** Distinct states at most (default 20000). */
  maxStates?: number;
  /** Transitions along one path at most (default 400): a transition is one thread's segment and those it runs on while no other thread could come between. */
  maxDepth?: number;
  /** Switches away from a thread that could have gone on, per path (default: unbounded). */
  maxPreemptions?: number;
  /** Wall-clock limit in seconds (default 60). */
  maxSeconds?: number;
  /** Keep exploring after the first violation of each invariant (default true). */
  all?: boolean;
  /** The partial-order reduction (sleep sets over footprints); on by default. */
  por?: boolean;
  /** Let a thread run ahead of the others' futures (persistent sets: lookahead.ts); on with `por`, by default. */
  ahead?: boolean;
  /** Distinct states found before threads start running ahead (default AHEAD_AFTER_STATES). */
  aheadAfter?: number;
  /** Segments a thread must run ahead for the others to be held back (default MIN_RUN_AHEAD). */
  aheadMin?: number;
  /** Report the trees' known findings (knownFindings.ts) apart from violations (default true). */
  known?: boolean;
  onProgress?: (p: { states: number; transitions: number; depth: number; queued: number }) => void;
  /** Each end state (every thread stopped) as it is reached: tests compare the reductions' end states with a full search's. */
  onEnd?: (s: State) => void;
  isCancelled?: () => boolean;
}

export interface Violation {
  invariant: string;
  message: string;
  /** Thread and source line where it was seen (step checks and failures). */
  thread?: string;
  file?: string;
  line?: number;
  /** The scheduling decisions that reach it: replay with `simulate(..., { schedule })`. */
  schedule: string[];
  /** Scheduling decisions (the length of the counterexample). */
  steps: number;
  /** The device mapping a state check is about. */
  mapping?: { device: string; addr: number };
  /** Set when it is one of the known findings (its id). */
  known?: string;
}

/** A violation that is one of the known findings in the trees' own code (knownFindings.ts). */
export interface KnownViolation extends Violation {
  known: string;
  title: string;
  why: string;
}

export type Bound = 'states' | 'depth' | 'preemptions' | 'time' | 'cancelled';

export interface ExploreResult {
  scenario: string;
  tree: string;
  states: number;
  transitions: number;
  /** Transitions not taken because the sleep set showed them redundant. */
  pruned: number;
  /** Transitions not taken because another thread's segment could run ahead of them (lookahead.ts). */
  heldBack: number;
  /** Segments run ahead of the other threads inside a transition (lookahead.ts). */
  ranAhead: number;
  seconds: number;
  /** Every interleaving within the bounds was explored and no bound was hit. */
  complete: boolean;
  /** The bounds that cut the search, with how far it got. */
  bounds: { bound: Bound; limit: number }[];
  maxDepth: number;
  /** End states seen (every thread stopped). */
  endStates: number;
  violations: Violation[];
  /** Violations the scenario is built to show (a driver written wrong on purpose), found as expected. */
  expected: Violation[];
  /** Invariants the scenario expects to break that the search did not see break. */
  missingExpected: string[];
  /** Known findings in the tree's own code, seen (not counted as violations; see knownFindings.ts). */
  known: KnownViolation[];
  /** Calls not modelled on some path: exploration cannot vouch for those paths. */
  unmodelled: Unmodelled[];
}

interface StepResult {
  node: Node;
  /** What the transition touched. */
  fp: Footprint;
  spun: boolean;
}

interface Node {
  s: State;
  decisions: Decisions;
  stuck: string[];
  current?: string;
  preemptions: number;
  warnings: Warning[];
  unmodelled: Unmodelled[];
  /** Pfns seen dirty so far on this path (sorted; shared with the parent while unchanged). */
  dirty: readonly number[];
  /** PTE value each thread last read or wrote ("thread|PTE 0x..."). */
  seen: PathMap<Value>;
  /** Threads whose next segment is known to commute with what ran since (sleep set). */
  sleep: Map<string, Footprint>;
  /** Where each device mapping on this path was installed ("<device> device PTE 0x..."). */
  origins: Map<string, MappingOrigin>;
}

const keys = new WeakMap<Node, string>();
/** Texts of heap objects of finished states (which never change again: successors copy on write). */
let texts = new WeakMap<HeapObj, ObjectText>();

function keyOf(n: Node): string {
  return stateKey(n.s, { stuck: n.stuck, dirty: rangesText(n.dirty), warnings: n.warnings.length }, texts);
}

/** The key of a node already queued (computed once). */
function nodeKey(n: Node): string {
  let k = keys.get(n);
  if (k === undefined) {
    k = keyOf(n);
    keys.set(n, k);
  }
  return k;
}

let prims: ReturnType<typeof kernelPrimitives> | undefined;

/**
 * A path that runs this many instructions without finishing is a livelock, not a long run: the
 * longest scenario (the rmap walk over a 512-page THP) takes about 100 000. Replays use the same.
 */
export const EXPLORE_LIMITS = { maxSteps: 400_000 } as const;

/** Segments a thread runs ahead of the others within one transition (a 512-PTE walk takes about 3 000). */
const MAX_AHEAD_SEGMENTS = 1024;
/** Segments run ahead on one copy of the state at most. */
const AHEAD_BATCH = 64;
/** States a search finds before its threads start running ahead (see `aheadNow` in explore). */
export const AHEAD_AFTER_STATES = 256;
/** Segments a thread must run ahead for the others to be held back. */
export const MIN_RUN_AHEAD = 8;
/** Tries at running ahead before the search judges whether it pays. */
const AHEAD_JUDGE = 64;

/** Objects whose writes can change which pfns are dirty (dirtyPfns reads them). */
const DIRTY_KINDS: ReadonlySet<ObjKind> = new Set<ObjKind>(['mm', 'pmdtable', 'pgtable', 'folio', 'page']);

/**
 * Whether a segment wrote a page table, folio or struct page (its footprint says so): dirty data
 * lives there, and a segment that wrote none left the dirty pfns as they were.
 */
function touchesDirtyKinds(f: Footprint, at: State): boolean {
  return [...f.writes.keys()].some((o) => o < 0 || DIRTY_KINDS.has(at.heap[o]?.kind ?? 'frame'));
}

/** Helpers that return the PTE they are given (what the code then compares or rebuilds). */
const PTE_READERS = new Set(['ptep_get', 'ptep_get_lockless', 'ptep_clear_flush', 'ptep_get_and_clear', 'ptep_get_and_clear_full',
  'ptep_modify_prot_start', 'modify_prot_start_ptes', 'get_and_clear_full_ptes', 'ptep_test_and_clear_young']);

/** Findings a reordering of commuting segments keeps (see `readable` in explore). */
const REORDERABLE = new Set(['secondary-mmu-coherence', 'no-stale-device-mapping', 'no-crash', 'no-use-after-free', 'folio-locked-on-restore',
  'no-write-without-vm-write', 'pte-not-clobbered', 'refcount-balanced', 'fork-entries', 'no-deadlock']);

/** Explores every interleaving of `scenarioId` on `tree` within the bounds. */
export function explore(tree: EngineTree, scenarioId: string, options: ExploreOptions = {}): ExploreResult {
  const sc = scenarioById(scenarioId);
  if (!sc) throw new SimulationError(`unknown scenario '${scenarioId}'; the scenarios are: ${SCENARIOS.map((x) => x.id).join(', ')}`);
  const t0 = performance.now();
  prims ??= kernelPrimitives();
  const table = prims;
  const maxStates = options.maxStates ?? 20000;
  const maxDepth = options.maxDepth ?? 400;
  const maxPreemptions = options.maxPreemptions ?? Infinity;
  const maxMs = (options.maxSeconds ?? 60) * 1000;
  const choices = options.choices ?? {};
  const codeCache = new Map<string, Code>();
  const prep = prepare(tree, sc, { driver: options.driver, limits: { ...EXPLORE_LIMITS, ...options.limits } }, (s, code, limits) => new Machine(s, code, table, limits, choices, {}, codeCache));
  const { code, limits, initialRefs } = prep;
  const forked = sc.threads.some((t) => t.kind === 'fork');
  const por = options.por !== false;
  // Persistent sets assume every interleaving is allowed: not with a preemption bound.
  const ahead = por && options.ahead !== false && maxPreemptions === Infinity;
  const aheadAfter = options.aheadAfter ?? AHEAD_AFTER_STATES;
  const aheadMin = options.aheadMin ?? MIN_RUN_AHEAD;
  // Running ahead costs a lookahead of the other threads at each state: a small search is over
  // before it pays, a long walk is where it does.
  // And where it keeps failing (two threads on one page), each try costs a lookahead and a segment
  // run for nothing, and the sleep sets prune less around the few states it reduces: after
  // AHEAD_JUDGE tries, it goes on only while it ran or held back at least one transition or
  // segment per try.
  let aheadTries = 0;
  const aheadNow = (): boolean => ahead && result.states > aheadAfter && (aheadTries < AHEAD_JUDGE || result.ranAhead + result.heldBack >= aheadTries);
  texts = new WeakMap();
  const waiting = new WeakMap<State, Map<string, boolean>>();
  const futureCache = new FutureCache((s, id) => lookahead(s, id, runSegment));
  const aheadStats = new AheadStats();

  const result: ExploreResult = {
    scenario: sc.id, tree: tree.root.split('/').pop() ?? tree.root, states: 0, transitions: 0, pruned: 0, heldBack: 0, ranAhead: 0, seconds: 0,
    complete: true, bounds: [], maxDepth: 0, endStates: 0, violations: [], expected: [], missingExpected: [], known: [], unmodelled: [],
  };
  const fired = new Map<string, Violation>();
  const report = (f: Found, n: { decisions: Decisions; origins: Map<string, MappingOrigin> }): void => {
    const origin = f.mapping && n.origins.get(`${f.mapping.device} device PTE 0x${f.mapping.addr.toString(16)}`);
    const k = options.known !== false ? knownFindingOf(f.invariant, origin, f.loop) : undefined;
    const key = k ? `known:${k.id}` : f.invariant;
    const had = fired.get(key);
    // Seen already: a later counterexample replaces it only if it is shorter, or as long with
    // fewer switches between threads (running ahead can reach an interleaved one first).
    if (had && n.decisions.length > had.steps) return;
    const schedule = decisionList(n.decisions);
    if (had && n.decisions.length === had.steps && switches(schedule) >= switches(had.schedule)) return;
    const v: Violation = { ...f, schedule, steps: n.decisions.length };
    const list: Violation[] = k ? result.known : result.violations;
    const entry = k ? { ...v, known: k.id, title: k.title, why: k.why } : v;
    if (had) list[list.indexOf(had)] = entry;
    else list.push(entry);
    fired.set(key, entry);
  };
  const bound = (b: Bound, limit: number): void => {
    result.complete = false;
    if (!result.bounds.some((x) => x.bound === b)) result.bounds.push({ bound: b, limit });
  };

  const root: Node = {
    s: prep.s, decisions: NO_DECISIONS, stuck: [], preemptions: 0, warnings: [], unmodelled: [],
    dirty: dirtyPfns(prep.s), seen: new PathMap(), sleep: new Map(), origins: new Map(),
  };
  const visited = new Map<string, { preemptions: number; sleep: Set<string> }>();
  visited.set(keyOf(root), { preemptions: 0, sleep: new Set() });
  let queue: Node[] = [root];
  let depth = 0;
  result.states = 1;

  const stop = (): boolean => (options.all === false && result.violations.length > 0);

  while (queue.length && !stop()) {
    const next: Node[] = [];
    for (const node of queue) {
      if (stop()) break;
      if (options.isCancelled?.()) {
        bound('cancelled', 0);
        queue = [];
        break;
      }
      if (performance.now() - t0 > maxMs) {
        bound('time', maxMs / 1000);
        queue = [];
        break;
      }
      const s = node.s;
      const live = s.threads.filter((t) => t.status !== 'done' && t.status !== 'failed').map((t) => t.id);
      // A thread waiting for a lock another holds cannot run here: trying it changes nothing.
      const stuck = new Set(live.filter((id) => waits(s, id)));
      if (!live.length || live.every((id) => stuck.has(id))) {
        finish({ ...node, stuck: [...stuck] });
        continue;
      }
      if (depth >= maxDepth) {
        if (process.env.KPSIM_EXPLORE_DEBUG && !result.bounds.length) process.stderr.write(`depth bound at ${decisionList(node.decisions).join(',')}\n`);
        bound('depth', maxDepth);
        continue;
      }
      const runnable = live.filter((id) => !stuck.has(id));
      const ran: { id: string; fp: Footprint }[] = [];
      // Segments already run while looking for one that can run ahead alone.
      const tried = new Map<string, StepResult>();
      const alone = aheadNow() && live.length > 1 ? runAhead(node, live, runnable, tried) : undefined;
      // Each runnable thread's transitions: one, or one per answer of the choice it paused at.
      const moves = runnable.flatMap((id): { id: string; answer?: { label: ChoiceLabel; index: number } }[] => {
        const label = s.threads.find((x) => x.id === id)?.choice;
        return label && isChoiceLabel(label) ? CHOICES[label].map((_, index) => ({ id, answer: { label, index } })) : [{ id }];
      });
      for (const { id, answer } of moves) {
        if (alone !== undefined && id !== alone) {
          result.heldBack++;
          continue;
        }
        const slept = node.sleep.get(id);
        if (slept) {
          result.pruned++;
          continue;
        }
        const preempt = node.current !== undefined && node.current !== id && runnable.includes(node.current);
        const preemptions = node.preemptions + (preempt ? 1 : 0);
        if (preemptions > maxPreemptions) {
          bound('preemptions', maxPreemptions);
          continue;
        }
        const child = (!answer && tried.get(id)) || step(node, id, preemptions, answer);
        result.transitions++;
        const n = child.node;
        // Threads asleep at the parent stay asleep if they commute with this segment. A thread
        // paused at a choice never sleeps: its answers are different transitions.
        if (por) {
          for (const [sid, sfp] of node.sleep) if (sid !== id && !conflicts(sfp, child.fp)) n.sleep.set(sid, sfp);
          // Earlier siblings that commute with this segment need not run first here.
          for (const r of ran) if (r.id !== id && !conflicts(r.fp, child.fp)) n.sleep.set(r.id, r.fp);
        }
        if (!answer) ran.push({ id, fp: child.fp });
        // It loops for ever from here (reported): nothing new to explore.
        if (child.spun) continue;
        const key = nodeKey(n);
        // A segment that leads back to the state it started from (or to it with the MMU-notifier
        // sequence numbers moved on: spin.ts): the thread spins. If no other thread can change
        // anything (all stopped or stuck), it spins for ever, or until its timeout expires (that
        // answer is explored too): a retry loop that only gives up.
        const idle = (): boolean => !n.s.threads.some((x) => x.id !== id && x.status !== 'done' && x.status !== 'failed' && !waits(n.s, x.id));
        const same = key === nodeKey(node);
        const shifted = !same && n.warnings.length === node.warnings.length && n.dirty === node.dirty && idle() && sameUpToSequence(node.s, n.s, id);
        if (same || shifted) {
          if ((shifted || idle()) && !answer?.index) {
            const f = n.s.threads.find((x) => x.id === id)?.frames.at(-1);
            const how = shifted ? ' (only the MMU-notifier sequence numbers moved on)' : '';
            const until = answer ? `; only its timeout ends it (${answer.label} is asked at each iteration)` : '';
            report({ invariant: 'progress', thread: id, file: f?.file, loop: loopOrigin(n.s, id), message: `${id} loops without progress in ${f?.fn ?? '?'}: each iteration comes back to the same state${how} and no other thread can change it${until}` }, n);
          }
          continue;
        }
        const before = visited.get(key);
        // A state seen before is explored again only if now reached with fewer preemptions or with
        // a smaller sleep set (what was skipped there may not be skippable here).
        if (before !== undefined && before.preemptions <= n.preemptions && [...before.sleep].every((x) => n.sleep.has(x))) continue;
        if (before !== undefined) for (const x of [...n.sleep.keys()]) if (!before.sleep.has(x)) n.sleep.delete(x);
        visited.set(key, { preemptions: Math.min(n.preemptions, before?.preemptions ?? Infinity), sleep: new Set(n.sleep.keys()) });
        if (before === undefined) result.states++;
        if (result.states > maxStates) {
          bound('states', maxStates);
          queue = [];
          break;
        }
        next.push(n);
      }
      if (result.states > maxStates) break;
    }
    if (!queue.length) break;
    // Fewer context switches first: of the shortest counterexamples, the first reported is the
    // one a reviewer reads most easily (one thread's story, then the other's).
    queue = next.sort((a, b) => a.preemptions - b.preemptions);
    depth++;
    result.maxDepth = Math.max(result.maxDepth, depth);
    options.onProgress?.({ states: result.states, transitions: result.transitions, depth, queued: queue.length });
  }
  // Stopped at the first violation (`all: false`) with interleavings left: not every one was seen.
  if (stop() && queue.length) result.complete = false;
  for (let i = 0; i < result.violations.length; i++) result.violations[i] = readable(result.violations[i]);
  result.seconds = (performance.now() - t0) / 1000;
  const wanted = new Set(sc.expectedViolations ?? []);
  result.expected = result.violations.filter((v) => wanted.has(v.invariant));
  result.violations = result.violations.filter((v) => !wanted.has(v.invariant));
  result.missingExpected = [...wanted].filter((w) => !result.expected.some((v) => v.invariant === w));
  return result;

  /** A machine running `s` for the explorer: step checks, the PTEs each thread read, where device mappings came from. */
  function machine(s: State, seen: PathMap<Value>, origins: Map<string, MappingOrigin>, path: { decisions: Decisions; origins: Map<string, MappingOrigin> }): Machine {
    return new Machine(s, code, table, limits, choices, {
      afterStep: (done: TraceStep) => {
        if (!done.changes.length) return;
        for (const f of reading(s, () => checkStep(s, done, seen))) report(f, path);
        for (const c of done.changes) {
          if (c.field.startsWith('PTE 0x') && !c.field.includes('.')) seen.set(`${done.thread}|${c.field}`, c.after);
          const dev = / device PTE 0x([0-9a-f]+)$/.exec(c.field);
          if (dev) {
            const addr = parseInt(dev[1], 16);
            const afterInvalidation = s.events.some((e) => e.phase === 'start' && e.thread !== done.thread && addr >= e.start && addr < e.end);
            origins.set(c.field, { file: done.file, fn: done.fn, line: done.line, thread: done.thread, afterInvalidation });
          }
        }
      },
      onPteRead: (thread, field, v) => void seen.set(`${thread}|${field}`, v),
      onPrimCall: (thread, name, args) => {
        if (!PTE_READERS.has(name)) return;
        for (const a of args) {
          if (!isPtr(a) || a.path.length !== 2 || a.path[0] !== 'entries' || s.heap[a.obj]?.kind !== 'pgtable') continue;
          const v = reading(s, () => load(s, a));
          seen.set(`${thread}|${fieldName(s, a)}`, v === undefined ? { t: 'pte', k: 'none' } : v);
        }
      },
    }, codeCache);
  }

  /**
   * A thread whose next segment can run ahead of every other thread's future (lookahead.ts), or
   * undefined when all must be tried here. The thread that ran last is tried first: it is the one
   * most likely still inside a walk the others do not touch. A segment that comes back to a state
   * already seen never runs ahead (otherwise a held-back move could wait around a cycle for ever).
   */
  function runAhead(node: Node, live: string[], runnable: string[], tried: Map<string, StepResult>): string | undefined {
    const s = node.s;
    const future = (id: string): Future | undefined => futureCache.get(s, id);
    const order = node.current !== undefined && runnable.includes(node.current) ? [node.current, ...runnable.filter((x) => x !== node.current)] : runnable;
    for (const id of order) {
      const at = s.threads.find((x) => x.id === id);
      if (node.sleep.has(id) || at?.choice || !aheadStats.worth(id, at?.frames.at(-1)?.fn)) continue;
      const others = live.filter((x) => x !== id);
      const fs = others.map(future);
      if (fs.some((f) => f === undefined)) continue;
      aheadTries++;
      const preempt = node.current !== undefined && node.current !== id && runnable.includes(node.current);
      const child = step(node, id, node.preemptions + (preempt ? 1 : 0), undefined);
      tried.set(id, child);
      if (child.spun) continue;
      const t = child.node.s.threads.find((x) => x.id === id);
      if ((t?.status === 'done' || t?.status === 'failed') && s.threads.some((x) => x.after === id)) continue;
      const key = nodeKey(child.node);
      if (key === nodeKey(node) || visited.has(key)) continue;
      const ok = runsAhead(child.node.s, child.fp, fs as Future[]);
      aheadStats.note(id, at?.frames.at(-1)?.fn, ok);
      if (ok) {
        const on = goOn(child, id);
        // Only a thread that runs well ahead (a walk) is worth holding the others back for: around a
        // state reduced for a segment or two, the sleep sets prune less than they would have.
        const ranOn = on.node.decisions.length - child.node.decisions.length;
        if (ranOn < aheadMin) continue;
        // Run on into a state already seen: explored fully here instead (the cycle proviso again).
        const end = nodeKey(on.node);
        if (end === nodeKey(node) || visited.has(end)) continue;
        futureCache.used(others.map((x, i) => ({ id: x, future: fs[i] as Future })));
        tried.set(id, on);
        result.ranAhead += ranOn;
        return id;
      }
    }
    return undefined;
  }

  /**
   * One segment of thread `id` alone, on a copy, with its footprint: what lookahead.ts runs, and
   * what a counterexample's replay runs (with the answer of a choice the thread paused at).
   */
  function runSegment(from: State, id: string, answer?: { label: ChoiceLabel; index: number }): ReturnType<SegmentRunner> {
    const s = forkState(from);
    if (!answer && from.threads.find((x) => x.id === id)?.choice) return { s, fp: emptyFootprint(), reads: new Map(), stop: 'unknown' };
    s.reads = new Map();
    const m = new Machine(s, code, table, limits, choices, {}, codeCache);
    const r = m.run(id, true, answer);
    m.finish();
    const reads = s.reads;
    s.reads = undefined;
    const fp = footprintOf(from, s, reads);
    if (r === 'done') return { s, fp, reads, stop: 'done' };
    // Blocked with the lock holder held back: it stays blocked (a holder among the others that
    // would let it go writes the lock it read, and their futures then do not commute).
    if (r === 'blocked') return { s, fp, reads, stop: 'waits' };
    if (r === 'failed' || s.threads.find((x) => x.id === id)?.choice) return { s, fp, reads, stop: 'unknown' };
    return { s, fp, reads, stop: 'sched' };
  }

  /** Runs thread `id` from `node`'s state to its next scheduling point. */
  function step(node: Node, id: string, preemptions: number, answer?: { label: ChoiceLabel; index: number }): StepResult {
    const s = forkState(node.s);
    if (por) s.reads = new Map();
    const seen = new PathMap(node.seen);
    const origins = new Map(node.origins);
    const path = { decisions: extend(node.decisions, answer ? scheduleEntry(id, answer.label, answer.index) : id), origins };
    const m = machine(s, seen, origins, path);
    let dirty = node.dirty;
    // What each segment stored: the dirty pfns at the states in between look only there.
    s.stores = new Map();
    let r = m.run(id, true, answer);
    // While every other thread has stopped or waits for a lock, this thread is the only one that
    // can run: its next segments are one transition (no interleavings to choose). Replay takes the
    // same picks: one per segment while another thread is still alive.
    // A thread alone that comes back to a state it had on the way (or to it with only the
    // MMU-notifier sequence numbers moved on) loops for ever: compared with a copy taken after
    // 1, 2, 4, 8... segments, so a cycle of any length is seen within twice its length.
    let snap: State | undefined;
    let segments = 0;
    let spun: 'same' | 'shifted' | false = false;
    const ownedEarlier = new Set<number>();
    for (;;) {
      // Paused at a choice: the explorer branches there.
      if (r !== 'sched' || s.threads.find((x) => x.id === id)?.choice) break;
      const others = s.threads.filter((x) => x.id !== id && x.status !== 'done' && x.status !== 'failed');
      if (others.length && !others.every((x) => waits(s, x.id))) break;
      const stores = s.stores ?? new Map();
      s.stores = new Map();
      if (others.length) {
        reading(s, () => {
          for (const f of checkState(s)) report(f, path);
          dirty = dirtyAfter(s, stores, dirty);
        });
        push(path.decisions, id);
      }
      const at = snap;
      if (at && samePlace(at, s, id) && (spun = reading(s, () => compare(at, s, id)))) break;
      if ((++segments & (segments - 1)) === 0) {
        // The copy shares the heap; this state copies an object again before it writes it.
        snap = forkState(s);
        for (const o of s.own ?? []) ownedEarlier.add(o);
        s.own = new Set();
        s.ownedElements = new WeakSet();
      }
      r = m.run(id, true);
    }
    s.stores = undefined;
    for (const o of ownedEarlier) s.own?.add(o);
    if (spun) {
      const f = s.threads.find((x) => x.id === id)?.frames.at(-1);
      const how = spun === 'shifted' ? ' (only the MMU-notifier sequence numbers moved on)' : '';
      report({ invariant: 'progress', thread: id, file: f?.file, loop: loopOrigin(s, id), message: `${id} loops without progress in ${f?.fn ?? '?'}: it comes back to a state it had${how}, and no other thread can run` }, path);
    }
    // What was tried on the way is stale once the thread ran on.
    waiting.delete(s);
    m.finish();
    const reads = s.reads;
    s.reads = undefined;
    dropDeadFrames(s, texts);
    const fp = reads ? footprintOf(node.s, s, reads) : emptyFootprint();
    if (!reads || touchesDirtyKinds(fp, s)) dirty = withPfns(dirty, reading(s, () => dirtyPfns(s)));
    const child: Node = {
      s, decisions: path.decisions, stuck: [], current: id, preemptions,
      warnings: [...node.warnings, ...m.warnings], unmodelled: [...node.unmodelled, ...m.unmodelled],
      dirty, seen, sleep: new Map(), origins,
    };
    for (const u of m.unmodelled) if (!result.unmodelled.some((x) => x.name === u.name && x.file === u.file && x.line === u.line)) result.unmodelled.push(u);
    const t = s.threads.find((x) => x.id === id);
    if (t?.status === 'failed') {
      const f = classifyFailure(t);
      // A loop that ran out of instructions: where it spins, for the known findings.
      if (f) report(f.invariant === 'progress' ? { ...f, loop: loopOrigin(s, id) } : f, child);
    }
    if (r === 'sched' || r === 'blocked') for (const f of reading(s, () => checkState(s))) report(f, child);
    return { node: child, fp, spun: Boolean(spun) };
  }

  /**
   * A transition of thread `id` that runs ahead (lookahead.ts): as long as its next segments can
   * run ahead of what every other thread could do, they belong to it, checked at each state in
   * between. They run in batches (1, 2, 4... up to AHEAD_BATCH) on one copy, so a 512-PTE walk
   * does not copy the state at every segment; a batch that does not run ahead is taken back and
   * tried again one segment at a time.
   */
  function goOn(step: StepResult, id: string): StepResult {
    const node = step.node;
    let cur = node.s;
    let r: RunResult = cur.threads.find((x) => x.id === id)?.status === 'runnable' ? 'sched' : 'blocked';
    if (step.spun || r !== 'sched') return step;
    // A layer of its own: the transition without these segments stays as it was.
    const path = { decisions: { prev: node.decisions, entries: [], length: node.decisions.length } as Decisions, origins: node.origins };
    let { dirty, seen: curSeen } = node;
    const warnings = [...node.warnings];
    const unmodelled = [...node.unmodelled];
    const fp = mergeInto(emptyFootprint(), step.fp);
    let batch = 1;
    let ran = 0;
    while (ran < MAX_AHEAD_SEGMENTS && r === 'sched' && !cur.threads.find((x) => x.id === id)?.choice) {
      const fn = cur.threads.find((x) => x.id === id)?.frames.at(-1)?.fn;
      if (batch === 1 && !aheadStats.worth(id, fn)) break;
      const others = cur.threads.filter((x) => x.id !== id && x.status !== 'done' && x.status !== 'failed');
      const futures = others.map((x) => futureCache.get(cur, x.id));
      if (!others.length || futures.some((f) => f === undefined)) break;
      aheadTries++;
      const start = cur;
      // The state a batch starts from (the transition's own end was checked by step).
      if (start !== node.s) {
        reading(start, () => {
          for (const f of checkState(start)) report(f, path);
        });
      }
      const next = forkState(start);
      next.reads = new Map();
      const stores: Reads = new Map();
      const nextSeen = new PathMap(curSeen);
      const nextOrigins = new Map(path.origins);
      // Findings in the batch are reported with the device mappings it installed (known findings).
      const batchPath = { decisions: path.decisions, origins: nextOrigins };
      const m2 = machine(next, nextSeen, nextOrigins, batchPath);
      let nextDirty = dirty;
      let r2: RunResult = r;
      let n = 0;
      for (;;) {
        next.stores = new Map();
        push(path.decisions, id);
        n++;
        r2 = m2.run(id, true);
        const segmentStores = next.stores;
        next.stores = undefined;
        for (const [o, k] of segmentStores) addKeys(stores, o, k);
        if (n >= batch || r2 !== 'sched' || next.threads.find((x) => x.id === id)?.choice) break;
        // A state in between: what the others could observe here.
        reading(next, () => {
          for (const f of checkState(next)) report(f, batchPath);
          nextDirty = dirtyAfter(next, segmentStores, nextDirty);
        });
      }
      m2.finish();
      const nextReads = next.reads;
      next.reads = undefined;
      const segments = footprintOf(start, next, nextReads);
      // Written and written back within the batch: the comparison of the states cannot see it.
      for (const [o, k] of stores) if (o < start.nextId && next.heap[o]?.kind !== 'frame') mergeInto(segments, { reads: new Map([[o, k]]), writes: new Map([[o, k]]) });
      const t2 = next.threads.find((x) => x.id === id);
      const startsAnother = (t2?.status === 'done' || t2?.status === 'failed') && start.threads.some((x) => x.after === id);
      const ok = !startsAnother && runsAhead(next, segments, futures as Future[]);
      if (batch === 1) aheadStats.note(id, fn, ok);
      if (!ok) {
        for (let i = 0; i < n; i++) pop(path.decisions);
        if (batch === 1) break;
        batch = 1;
        continue;
      }
      futureCache.used(others.map((x, i) => ({ id: x.id, future: futures[i] as Future })));
      cur = next;
      curSeen = nextSeen;
      path.origins = nextOrigins;
      r = r2;
      ran += n;
      batch = Math.min(batch * 2, AHEAD_BATCH);
      mergeInto(fp, segments);
      warnings.push(...m2.warnings);
      unmodelled.push(...m2.unmodelled);
      for (const u of m2.unmodelled) if (!result.unmodelled.some((x) => x.name === u.name && x.file === u.file && x.line === u.line)) result.unmodelled.push(u);
      dirty = nextDirty;
      if (touchesDirtyKinds(segments, cur)) dirty = withPfns(dirty, reading(cur, () => dirtyPfns(cur)));
    }
    if (cur === node.s) return step;
    dropDeadFrames(cur, texts);
    const child: Node = { ...node, s: cur, decisions: path.decisions, warnings, unmodelled, dirty, seen: curSeen, origins: path.origins };
    const t = cur.threads.find((x) => x.id === id);
    if (t?.status === 'failed') {
      const f = classifyFailure(t);
      if (f) report(f.invariant === 'progress' ? { ...f, loop: loopOrigin(cur, id) } : f, child);
    }
    if (r === 'sched' || r === 'blocked') for (const f of reading(cur, () => checkState(cur))) report(f, child);
    return { node: child, fp, spun: false };
  }

  /**
   * The counterexample told with as few switches between threads as the same interleaving allows
   * (normalize.ts), if replaying it that way reaches the same state. Only for findings that depend
   * on that state and on what each thread read, not on the states between (dirty-preserved
   * remembers every pfn dirty on the way; progress, the loop's shape).
   */
  function readable(v: Violation): Violation {
    if (!REORDERABLE.has(v.invariant) || v.schedule.length > NORMALIZE_MAX || switches(v.schedule) < 2) return v;
    const before = replaySegments(v.schedule);
    if (!before) return v;
    const schedule = fewerSwitches(v.schedule, before.fps).map((j) => v.schedule[j]);
    if (switches(schedule) >= switches(v.schedule)) return v;
    const after = replaySegments(schedule);
    return after && stateKey(after.s) === stateKey(before.s) ? { ...v, schedule } : v;
  }

  /** Runs a schedule from the start, one segment per entry, with each segment's footprint. */
  function replaySegments(schedule: readonly string[]): { s: State; fps: Footprint[] } | undefined {
    let s = prep.s;
    const fps: Footprint[] = [];
    for (const e of schedule) {
      const entry = parseScheduleEntry(e);
      const t = s.threads.find((x) => x.id === entry.thread);
      if (!t || t.status === 'done' || t.status === 'failed') return undefined;
      const label = t.choice;
      const answer = entry.choice ?? (label && isChoiceLabel(label) ? { label, index: 0 } : undefined);
      const r = runSegment(s, entry.thread, answer);
      fps.push(r.fp);
      s = r.s;
    }
    return { s, fps };
  }

  /** Where thread `id` spins, and whether another thread's invalidation came first (knownFindings.ts). */
  function loopOrigin(s: State, id: string): LoopOrigin {
    const t = s.threads.find((x) => x.id === id);
    return {
      frames: (t?.frames ?? []).map((f) => `${f.file}:${f.fn}`),
      afterOtherInvalidation: s.events.some((e) => e.phase === 'start' && e.thread !== id),
    };
  }

  /**
   * Whether thread `id` of `s` waits for a lock: it blocked there, and trying it again (on a copy)
   * blocks at once. Only a thread that blocked can be waiting; one stopped at a scheduling point
   * always runs at least a step.
   */
  function waits(s: State, id: string): boolean {
    const t = s.threads.find((x) => x.id === id);
    if (t?.status !== 'blocked') return false;
    const cached = waiting.get(s)?.get(id);
    if (cached !== undefined) return cached;
    const copy = forkState(s);
    const before = copy.steps;
    const r = new Machine(copy, code, table, limits, choices, {}, codeCache).run(id, true);
    const w = r === 'blocked' && copy.steps <= before + 1;
    let m = waiting.get(s);
    if (!m) waiting.set(s, (m = new Map<string, boolean>()));
    m.set(id, w);
    return w;
  }

  /** Every thread stopped: the end checks, and the scenario's own expectations. */
  function finish(node: Node): void {
    result.endStates++;
    const s = node.s;
    options.onEnd?.(s);
    const stuck = new Set(node.stuck);
    const blocked = s.threads.filter((t) => t.status === 'blocked' && stuck.has(t.id));
    // A thread that crashed leaves the others waiting: the crash is the finding, not a deadlock.
    if (blocked.length && !s.threads.some((x) => x.status === 'failed')) {
      const stopped = s.threads.filter((x) => x.status === 'failed').map((x) => x.id);
      for (const t of blocked) {
        const orphan = stopped.find((sid) => t.blockedOn?.includes(sid));
        if (!orphan) report({ invariant: 'no-deadlock', thread: t.id, message: `${t.id} waits for ever: blocked on ${t.blockedOn ?? '?'} (the other threads are ${s.threads.filter((x) => x !== t).map((x) => `${x.id} ${x.status}${x.blockedOn ? ` on ${x.blockedOn}` : ''}`).join(', ')})` }, node);
      }
    }
    // A path where a thread stopped early (a crash, already reported; a call the model lacks, listed
    // as unmodelled) did not run to its end: its end state says nothing about the code.
    if (s.threads.some((x) => x.status === 'failed')) return;
    for (const f of reading(s, () => [...checkState(s), ...checkEnd(s, { dirty: node.dirty, initialRefs, balanced: sc!.balanced, forked })])) report(f, node);
  }
}
