import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type CliIo, CliError, type OpenTree } from './common';
import { type CompareExploreOptions, compactSchedule, counterexampleTimeline, wrap } from '../engine/explore/compare';
import type { Bound, ExploreResult } from '../engine/explore/explore';
import { invariantInfo } from '../engine/explore/invariants';
import { SCENARIOS } from '../engine/scenarios/catalog';
import type { DriverPreference, EngineTree, SimulationResult } from '../engine/simulate';
import { findGrammarDir } from '../parsing/grammarDir';
import type { BackendChoice } from '../parsing/load';
import { type ExploreJob, type ExploreOutcome, exploreInWorker, runExploreJob } from '../run/exploreClient';

/** The bounds and selection options explore and compare share. */
export interface BoundArgs {
  maxStates?: string;
  maxSeconds?: string;
  maxDepth?: string;
  maxPreemptions?: string;
  driver?: string;
  /** Count the known findings (knownFindings.ts) as violations. */
  noKnown?: boolean;
}

export interface SelectArgs {
  scenario?: string;
  all?: boolean;
  shard?: string;
  jobs?: string;
}

export interface ExploreArgs extends BoundArgs, SelectArgs {
  json: boolean;
  out?: string;
  backend: BackendChoice;
}

function positive(name: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new CliError(`--${name} wants a positive ${integer ? 'integer' : 'number'}, not '${v}'`);
  return n;
}

export function driverOf(a: BoundArgs): DriverPreference {
  const d = a.driver ?? 'auto';
  if (!['auto', 'test_hmm', 'nouveau', 'kpsim'].includes(d)) throw new CliError(`--driver must be auto, test_hmm, nouveau or kpsim, not '${d}'`);
  return d as DriverPreference;
}

export function boundOptions(a: BoundArgs): CompareExploreOptions {
  const o: CompareExploreOptions = {};
  const states = positive('max-states', a.maxStates, true);
  const seconds = positive('max-seconds', a.maxSeconds, false);
  const depth = positive('max-depth', a.maxDepth, true);
  // 0 preemptions is a meaningful bound (only the scheduler's own switches).
  let preemptions: number | undefined;
  if (a.maxPreemptions !== undefined) {
    preemptions = Number(a.maxPreemptions);
    if (!Number.isInteger(preemptions) || preemptions < 0) throw new CliError(`--max-preemptions wants an integer >= 0, not '${a.maxPreemptions}'`);
  }
  if (states !== undefined) o.maxStates = states;
  if (seconds !== undefined) o.maxSeconds = seconds;
  if (depth !== undefined) o.maxDepth = depth;
  if (preemptions !== undefined) o.maxPreemptions = preemptions;
  if (a.noKnown) o.known = false;
  return o;
}

/**
 * The scenarios asked for: `--scenario a,b` or `--all` (the catalog's order), then `--shard i/n`
 * keeps every n-th starting at the i-th (1-based), so a CI matrix of n jobs covers each once.
 */
