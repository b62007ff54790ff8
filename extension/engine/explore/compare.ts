/**
 * Before/after: the same scenarios on two trees (typically a tree and the tree with a patch
 * applied in memory). Per scenario and tree, one run under the default schedule (what the code
 * does when nothing races: end state, return values, notifier events, checks) and an exploration
 * of the interleavings (which invariants some schedule violates). The report says what the patch
 * changes: invariants it breaks (with the counterexample replayed as an ASCII timeline), invariants
 * it fixes, and how the default run's behaviour differs.
 */
import { type AddressSummary, type Check, type DriverPreference, type EngineTree, type SimulationResult, ASSUMPTIONS, SimulationError, simulate } from '../simulate';
import { type Value, show } from '../state/values';
import { renderAscii } from '../trace/ascii';
import { hex } from '../world/layout';
import { type Bound, EXPLORE_LIMITS, type ExploreOptions, type ExploreResult, type Violation, explore } from './explore';
import { invariantInfo } from './invariants';

/** Explore options without the callbacks (they cannot cross to a worker, and the report is data). */
export type CompareExploreOptions = Omit<ExploreOptions, 'onProgress' | 'isCancelled' | 'driver'>;

export interface CompareOptions {
  explore?: CompareExploreOptions;
  driver?: DriverPreference;
  /** Names of the two sides in the text report ("v6.12.107", "v6.12.107 + 2 patches"). */
  labels?: { before: string; after: string };
  onProgress?: (message: string) => void;
  isCancelled?: () => boolean;
}

/** One thread of the default run: how it ended. */
export interface ThreadOutcome {
  thread: string;
  outcome: string;
}

/** What one tree does in one scenario. */
export interface SideReport {
  /** The default-schedule run happened (false when the tree refused, see the scenario's errors). */
  simulated: boolean;
  /** The exploration happened. */
  explored: boolean;
  violations: Violation[];
  complete: boolean;
  bounds: { bound: Bound; limit: number }[];
  states: number;
  transitions: number;
  /** Exploration time. */
  seconds: number;
  /** The default run's end state. */
  final: AddressSummary[];
  results: ThreadOutcome[];
  /** The default run's MMU-notifier invalidations, one line each: event, range, owner, deliveries. */
  events: string[];
  checks: Check[];
  /** Calls not modelled (default run and exploration): paths through them were not followed. */
  unmodelled: string[];
  /** The default run's scheduling decisions. */
  schedule: string[];
  /**
   * The default run was cut by the instruction or loop bound (a livelock by design, such as
   * driver-without-own-filter): where it stopped depends on how many instructions each loop
   * takes, so its end state is not compared (a refactor would look like a change).
   */
  cutShort?: string;
  /** Violations the scenario is built to show (a driver written wrong on purpose) that it did show. */
  expected?: string[];
  /** ... and those it did not. */
  missingExpected?: string[];
}

export interface NewViolation extends Violation {
  /** The invariant's title. */
  title: string;
  /** The ASCII timeline of the counterexample replayed on the tree that shows it (renderAscii). */
  timeline?: string;
  /** Why the comparison is weaker than it looks (the other side's exploration was incomplete). */
  caveat?: string;
}

export interface FieldChange {
  /** The address (or thread, check...) it concerns. */
  where: string;
  field: string;
  before: string;
  after: string;
}

export interface ScenarioComparison {
  id: string;
  before: SideReport;
  after: SideReport;
  /** Invariants violated after and not before (on the after tree's counterexample). */
  newViolations: NewViolation[];
  /** Invariants violated before and not after (on the before tree's counterexample). */
  fixedViolations: NewViolation[];
  /** Violations the scenario is built to show that the before tree showed and the after tree, explored completely, does not. */
  lostExpected?: string[];
  changedEndState: FieldChange[];
  changedResults: FieldChange[];
  /** Invalidations of the default run one side has and the other lacks (multiset difference). */
  changedEvents: { removed: string[]; added: string[] };
  changedChecks: FieldChange[];
  /** What stopped a side: which side, which stage and why. */
  errors: { side: 'before' | 'after'; stage: 'simulate' | 'explore' | 'replay'; name: string; message: string }[];
}

