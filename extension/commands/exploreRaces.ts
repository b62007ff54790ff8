import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { SCENARIOS, scenarioById } from '../engine/scenarios/catalog';
import type { ExploreResult, Violation } from '../engine/explore/explore';
import { invariantInfo } from '../engine/explore/invariants';
import type { SimulationResult } from '../engine/simulate';
import { renderAscii } from '../engine/trace/ascii';
import { exploreInWorker } from '../run/exploreClient';
import type { PanelTraceFile } from '../run/panelTrace';
import { isPanelTrace } from '../protocol';
import type { SimulationPanels } from '../views/simulationPanel';
import { pickScenario, scenarioForFunction } from './scenarioPick';
import { isLensArgs } from './table';
import { currentTreeRoot, kernelRootOf, reportError } from './tree';

export interface ExploreOutcome {
  result: ExploreResult;
  /** The counterexample shown in the panel, if any. */
  shown?: Violation;
}

/** The seconds an exploration may take (setting), per scenario. */
function maxSeconds(): number {
  return vscode.workspace.getConfiguration('kernelPathSim.explore').get<number>('maxSeconds') ?? 60;
}

export function boundsText(r: ExploreResult): string {
  return r.bounds.map((b) => `${b.bound}${b.limit ? ` at ${b.limit}` : ''}`).join(', ');
}

/** Starts the kpsim debugger on a counterexample: the same run, step by step, both ways. */
export function debugCounterexample(root: string, scenario: string, v: Violation): Thenable<boolean> {
  return vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
    type: 'kpsim', request: 'launch', name: `Counterexample: ${scenario} (${v.invariant})`, tree: root, scenario, schedule: v.schedule, stopOnEntry: true,
  });
}

/** Shows a counterexample's trace in the simulation panel beside the editor. */
export function showTrace(ctx: Ctx, panels: SimulationPanels, root: string, trace: SimulationResult, column?: vscode.ViewColumn, variant?: string): void {
  const id = trace.scenario.id;
  if (!isPanelTrace(trace)) {
    ctx.output.warn(`counterexample of ${id}: the trace cannot be shown in the panel`);
    return;
  }
  const uri = panels.traces.add(root, trace.scenario.id, renderAscii(trace), column);
  const panel = panels.panelFor({ scenario: trace.scenario.id, tree: trace.tree, root, sourceColumn: column, variant });
  panel.show(trace as PanelTraceFile, -1, uri);
}

/**
 * "Explore races" (code lens and palette): every interleaving of the scenario entering at the
 * function, in a worker (progress, cancel). The shortest counterexample of the first invariant that
 * breaks animates in the panel; "Debug counterexample" steps through it in the debugger.
 */
export async function exploreRaces(ctx: Ctx, panels: SimulationPanels, arg: unknown): Promise<ExploreOutcome | undefined> {
  const fromLens = isLensArgs(arg) ? arg : undefined;
  const uri = fromLens ? vscode.Uri.parse(fromLens.uri) : undefined;
  const root = (uri && kernelRootOf(uri)) ?? currentTreeRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: open a kernel tree (a folder with mm/) first.');
    return undefined;
  }
  const given = typeof arg === 'object' && arg !== null && typeof (arg as { scenario?: unknown }).scenario === 'string' ? (arg as { scenario: string }).scenario : undefined;
  const scenario = given ?? (fromLens ? await scenarioForFunction(fromLens.name, root, 'explore') : await pickScenario(SCENARIOS, `Scenario whose races to explore on ${path.basename(root)}`));
  if (!scenario) return undefined;
  const sc = scenarioById(scenario);
  const column = vscode.window.activeTextEditor?.viewColumn;
  const what = `exploring ${scenario} on ${root}`;
  let outcome;
  try {
    const lookup = await ctx.lookup(root);
    outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exploring the races of "${sc?.title ?? scenario}"`, cancellable: true },
      (progress, token) => exploreInWorker(
        path.join(ctx.extension.extensionPath, 'dist', 'exploreWorker.js'),
        { root, grammarDir: ctx.grammarDir, index: lookup.index, scenario, kind: 'explore', options: { maxSeconds: maxSeconds() } },
        (p) => progress.report({ message: p.message }),
        token,
      ),
    );
  } catch (e) {
    reportError(ctx.output, what, e);
    return undefined;
  }
  if (outcome.kind !== 'explore') return undefined;
  const { result, traces, knownTraces } = outcome;
  const summary = `${result.states} states, ${result.transitions} transitions in ${result.seconds.toFixed(1)} s${result.complete ? ', complete' : ` (incomplete: ${boundsText(result)})`}`;
  ctx.output.info(`${what}: ${summary}; ${result.violations.length} violation(s)${result.expected.length ? `, ${result.expected.length} expected` : ''}`);
  for (const v of [...result.violations, ...result.expected]) ctx.output.info(`  ${v.invariant} after ${v.steps} scheduling decisions: ${v.message} [schedule ${v.schedule.join(',')}]`);
  for (const v of result.known) ctx.output.info(`  known finding ${v.known} (${v.invariant}) after ${v.steps} scheduling decisions: ${v.message} — ${v.why} [schedule ${v.schedule.join(',')}]`);
  if (!result.violations.length) {
    const expected = result.expected.length ? ` It shows what it was built to show: ${result.expected.map((v) => invariantInfo(v.invariant)?.title ?? v.invariant).join(', ')}.` : '';
    const missing = result.missingExpected.length ? ` It was built to break ${result.missingExpected.join(', ')}, which did not break.` : '';
    const k = result.known[0];
    const known = k ? ` Known finding in the tree's own code: ${k.title} (${k.invariant}; details in the output).` : '';
    const done = (pick: string | undefined): void => {
      if (pick === 'Show known finding' && knownTraces[0]) showTrace(ctx, panels, root, knownTraces[0], column);
    };
    const buttons = k && knownTraces[0] ? ['Show known finding'] : [];
    if (result.complete) void vscode.window.showInformationMessage(`Kernel Path Simulator: no violation in any interleaving of ${scenario} (${summary}).${expected}${missing}${known}`, ...buttons).then(done);
    else void vscode.window.showWarningMessage(`Kernel Path Simulator: no violation found within the bounds of ${scenario} — not every interleaving was explored (${summary}).${expected}${missing}${known}`, ...buttons).then(done);
    return { result };
  }
  const v = result.violations[0];
  const trace = traces[0];
  if (trace) showTrace(ctx, panels, root, trace, column);
  const more = result.violations.length > 1 ? ` (and ${result.violations.slice(1).map((x) => x.invariant).join(', ')})` : '';
  void vscode.window.showWarningMessage(
    `Kernel Path Simulator: ${scenario} breaks "${invariantInfo(v.invariant)?.title ?? v.invariant}"${more}: ${v.message} — shortest counterexample: ${v.steps} scheduling decisions (${summary}).`,
    'Debug counterexample',
  ).then((pick) => (pick ? debugCounterexample(root, scenario, v) : undefined));
  return { result, shown: v };
}
