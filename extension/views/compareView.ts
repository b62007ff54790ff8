/**
 * The "Compare before/after" report as the simulation panel shows it: a view model made from the
 * engine's CompareReport and the counterexamples the worker replayed. Pure (no vscode, no DOM): the
 * host makes it, protocol.ts checks it on arrival, the webview draws it, the unit tests read it.
 */
import type { ReviewPatch } from '../patches/review';
import { type CompareReport, type NewViolation, type ScenarioComparison, type SideReport, compactSchedule, scenarioVerdict, violationName } from '../engine/explore/compare';

/** One field that differs between the two trees' default runs. */
export interface CompareChangeView {
  where: string;
  field: string;
  before: string;
  after: string;
}

export interface CompareViolationView {
  /** new: violated after the patch only; fixed: before it only. */
  kind: 'new' | 'fixed';
  invariant: string;
  title: string;
  /** On the tree that violates it (the after tree for a new one, the before tree for a fixed one). */
  message: string;
  /** `file:line (thread)` where it was seen, when known. */
  at?: string;
  /** Scheduling decisions of the counterexample. */
  steps: number;
  /** The schedule, runs of one thread counted (`dev0 x7, cpu1`). */
  schedule: string;
  /** Why the comparison is weaker than it looks (the other side's exploration was incomplete). */
  caveat?: string;
  /** The counterexample the panel can show (an index into the host's traces); none when it could not be replayed. */
  counterexample?: number;
}

/** How a scenario came out, for its marker: a new violation, one fixed, a side that could not run, a search cut short, a changed default run, nothing. */
export type ScenarioTone = 'new' | 'fixed' | 'error' | 'incomplete' | 'changed' | 'same';

export interface CompareScenarioView {
  id: string;
  tone: ScenarioTone;
  /** The text report's one-line verdict (scenarioVerdict). */
  verdict: string;
  /** Each side's exploration: states, transitions, time, complete or the bounds that cut it. */
  exploration: { before: string; after: string };
  violations: CompareViolationView[];
  /** The default run (no race): end state, thread return values, notifier invalidations, checks. */
  endState: CompareChangeView[];
  results: CompareChangeView[];
  events: { removed: string[]; added: string[] };
  checks: CompareChangeView[];
  errors: string[];
  /** Calls not modelled after the patch that were before it (paths through them were not followed). */
  unmodelled: string[];
}

export interface CompareView {
  /** The patch compared: `[v1 2/2] mm/rmap: ...`. */
  patch: string;
  /** The two trees' names. */
  before: string;
  after: string;
  applied: string[];
  skipped: string[];
  notes: string[];
  /** `N new violations, M fixed, in K scenarios`, and how many were not explored completely. */
  summary: string;
  /** Every exploration cut by a bound or not done, in words: never to be read as "no violation". */
  limits: string[];
  scenarios: CompareScenarioView[];
  /** The model's and the comparison's assumptions. */
  assumptions: string[];
}