export interface CompareReport {
  labels: { before: string; after: string };
  /** What was applied to make the after tree (the CLI fills it in). */
  patches?: { applied: string[]; skipped: string[]; notes: string[] };
  /** Scenarios with a new violation count once per invariant. */
  newViolations: number;
  fixed: number;
  scenarios: ScenarioComparison[];
  assumptions: string[];
}

export const COMPARE_ASSUMPTIONS = [
  'A violation is new when some interleaving of the after tree violates an invariant that no interleaving of the before tree violates in the same scenario (compared by invariant, not by message; a known finding in the tree’s own code counts apart from other violations of its invariant).',
  'Exploration is bounded (states, depth, preemptions, time): an incomplete side can miss a violation, and the report says which side was cut and where.',
  'Files a patch touches that the tree lacks are skipped; everything else of the patch is applied in memory, never written.',
];

function emptySide(): SideReport {
  return { simulated: false, explored: false, violations: [], complete: false, bounds: [], states: 0, transitions: 0, seconds: 0, final: [], results: [], events: [], checks: [], unmodelled: [], schedule: [] };
}

/** A value in words, pointers by the label of what they point to (heap ids differ between trees). */
function showValue(v: Value, objects: SimulationResult['objects']): string {
  if (typeof v === 'object' && v !== null && v.t === 'ptr') {
    const o = objects[v.obj];
    return `&${o ? o.label : `#${v.obj}`}${v.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
  }
  return show(v);
}

/** The default run's invalidations, one line each (the start of each; the end adds nothing). */
export function eventLines(r: SimulationResult): string[] {
  return r.events.filter((e) => e.phase === 'start').map((e) => {
    const owner = e.owner === null || e.owner === undefined || e.owner === 0 ? '' : ` owner ${showValue(e.owner, r.objects)}`;
    const to = e.deliveries.length ? e.deliveries.map((d) => `${d.device} ${d.filtered ? 'filtered it' : 'acted'}`).join(', ') : 'no interval notifier';
    return `${e.event} [${hex(e.start)}, ${hex(e.end)})${owner} from ${e.thread}: ${to}`;
  });
}

function threadOutcomes(r: SimulationResult): ThreadOutcome[] {
  return r.threads.map((t) => ({
    thread: t.id,
    outcome: t.status === 'done' ? `returned ${t.result === undefined ? 'void' : showValue(t.result, r.objects)}` : `${t.status}${t.error ? `: ${t.error}` : ''}`,
  }));
}

