/**
 * Explores the interleavings of a scenario's threads at their scheduling points (the primitives
 * marked `sched`: locks, notifier calls, page-table updates), breadth first, so the first
 * counterexample found for an invariant is a shortest one. States are hashed (canonical JSON of the
 * heap and threads, without counters that only grow) so equal states reached by different orders
 * are explored once; a sleep set skips a thread whose next segment commutes with the one just run
 * (neither wrote a place the other read or wrote: footprint.ts, per PTE and per field). Bounds: states, depth
 * (scheduling decisions), preemptions, time. A bound hit says so (`complete: false`).
 *
 * Every counterexample is a schedule `simulate(..., { schedule })` replays step by step.
 */
import { type Code } from '../interp/code';
import { Machine, type TraceStep, type Unmodelled, type Warning } from '../interp/machine';
import { kernelPrimitives } from '../primitives/index';
import { CHOICES, type ChoiceLabel, isChoiceLabel, scheduleEntry } from '../primitives/choices';
import { scenarioById, SCENARIOS } from '../scenarios/catalog';
import { type EngineTree, type SimulateOptions, SimulationError, prepare } from '../simulate';
import { type HeapObj, type ObjKind, type State, fieldName, forkState, load, reading } from '../state/state';
import { isPtr } from '../state/values';
import { type ObjectText, dropDeadFrames, stateKey } from './stateKey';
import { type Footprint, conflicts, emptyFootprint, footprintOf } from './footprint';
import { compare, samePlace, sameUpToSequence } from './spin';
import { type Decisions, NO_DECISIONS, PathMap, decisionList, extend, push, rangesText, withPfns } from './pathData';
import type { Value } from '../state/values';
import { type MappingOrigin, knownFindingOf } from './knownFindings';
import { type Found, type LoopOrigin, checkEnd, checkState, checkStep, classifyFailure, dirtyPfns } from './invariants';

export interface ExploreOptions extends Pick<SimulateOptions, 'driver' | 'choices' | 'limits'> {
  /** Distinct states at most (default 20000). */
  maxStates?: number;
  /** Scheduling decisions along one path at most (default 400). */
  maxDepth?: number;
  /** Switches away from a thread that could have gone on, per path (default: unbounded). */
  maxPreemptions?: number;
  /** Wall-clock limit in seconds (default 60). */
  maxSeconds?: number;
  /** Keep exploring after the first violation of each invariant (default true). */
  all?: boolean;
  /** The partial-order reduction (sleep sets over footprints); on by default. */
  por?: boolean;
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

/** Objects whose writes can change which pfns are dirty (dirtyPfns reads them). */
const DIRTY_KINDS: ReadonlySet<ObjKind> = new Set<ObjKind>(['mm', 'pmdtable', 'pgtable', 'folio', 'page']);

/** Helpers that return the PTE they are given (what the code then compares or rebuilds). */
const PTE_READERS = new Set(['ptep_get', 'ptep_get_lockless', 'ptep_clear_flush', 'ptep_get_and_clear', 'ptep_get_and_clear_full',
  'ptep_modify_prot_start', 'modify_prot_start_ptes', 'get_and_clear_full_ptes', 'ptep_test_and_clear_young']);

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
  texts = new WeakMap();
  const waiting = new WeakMap<State, Map<string, boolean>>();

  const result: ExploreResult = {
    scenario: sc.id, tree: tree.root.split('/').pop() ?? tree.root, states: 0, transitions: 0, pruned: 0, seconds: 0,
    complete: true, bounds: [], maxDepth: 0, endStates: 0, violations: [], expected: [], missingExpected: [], known: [], unmodelled: [],
  };
  const fired = new Set<string>();
  const report = (f: Found, n: { decisions: Decisions; origins: Map<string, MappingOrigin> }): void => {
    const origin = f.mapping && n.origins.get(`${f.mapping.device} device PTE 0x${f.mapping.addr.toString(16)}`);
    const k = options.known !== false ? knownFindingOf(f.invariant, origin, f.loop) : undefined;
    const key = k ? `known:${k.id}` : f.invariant;
    if (fired.has(key)) return;
    fired.add(key);
    const v: Violation = { ...f, schedule: decisionList(n.decisions), steps: n.decisions.length };
    if (k) result.known.push({ ...v, known: k.id, title: k.title, why: k.why });
    else result.violations.push(v);
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
      // Each runnable thread's transitions: one, or one per answer of the choice it paused at.
      const moves = runnable.flatMap((id): { id: string; answer?: { label: ChoiceLabel; index: number } }[] => {
        const label = s.threads.find((x) => x.id === id)?.choice;
        return label && isChoiceLabel(label) ? CHOICES[label].map((_, index) => ({ id, answer: { label, index } })) : [{ id }];
      });
      for (const { id, answer } of moves) {
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
        const child = step(node, id, preemptions, answer);
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
    queue = next;
    depth++;
    result.maxDepth = Math.max(result.maxDepth, depth);
    options.onProgress?.({ states: result.states, transitions: result.transitions, depth, queued: queue.length });
  }
  // Stopped at the first violation (`all: false`) with interleavings left: not every one was seen.
  if (stop() && queue.length) result.complete = false;
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

  /** Runs thread `id` from `node`'s state to its next scheduling point. */
  function step(node: Node, id: string, preemptions: number, answer?: { label: ChoiceLabel; index: number }): { node: Node; fp: Footprint; spun: boolean } {
    const s = forkState(node.s);
    if (por) s.reads = new Map();
    const seen = new PathMap(node.seen);
    const origins = new Map(node.origins);
    const path = { decisions: extend(node.decisions, answer ? scheduleEntry(id, answer.label, answer.index) : id), origins };
    const m = machine(s, seen, origins, path);
    let dirty = node.dirty;
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
      if (others.length) {
        reading(s, () => {
          for (const f of checkState(s)) report(f, path);
          dirty = withPfns(dirty, dirtyPfns(s));
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
    // Dirty data lives in PTEs and folios: a segment that wrote no page table, folio or struct
    // page (its footprint says so) left the dirty pfns as they were.
    const touchesDirty = !reads || [...fp.writes.keys()].some((o) => o < 0 || DIRTY_KINDS.has(s.heap[o]?.kind ?? 'frame'));
    if (touchesDirty) dirty = withPfns(dirty, reading(s, () => dirtyPfns(s)));
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