/** What identifies a replayed counterexample (the worker's CompareTrace without its trace). */
export interface CounterexampleKey {
  scenario: string;
  invariant: string;
  known?: string;
  side: 'before' | 'after';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function boundsText(s: SideReport): string {
  const b = s.bounds.map((x) => (x.bound === 'cancelled' ? 'cancellation' : `the ${x.bound} bound (${x.limit}${x.bound === 'time' ? ' s' : ''})`));
  return b.length ? b.join(', ') : 'a bound';
}

/** One side's exploration in words. */
export function explorationText(s: SideReport): string {
  if (!s.explored) return 'not explored';
  const base = `${s.states} states, ${s.transitions} transitions, ${s.seconds.toFixed(1)} s`;
  return s.complete ? `${base}: complete` : `${base}: incomplete, cut by ${boundsText(s)}`;
}

const cut = (s: SideReport): boolean => s.explored && !s.complete;

function toneOf(c: ScenarioComparison): ScenarioTone {
  if (c.newViolations.length) return 'new';
  if (c.errors.some((e) => e.stage !== 'replay' && !c[e.side].explored)) return 'error';
  if (c.fixedViolations.length) return 'fixed';
  if (cut(c.before) || cut(c.after)) return 'incomplete';
  const changed = c.changedEndState.length + c.changedResults.length + c.changedEvents.added.length + c.changedEvents.removed.length + c.changedChecks.length;
  return changed ? 'changed' : 'same';
}

function violationView(kind: 'new' | 'fixed', id: string, v: NewViolation, traces: readonly CounterexampleKey[]): CompareViolationView {
  const side = kind === 'new' ? 'after' : 'before';
  const k = traces.findIndex((t) => t.scenario === id && t.invariant === v.invariant && t.known === v.known && t.side === side);
  return {
    kind, invariant: violationName(v), title: v.title, message: v.message,
    ...(v.file ? { at: `${v.file}${v.line ? `:${v.line}` : ''}${v.thread ? ` (${v.thread})` : ''}` } : {}),
    steps: v.steps, schedule: compactSchedule(v.schedule),
    ...(v.caveat ? { caveat: v.caveat } : {}),
    ...(k >= 0 ? { counterexample: k } : {}),
  };
}

function errorText(e: ScenarioComparison['errors'][number]): string {
  const what = e.stage === 'simulate' ? 'run' : e.stage === 'explore' ? 'be explored in' : 'replay the counterexample of';
  return `The ${e.side} tree could not ${what} this scenario (${e.name}): ${e.message}`;
}

function scenarioView(c: ScenarioComparison, traces: readonly CounterexampleKey[]): CompareScenarioView {
  return {
    id: c.id,
    tone: toneOf(c),
    verdict: scenarioVerdict(c),
    exploration: { before: explorationText(c.before), after: explorationText(c.after) },
    violations: [...c.newViolations.map((v) => violationView('new', c.id, v, traces)), ...c.fixedViolations.map((v) => violationView('fixed', c.id, v, traces))],
    endState: c.changedEndState.map((d) => ({ ...d })),
    results: c.changedResults.map((d) => ({ ...d })),
    events: { removed: [...c.changedEvents.removed], added: [...c.changedEvents.added] },
    checks: c.changedChecks.map((d) => ({ ...d })),
    errors: c.errors.map(errorText),
    unmodelled: c.after.unmodelled.filter((u) => !c.before.unmodelled.includes(u)),
  };
}

/** What bounded or stopped each exploration, scenario by scenario. */
function limitsOf(report: CompareReport): string[] {
  const out: string[] = [];
  for (const c of report.scenarios) {
    const parts = (['before', 'after'] as const).filter((s) => cut(c[s])).map((s) => `the ${s} tree's search was cut by ${boundsText(c[s])} after ${c[s].states} states`);
    if (parts.length) out.push(`${c.id}: not every interleaving was explored (${parts.join('; ')})${c.newViolations.length ? '' : ': no new violation was found within the bounds, which is not the same as none'}.`);
    const skipped = (['before', 'after'] as const).filter((s) => !c[s].explored);
    if (skipped.length) out.push(`${c.id}: the ${skipped.join(' and the ')} tree${skipped.length > 1 ? 's were' : ' was'} not explored (see the scenario's errors): nothing is known of its races.`);
  }
  return out;
}

/** The panel's report: the engine's report, its counterexamples (by key, in the host's order) and the patch's label. */
export function compareView(report: CompareReport, traces: readonly CounterexampleKey[], patch: string): CompareView {
  const n = report.scenarios.length;
  const incomplete = report.scenarios.filter((c) => cut(c.before) || cut(c.after)).length;
  const unexplored = report.scenarios.filter((c) => !c.before.explored || !c.after.explored).length;
  const summary = [
    `${plural(report.newViolations, 'new violation')}, ${report.fixed} fixed, in ${plural(n, 'scenario')}`,
    ...(incomplete ? [`${incomplete} of ${n} not explored completely (a bound was hit)`] : []),
    ...(unexplored ? [`${unexplored} of ${n} not explored at all on one side`] : []),
  ].join('; ');
  return {
    patch,
    before: report.labels.before,
    after: report.labels.after,
    applied: [...(report.patches?.applied ?? [])],
    skipped: [...(report.patches?.skipped ?? [])],
    notes: [...(report.patches?.notes ?? [])],
    summary,
    limits: limitsOf(report),
    scenarios: report.scenarios.map((c) => scenarioView(c, traces)),
    assumptions: [...report.assumptions],
  };
}

/**
 * What made the after tree, for the report: the patch, the files it touches that the tree lacks
 * (skipped: trees holding part of the kernel), and what else is wrong with it; the series' earlier
 * patches are in both trees.
 */
export function appliedNotes(patch: Pick<ReviewPatch, 'label' | 'files' | 'problems'>, earlier: string[]): { applied: string[]; skipped: string[]; notes: string[] } {
  const missing = patch.files.filter((f) => f.status !== undefined && f.status !== 'applied');
  const skipped = missing.map((f) => `${f.path}: ${f.reason === `${f.path} is not in the tree` ? 'not in the tree' : f.reason ?? f.status}`);
  const notes = [
    ...(earlier.length ? [`both trees have the series' earlier patch${earlier.length > 1 ? 'es' : ''} applied: ${earlier.join('; ')}`] : []),
    ...patch.problems.filter((p) => !missing.some((f) => p.startsWith(`${f.path}: `))),
  ];
  return { applied: [patch.label], skipped, notes };
}