function errorOf(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

/** What stopped one stage of a side. */
export interface SideError {
  stage: 'simulate' | 'explore';
  name: string;
  message: string;
}

/** One tree's run of one scenario: plain data (it comes back from a worker). */
export interface SideRun {
  side: SideReport;
  errors: SideError[];
}

/** Runs one scenario on one tree: the default schedule, then the exploration. Errors are recorded, not thrown. */
export function scenarioSide(tree: EngineTree, scenarioId: string, opts: Pick<CompareOptions, 'explore' | 'driver' | 'isCancelled'> = {}): SideRun {
  const side = emptySide();
  const errors: SideError[] = [];
  const x = opts.explore ?? {};
  try {
    const r = simulate(tree, scenarioId, { driver: opts.driver, choices: x.choices, limits: x.limits });
    Object.assign(side, {
      simulated: true, final: r.final, results: threadOutcomes(r), events: eventLines(r), checks: r.checks,
      unmodelled: r.unmodelled.map((u) => `${u.name} at ${u.file}:${u.line}`), schedule: r.schedule,
      cutShort: r.threads.find((t) => /(step|loop) bound/.test(t.error ?? ''))?.error,
    });
  } catch (e) {
    errors.push({ stage: 'simulate', ...errorOf(e) });
    // The tree cannot run the scenario at all (no device-exclusive support): exploring says the same.
    if (e instanceof SimulationError) return { side, errors };
  }
  try {
    const r: ExploreResult = explore(tree, scenarioId, { ...x, driver: opts.driver, isCancelled: opts.isCancelled });
    // Known findings take part like violations: a patch may fix one, or bring one to a tree without it.
    Object.assign(side, {
      explored: true, violations: [...r.violations, ...r.known.map(({ title: _t, why: _w, ...v }) => v)], complete: r.complete, bounds: r.bounds, states: r.states, transitions: r.transitions, seconds: r.seconds,
      expected: r.expected.map((v) => v.invariant), missingExpected: r.missingExpected,
    });
    for (const u of r.unmodelled) {
      const s = `${u.name} at ${u.file}:${u.line}`;
      if (!side.unmodelled.includes(s)) side.unmodelled.push(s);
    }
  } catch (e) {
    errors.push({ stage: 'explore', ...errorOf(e) });
  }
  return { side, errors };
}

function diffEndState(a: AddressSummary[], b: AddressSummary[]): FieldChange[] {
  const out: FieldChange[] = [];
  const add = (where: string, field: string, x: string, y: string): void => {
    if (x !== y) out.push({ where, field, before: x, after: y });
  };
  const folio = (s: AddressSummary | undefined): Record<string, string> => {
    const f = s?.folio;
    if (!f) return { folio: 'none' };
    return { 'folio pfn': String(f.pfn), refcount: String(f.refcount), mapcount: String(f.mapcount), dirty: String(f.dirty), 'locked by': f.locked.join(',') || 'nobody', freed: String(f.freed) };
  };
  for (const addr of [...new Set([...a.map((x) => x.addr), ...b.map((x) => x.addr)])]) {
    const x = a.find((s) => s.addr === addr);
    const y = b.find((s) => s.addr === addr);
    add(addr, 'PTE', x?.pte ?? '(no address)', y?.pte ?? '(no address)');
    const fx = folio(x);
    const fy = folio(y);
    for (const k of [...new Set([...Object.keys(fx), ...Object.keys(fy)])]) add(addr, k, fx[k] ?? '-', fy[k] ?? '-');
    for (const d of [...new Set([...(x?.devices ?? []), ...(y?.devices ?? [])].map((d) => d.device))]) {
      const m = (s: AddressSummary | undefined): string => s?.devices.find((v) => v.device === d)?.maps ?? 'does not map it';
      add(addr, `${d} maps`, m(x), m(y));
    }
  }
  return out;
}

function diffResults(a: ThreadOutcome[], b: ThreadOutcome[]): FieldChange[] {
  const out: FieldChange[] = [];
  for (const t of [...new Set([...a, ...b].map((x) => x.thread))]) {
    const x = a.find((o) => o.thread === t)?.outcome ?? '(no such thread)';
    const y = b.find((o) => o.thread === t)?.outcome ?? '(no such thread)';
    if (x !== y) out.push({ where: t, field: 'outcome', before: x, after: y });
  }
  return out;
}

function diffChecks(a: Check[], b: Check[]): FieldChange[] {
  const out: FieldChange[] = [];
  const show1 = (c: Check | undefined): string => (c ? `${c.ok ? 'ok' : 'FAIL'}: ${c.detail}` : '(not checked)');
  for (const name of [...new Set([...a, ...b].map((c) => c.name))]) {
    const x = a.find((c) => c.name === name);
    const y = b.find((c) => c.name === name);
    if (x?.ok !== y?.ok) out.push({ where: name, field: 'check', before: show1(x), after: show1(y) });
  }
  return out;
}

/** a minus b, as multisets, in a's order. */
function minus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    return n === 0;
  });
}

function boundText(s: SideReport): string {
  return s.bounds.map((b) => `${b.bound} at ${b.limit}${b.bound === 'time' ? ' s' : ''}`).join(', ') || 'incomplete';
}

/**
 * The instruction bound explore() runs with unless told otherwise (explore.ts passes it to
 * prepare()): a replay must stop where the exploration stopped, or a livelock's counterexample
 * runs five times longer than the one found.
 */
export const EXPLORE_REPLAY_LIMITS = EXPLORE_LIMITS;

/**
 * A livelock (a `progress` violation: the instruction bound hit) is replayed this far only: the
 * loop has repeated many times by then, and the whole 400,000 instructions make a trace of tens
 * of thousands of steps (about 50 MB with the panel's views).
 */
export const LIVELOCK_REPLAY_STEPS = 40_000;

/** At most this many state-changing steps of a counterexample in a text report (a livelock has thousands). */
export const TIMELINE_MAX_STEPS = 200;

/**
 * The full trace of a counterexample: `views` (default true) records what VS Code's panel shows
 * and "Open a saved trace…" opens; without them it is only for the ASCII timeline.
 */