export function selectScenarios(a: SelectArgs): { ids: string[]; single: boolean; shard?: { index: number; count: number } } {
  if (a.scenario !== undefined && a.all) throw new CliError('--scenario and --all exclude each other');
  if (a.scenario === undefined && !a.all) throw new CliError(`--scenario ID[,ID...] or --all is required; the scenarios are: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  let ids = a.all ? SCENARIOS.map((s) => s.id) : a.scenario!.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length || !ids.length) throw new CliError(`unknown scenario '${unknown.join("', '")}'; the scenarios are: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  ids = [...new Set(ids)];
  let shard: { index: number; count: number } | undefined;
  if (a.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(a.shard);
    const index = m ? Number(m[1]) : NaN;
    const count = m ? Number(m[2]) : NaN;
    if (!m || count < 1 || index < 1 || index > count) throw new CliError(`--shard wants i/n with 1 <= i <= n (like 2/3), not '${a.shard}'`);
    shard = { index, count };
    ids = ids.filter((_, k) => k % count === index - 1);
  }
  return { ids, single: !a.all && ids.length === 1 && !shard, shard };
}

export function jobCount(a: SelectArgs, tasks: number): number {
  const n = positive('jobs', a.jobs, true);
  return Math.max(1, Math.min(tasks, n ?? os.availableParallelism()));
}

/** The built worker beside the bundled CLI (dist/exploreWorker.js); KPSIM_EXPLORE_WORKER overrides. */
export function exploreWorkerScript(): string | undefined {
  const p = process.env.KPSIM_EXPLORE_WORKER ?? path.join(__dirname, 'exploreWorker.js');
  return fs.existsSync(p) ? p : undefined;
}

export interface JobTask {
  tree: EngineTree;
  job: Pick<ExploreJob, 'scenario' | 'kind' | 'options' | 'driver' | 'views'>;
}

export type JobResult = { ok: true; outcome: ExploreOutcome } | { ok: false; name: string; message: string };

/**
 * Runs the tasks, `jobs` at a time in worker threads when the built worker is there (from source
 * under tsx it is not: then one after the other in this thread). Results come in task order.
 */
export async function runTasks(tasks: JobTask[], jobs: number, backend: BackendChoice): Promise<JobResult[]> {
  const worker = jobs > 1 ? exploreWorkerScript() : undefined;
  const results: JobResult[] = new Array<JobResult>(tasks.length);
  const fail = (e: unknown): JobResult => ({ ok: false, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
  if (!worker) {
    tasks.forEach((t, k) => {
      try {
        results[k] = { ok: true, outcome: runExploreJob(t.tree, t.job) };
      } catch (e) {
        results[k] = fail(e);
      }
    });
    return results;
  }
  const grammarDir = findGrammarDir();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const k = next++;
      const { tree, job } = tasks[k];
      const overrides = tree.overrides ? Object.fromEntries(tree.overrides) : undefined;
      try {
        results[k] = { ok: true, outcome: await exploreInWorker(worker, { ...job, root: tree.root, grammarDir, backend, index: tree.lookup.index, overrides }) };
      } catch (e) {
        results[k] = fail(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, lane));
  return results;
}

export function boundsText(bounds: readonly { bound: Bound; limit: number }[]): string {
  return bounds.map((b) => `${b.bound} at ${b.limit}${b.bound === 'time' ? ' s' : ''}`).join(', ');
}

/** One scenario's exploration as the JSON output gives it. */
function scenarioJson(r: ExploreResult, traces: SimulationResult[], knownTraces: SimulationResult[]): unknown {
  return {
    scenario: r.scenario, tree: r.tree, states: r.states, transitions: r.transitions, pruned: r.pruned, heldBack: r.heldBack, ranAhead: r.ranAhead, seconds: r.seconds,
    complete: r.complete, bounds: r.bounds, maxDepth: r.maxDepth, endStates: r.endStates,
    unmodelled: r.unmodelled.map((u) => ({ name: u.name, file: u.file, line: u.line })),
    violations: r.violations.map((v, k) => ({
      invariant: v.invariant, title: invariantInfo(v.invariant)?.title ?? v.invariant, message: v.message,
      thread: v.thread ?? null, file: v.file ?? null, line: v.line ?? null, steps: v.steps, schedule: v.schedule, trace: traces[k],
    })),
    known: r.known.map((v, k) => ({
      id: v.known, invariant: v.invariant, title: v.title, why: v.why, message: v.message, steps: v.steps, schedule: v.schedule, trace: knownTraces[k],
    })),
    // A scenario built to break an invariant (a driver written wrong on purpose): what it showed, and what it did not.
    expected: r.expected.map((v) => ({ invariant: v.invariant, message: v.message, steps: v.steps, schedule: v.schedule })),
    missingExpected: r.missingExpected,
  };
}

/** What a scenario built to break an invariant showed ("" for the others). */
function expectedText(r: ExploreResult): string {
  const found = r.expected.length ? `; built to show ${r.expected.map((v) => v.invariant).join(', ')}: seen` : '';
  const missing = r.missingExpected.length ? `; built to show ${r.missingExpected.join(', ')}: NOT seen${r.complete ? '' : ' within the bounds'}` : '';
  return found + missing;
}

/** The one-line verdict; a bound hit never reads as "no violation". */
export function exploreVerdict(r: ExploreResult): string {
  const size = `${r.states} states, ${r.transitions} transitions, ${r.seconds.toFixed(1)} s`;
  const where = r.complete ? 'complete' : `incomplete: ${boundsText(r.bounds)}`;
  const expected = expectedText(r);
  if (r.violations.length) return `${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}: ${r.violations.map((v) => v.invariant).join(', ')} (${where}; ${size})${expected}`;
  const known = r.known.length ? `; known finding${r.known.length === 1 ? '' : 's'}: ${r.known.map((v) => v.known).join(', ')}` : '';
  if (!r.complete) return `no violation found within the bounds (${where}; ${size})${known}${expected}`;
  return `no violation (${where}: every interleaving explored; ${size})${known}${expected}`;
}

function scenarioText(r: ExploreResult, traces: SimulationResult[], knownTraces: SimulationResult[]): string[] {
  const out = [`${r.scenario} on ${r.tree}: ${exploreVerdict(r)}`];
  if (r.unmodelled.length) {
    out.push(...wrap(`not modelled, paths through them not followed: ${r.unmodelled.map((u) => `${u.name} at ${u.file}:${u.line}`).join('; ')}`, '    ', '  '));
  }
  r.violations.forEach((v, k) => {
    out.push('');
    out.push(`  ${v.invariant}: ${invariantInfo(v.invariant)?.title ?? ''}`);
    out.push(...wrap(v.message, '    '));
    if (v.file) out.push(`    seen at ${v.file}${v.line ? `:${v.line}` : ''}${v.thread ? ` (${v.thread})` : ''}`);
    out.push(...wrap(`${compactSchedule(v.schedule)} (${v.steps} decision${v.steps === 1 ? '' : 's'})`, '      ', '    schedule: '));
    out.push('');
    const t = traces[k];
    if (t) out.push(...counterexampleTimeline(t).trimEnd().split('\n').map((l) => (l ? `    ${l}` : l)));
  });
  // Known findings: real, explained, in the tree's own code; listed, not counted.
  r.known.forEach((v, k) => {
    out.push('');
    out.push(`  known finding ${v.known} (${v.invariant}): ${v.title}`);
    out.push(...wrap(v.message, '    '));
    out.push(...wrap(v.why, '    '));
    out.push(...wrap(`${compactSchedule(v.schedule)} (${v.steps} decision${v.steps === 1 ? '' : 's'})`, '      ', '    schedule: '));
    const t = knownTraces[k];
    if (t) {
      out.push('');
      out.push(...counterexampleTimeline(t).trimEnd().split('\n').map((l) => (l ? `    ${l}` : l)));
    }
  });
  return out;
}

/**
 * `kpsim explore`: every interleaving of a scenario's threads within the bounds, the invariants
 * checked at each step. Exit 0 when no violation and every exploration was complete, 1 when a
 * violation was found (or a scenario cannot run on the tree, or a scenario built to break an
 * invariant did not), 3 when a bound cut an exploration short without a violation.
 */
export async function runExplore(tree: OpenTree, a: ExploreArgs, io: CliIo): Promise<number> {
  const { ids, single, shard } = selectScenarios(a);
  const options = boundOptions(a);
  const driver = driverOf(a);
  const engineTree: EngineTree = { root: tree.root, lookup: tree.lookup, parser: tree.parser };
  const results = await runTasks(ids.map((scenario) => ({ tree: engineTree, job: { scenario, kind: 'explore', options, driver, views: a.json } })), jobCount(a, ids.length), a.backend);
  let code = 0;
  const worst = (c: number): void => void (code = c === 1 || code === 1 ? 1 : Math.max(code, c));
  const json: unknown[] = [];
  const text: string[] = [];
  results.forEach((r, k) => {
    const id = ids[k];
    if (!r.ok) {
      worst(1);
      json.push({ scenario: id, error: { name: r.name, message: r.message } });
      text.push(`${id}: cannot explore: ${r.message}`);
      if (single) io.err(`kpsim: ${r.message}`);
      return;
    }
    if (r.outcome.kind !== 'explore') throw new Error('an explore job came back as something else');
    const { result, traces, knownTraces } = r.outcome;
    // A scenario built to break an invariant that did not, over every interleaving: a failure too.
    worst(result.violations.length || (result.complete && result.missingExpected.length) ? 1 : result.complete ? 0 : 3);
    json.push(scenarioJson(result, traces, knownTraces));
    if (text.length) text.push('');
    text.push(...scenarioText(result, traces, knownTraces));
  });
  if (single && !results[0].ok) return 1;
  const doc = a.json
    ? JSON.stringify(single ? json[0] : { tree: path.basename(tree.root), shard: shard ? `${shard.index}/${shard.count}` : null, scenarios: json }, null, 2)
    : text.join('\n') + '\n';
  if (a.out) {
    fs.writeFileSync(a.out, doc);
    io.err(`kpsim: wrote ${a.out}`);
  } else io.out(doc);
  return code;
}