export function counterexampleTrace(tree: EngineTree, scenario: string, violation: Pick<Violation, 'schedule'> & Partial<Pick<Violation, 'invariant' | 'message'>>, opts: { driver?: DriverPreference; choices?: Record<string, number>; limits?: ExploreOptions['limits']; views?: boolean } = {}): SimulationResult {
  const livelock = violation.invariant === 'progress' && opts.limits?.maxSteps === undefined;
  const limits = { ...EXPLORE_REPLAY_LIMITS, ...opts.limits, ...(livelock ? { maxSteps: LIVELOCK_REPLAY_STEPS } : {}) };
  return simulate(tree, scenario, { schedule: violation.schedule, views: opts.views ?? true, driver: opts.driver, choices: opts.choices, limits });
}

/** The ASCII timeline of a counterexample for a text report: at most TIMELINE_MAX_STEPS steps, without the model's assumptions (the report states them once). */
export function counterexampleTimeline(trace: SimulationResult): string {
  return renderAscii(trace, { maxSteps: TIMELINE_MAX_STEPS }).replace(/\n {2}model:\n[\s\S]*$/, '\n');
}

/** Compares two sides of one scenario (already run): the diffs, and the counterexamples replayed. */
export function compareSides(id: string, before: SideRun, after: SideRun, trees: { before: EngineTree; after: EngineTree }, opts: Pick<CompareOptions, 'explore' | 'driver'> = {}): ScenarioComparison {
  const errors: ScenarioComparison['errors'] = [
    ...before.errors.map((e) => ({ side: 'before' as const, stage: e.stage, name: e.name, message: e.message })),
    ...after.errors.map((e) => ({ side: 'after' as const, stage: e.stage, name: e.name, message: e.message })),
  ];
  const b = before.side;
  const a = after.side;
  // A tree that cannot run the scenario at all (no device-exclusive support) violates nothing: a
  // patch that brings the code brings its violations.
  const beforeLacks = !b.explored && before.errors.find((e) => e.stage === 'simulate' && e.name === 'SimulationError');
  const replay = (side: 'before' | 'after', tree: EngineTree, v: Violation, other: SideReport): NewViolation => {
    const nv: NewViolation = { ...v, title: invariantInfo(v.invariant)?.title ?? v.invariant };
    if (side === 'after' && beforeLacks) nv.caveat = `the before tree cannot run this scenario (${beforeLacks.message.split('\n')[0]})`;
    else if (!other.complete) nv.caveat = `the ${side === 'after' ? 'before' : 'after'} tree's exploration was incomplete (${boundText(other)}): it may violate this too beyond the bounds`;
    try {
      nv.timeline = counterexampleTimeline(counterexampleTrace(tree, id, v, { driver: opts.driver, choices: opts.explore?.choices, limits: opts.explore?.limits, views: false }));
    } catch (e) {
      errors.push({ side, stage: 'replay', ...errorOf(e) });
    }
    return nv;
  };
  const both = a.explored && b.explored;
  // The same invariant broken another way (a known finding vs a new one) is not the same violation.
  const has = (s: SideReport, x: Violation): boolean => s.violations.some((v) => v.invariant === x.invariant && v.known === x.known);
  const newViolations = both || (a.explored && beforeLacks) ? a.violations.filter((v) => !has(b, v)).map((v) => replay('after', trees.after, v, b)) : [];
  const fixedViolations = both ? b.violations.filter((v) => !has(a, v)).map((v) => ({ ...v, title: invariantInfo(v.invariant)?.title ?? v.invariant, ...(a.complete ? {} : { caveat: `the after tree's exploration was incomplete (${boundText(a)})` }) })) : [];
  const sims = a.simulated && b.simulated && !a.cutShort && !b.cutShort;
  // A scenario built to show a violation that the patched tree no longer shows: the patch changed
  // what the scenario is about (a driver no longer told of its own conversion, say).
  const lostExpected = both && a.complete ? (b.expected ?? []).filter((x) => (a.missingExpected ?? []).includes(x)) : [];
  return {
    id, before: b, after: a, newViolations, fixedViolations, lostExpected,
    changedEndState: sims ? diffEndState(b.final, a.final) : [],
    changedResults: sims ? diffResults(b.results, a.results) : [],
    changedEvents: sims ? { removed: minus(b.events, a.events), added: minus(a.events, b.events) } : { removed: [], added: [] },
    changedChecks: sims ? diffChecks(b.checks, a.checks) : [],
    errors,
  };
}

/** Runs every scenario on both trees and says what changed. */
export function compareTrees(before: EngineTree, after: EngineTree, scenarioIds: readonly string[], opts: CompareOptions = {}): CompareReport {
  const scenarios: ScenarioComparison[] = [];
  for (const id of scenarioIds) {
    opts.onProgress?.(`${id}: before`);
    const b = scenarioSide(before, id, opts);
    opts.onProgress?.(`${id}: after`);
    const a = scenarioSide(after, id, opts);
    scenarios.push(compareSides(id, b, a, { before, after }, opts));
  }
  return assembleReport(scenarios, opts.labels ?? { before: 'before', after: 'after' });
}

export function assembleReport(scenarios: ScenarioComparison[], labels: { before: string; after: string }): CompareReport {
  return {
    labels,
    newViolations: scenarios.reduce((n, s) => n + s.newViolations.length, 0),
    fixed: scenarios.reduce((n, s) => n + s.fixedViolations.length, 0),
    scenarios,
    assumptions: [...ASSUMPTIONS, ...COMPARE_ASSUMPTIONS],
  };
}

// ---------------------------------------------------------------------------------------------
// Text for a mail reply.

const WIDTH = 72;

/** Words wrapped at WIDTH, each line indented; a word longer than the line stays whole. */
export function wrap(text: string, indent: string, first: string = indent): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + w.length > WIDTH) {
      out.push(line);
      line = indent + w;
    } else {
      line += (empty ? '' : ' ') + w;
    }
    empty = false;
  }
  out.push(line);
  return out;
}

/** `dev0 x19, cpu1`: runs of one thread counted (the JSON keeps the list `--schedule` replays). */
export function compactSchedule(schedule: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < schedule.length; ) {
    let j = i;
    while (j < schedule.length && schedule[j] === schedule[i]) j++;
    out.push(j - i > 1 ? `${schedule[i]} x${j - i}` : schedule[i]);
    i = j;
  }
  return out.join(', ') || '(none)';
}

function sideState(s: SideReport): string {
  if (!s.explored) return 'not explored';
  return s.complete ? `${s.states} states, complete` : `${s.states} states, incomplete: ${boundText(s)}`;
}

/** A violation's name in the report: a known finding says which. */
export function violationName(v: Pick<Violation, 'invariant' | 'known'>): string {
  return v.known ? `${v.invariant} (known finding ${v.known})` : v.invariant;
}

/** One line per scenario: what the patch does to it. */
export function scenarioVerdict(c: ScenarioComparison): string {
  const blocked = c.errors.filter((e) => e.stage !== 'replay');
  if (c.newViolations.length) return `NEW ${c.newViolations.map(violationName).join(', ')}`;
  if (blocked.some((e) => e.side === 'after') && !c.after.explored) return `after: cannot run (${blocked.find((e) => e.side === 'after')!.message.split('\n')[0]})`;
  if (blocked.some((e) => e.side === 'before') && !c.before.explored) return `before: cannot run (${blocked.find((e) => e.side === 'before')!.message.split('\n')[0]}); after: ${c.after.violations.length ? `violates ${c.after.violations.map(violationName).join(', ')}` : 'no violation'}`;
  const parts: string[] = [];
  if (c.fixedViolations.length) parts.push(`fixed ${c.fixedViolations.map(violationName).join(', ')}`);
  if (c.lostExpected?.length) parts.push(`built to show ${c.lostExpected.join(', ')}, no longer does`);
  const incomplete = !c.after.complete || !c.before.complete;
  parts.push(incomplete ? 'no new violation found within the bounds' : 'no new violation');
  const changed = [c.changedEndState.length && 'end state', c.changedResults.length && 'return values', (c.changedEvents.added.length || c.changedEvents.removed.length) && 'notifier events', c.changedChecks.length && 'checks'].filter(Boolean);
  if (changed.length) parts.push(`${changed.join(', ')} differ`);
  if (incomplete) parts.push(`(before ${sideState(c.before)}; after ${sideState(c.after)})`);
  if (c.before.cutShort || c.after.cutShort) parts.push('default run cut by the instruction bound (a livelock): its end state not compared');
  return parts.join('; ');
}

/** The report as plain text: kernel-style, fit to paste into a reply. */
export function renderCompareText(report: CompareReport): string {
  const out: string[] = [];
  const nv = report.newViolations;
  out.push(`kpsim compare: ${report.labels.before} -> ${report.labels.after}`);
  if (report.patches) {
    // Subjects stay whole, as in a mail's series listing.
    for (const p of report.patches.applied) out.push(`  ${p}`);
    for (const s of report.patches.skipped) out.push(...wrap(`skipped: ${s}`, '    ', '  '));
    for (const n of report.patches.notes) out.push(...wrap(`note: ${n}`, '    ', '  '));
  }
  out.push('');
  out.push(`${nv} new violation${nv === 1 ? '' : 's'}, ${report.fixed} fixed, in ${report.scenarios.length} scenario${report.scenarios.length === 1 ? '' : 's'}`);
  out.push('');
  const w = Math.max(...report.scenarios.map((s) => s.id.length), 8);
  for (const c of report.scenarios) out.push(...wrap(scenarioVerdict(c), ' '.repeat(w + 4), `  ${c.id.padEnd(w)}  `));
  for (const c of report.scenarios) {
    const lines: string[] = [];
    for (const v of c.newViolations) {
      lines.push('');
      lines.push(...wrap(`${c.id}: new violation of ${violationName(v)}`, '  ', ''));
      lines.push(`  ${v.title}`);
      lines.push(...wrap(v.message, '  '));
      if (v.file) lines.push(`  seen at ${v.file}${v.line ? `:${v.line}` : ''}${v.thread ? ` (${v.thread})` : ''}`);
      lines.push(...wrap(`${compactSchedule(v.schedule)} (${v.steps} decision${v.steps === 1 ? '' : 's'})`, '    ', '  schedule: '));
      if (v.caveat) lines.push(...wrap(`note: ${v.caveat}`, '  '));
      if (v.timeline) {
        lines.push('');
        lines.push(...v.timeline.trimEnd().split('\n').map((l) => (l ? `    ${l}` : l)));
      }
    }
    for (const v of c.fixedViolations) {
      lines.push('');
      lines.push(...wrap(`${c.id}: fixed: ${violationName(v)} (${v.title})`, '  ', ''));
      lines.push(...wrap(`before: ${v.message}`, '  '));
      if (v.caveat) lines.push(...wrap(`note: ${v.caveat}`, '  '));
    }
    const diffs: string[] = [];
    for (const d of c.changedResults) diffs.push(...wrap(`${d.where}: ${d.before} -> ${d.after}`, '      ', '    '));
    for (const d of c.changedEndState) diffs.push(...wrap(`${d.where} ${d.field}: ${d.before} -> ${d.after}`, '      ', '    '));
    for (const e of c.changedEvents.removed) diffs.push(...wrap(e, '      ', '    - '));
    for (const e of c.changedEvents.added) diffs.push(...wrap(e, '      ', '    + '));
    for (const d of c.changedChecks) diffs.push(...wrap(`${d.where}: ${d.before} -> ${d.after}`, '      ', '    '));
    if (diffs.length) {
      lines.push('');
      lines.push(...wrap(`${c.id}: the patch changes the default run (no race):`, '  ', ''));
      lines.push(...diffs);
    }
    for (const e of c.errors) {
      lines.push('');
      lines.push(...wrap(`${c.id}: the ${e.side} tree could not ${e.stage === 'simulate' ? 'run' : e.stage === 'explore' ? 'be explored in' : 'replay the counterexample of'} this scenario (${e.name}): ${e.message}`, '  '));
    }
    if (c.after.unmodelled.length && c.after.unmodelled.some((u) => !c.before.unmodelled.includes(u))) {
      lines.push('');
      lines.push(...wrap(`${c.id}: after the patch these calls are not modelled (paths through them were not followed): ${c.after.unmodelled.filter((u) => !c.before.unmodelled.includes(u)).join('; ')}`, '  '));
    }
    out.push(...lines);
  }
  out.push('');
  out.push('model:');
  for (const a of report.assumptions) out.push(...wrap(a, '    ', '  - '));
  return out.join('\n') + '\n';
}
