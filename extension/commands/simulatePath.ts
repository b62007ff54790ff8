import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { SCENARIOS, scenarioById } from '../engine/scenarios/catalog';
import { verdict } from '../engine/trace/ascii';
import { simulateInWorker } from '../run/simulateClient';
import { findTraceRoot, readPanelTrace, type PanelTraceFile } from '../run/panelTrace';
import { isPanelTrace, panelTraceProblem } from '../protocol';
import { type SimulationPanel, type SimulationPanels, candidateRoots } from '../views/simulationPanel';
import { TRACE_SCHEME } from '../views/traceDocument';
import { pickScenario, scenarioForFunction } from './scenarioPick';
import { isOpenTraceLocationArgs, isSimulatePathArgs } from './table';
import { currentTreeRoot, kernelRootOf, reportError } from './tree';

/** How many unmodelled calls the warning names before it says "and N more". */
const NAME_AT_MOST = 5;

/**
 * "Simulate this path" (code lens): runs the scenario that enters at the function (a quick pick
 * when several do; every scenario when none does) and shows it in the simulation panel beside the
 * editor. Returns the URI of the run's ASCII trace document (the panel's "Open as text"), or
 * undefined when nothing ran.
 */
export async function simulatePath(ctx: Ctx, panels: SimulationPanels, arg: unknown): Promise<vscode.Uri | undefined> {
  if (!isSimulatePathArgs(arg)) return simulateScenario(ctx, panels);
  const uri = vscode.Uri.parse(arg.uri);
  const root = kernelRootOf(uri);
  if (!root) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: ${uri.fsPath} is not inside a kernel tree (no mm/ above it) or a workspace folder.`);
    return undefined;
  }
  const id = arg.scenario ?? (await scenarioForFunction(arg.name, root, 'run'));
  if (id === undefined) return undefined;
  const column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === arg.uri)?.viewColumn ?? vscode.window.activeTextEditor?.viewColumn;
  return runScenario(ctx, panels, root, id, { sourceColumn: column });
}

/** Command palette: pick any scenario and run it on the current tree. */
export async function simulateScenario(ctx: Ctx, panels: SimulationPanels): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor;
  const root = (active && panels.traces.rootOf(active.document.uri)) ?? currentTreeRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: open a kernel tree (a folder with mm/) first.');
    return undefined;
  }
  const pick = await pickScenario(SCENARIOS, `Scenario to simulate on ${path.basename(root)}`);
  if (!pick) return undefined;
  const column = active && active.document.uri.scheme !== TRACE_SCHEME ? active.viewColumn : undefined;
  return runScenario(ctx, panels, root, pick, { sourceColumn: column });
}

/**
 * Runs a scenario in a worker (progress notification, cancel terminates it), recording the views
 * the panel draws. The panel opens beside the editor at once and shows the trace when it is ready;
 * the ASCII trace is kept as a read-only document the panel opens on request.
 */
export async function runScenario(
  ctx: Ctx,
  panels: SimulationPanels,
  root: string,
  scenarioId: string,
  opts: {
    sourceColumn?: vscode.ViewColumn;
    /** Files replaced in memory (a patch applied): tree-relative path -> text, null = deleted. */
    overrides?: Record<string, string | null>;
    /** What the tree is, said in messages: "v6.12.107 with [v1 04/12] applied". */
    label?: string;
    documentFor?: (rel: string) => vscode.Uri | undefined;
    /** Replay these scheduling decisions (a counterexample) instead of the default order. */
    schedule?: string[];
  },
): Promise<vscode.Uri | undefined> {
  const tCommand = Date.now();
  const what = `simulation of ${scenarioId} on ${opts.label ?? root}`;
  const scenario = scenarioById(scenarioId);
  if (!scenario) {
    reportError(ctx.output, what, new Error(`unknown scenario '${scenarioId}'; the scenarios are: ${SCENARIOS.map((s) => s.id).join(', ')}`));
    return undefined;
  }
  const tree = path.basename(root);
  const panel = panels.panelFor({ scenario: scenarioId, tree, root, sourceColumn: opts.sourceColumn, tCommand, documentFor: opts.documentFor, variant: opts.label });
  let outcome;
  try {
    // The panel paints first (its webview starts in the same browser as the workbench); then the work.
    await panel.whenReady(1000);
    panel.status(`Indexing ${tree}…`);
    const lookup = await ctx.lookup(root);
    panel.status(`Simulating "${scenario.title}" on ${tree}…`);
    outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Simulating "${scenario.title}" on ${tree}`, cancellable: true },
      (progress, token) =>
        simulateInWorker(
          path.join(ctx.extension.extensionPath, 'dist', 'simulateWorker.js'),
          { root, grammarDir: ctx.grammarDir, index: lookup.index, scenario: scenarioId, options: { views: true, schedule: opts.schedule }, overrides: opts.overrides },
          (message) => progress.report({ message }),
          token,
        ),
    );
  } catch (e) {
    // A panel that never got a trace goes; one showing an earlier run keeps it.
    panel.reuse(undefined);
    if (!panel.trace) panel.dispose();
    reportError(ctx.output, what, e);
    return undefined;
  }
  const { result, ascii } = outcome;
  ctx.output.info(`${what}: ${verdict(result)}, ${result.stats.steps} steps in ${result.stats.ms.toFixed(0)} ms`);

  const uri = panels.traces.add(root, scenarioId, ascii, opts.sourceColumn);
  if (!isPanelTrace(result)) {
    panel.reuse(undefined);
    if (!panel.trace) panel.dispose();
    reportError(ctx.output, what, new Error(`the trace of ${scenarioId} cannot be shown: ${panelTraceProblem(result)}`));
    return undefined;
  }
  panel.show(result as PanelTraceFile, -1, uri);

  // The engine reads the tree from disk: say so when the editor holds changes it did not see.
  const unsaved = opts.overrides ? [] : vscode.workspace.textDocuments
    .filter((d) => d.isDirty && d.uri.scheme === 'file' && /\.[ch]$/.test(d.uri.fsPath) && !path.relative(root, d.uri.fsPath).startsWith('..'))
    .map((d) => path.relative(root, d.uri.fsPath).split(path.sep).join('/'));
  if (unsaved.length) {
    void vscode.window.showWarningMessage(`Kernel Path Simulator: simulated the saved files; the unsaved changes in ${unsaved.join(', ')} are not in this trace.`);
  }
  if (result.unmodelled.length) {
    const named = result.unmodelled.slice(0, NAME_AT_MOST).map((u) => `${u.name} (${u.file}:${u.line})`);
    const more = result.unmodelled.length - named.length;
    void vscode.window.showWarningMessage(
      `Kernel Path Simulator: ${result.unmodelled.length} call${result.unmodelled.length === 1 ? ' is' : 's are'} not modelled, so the run stopped there: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`,
    );
  }
  return uri;
}

/**
 * "Open a saved trace…": a JSON trace (saved from the panel, or `kpsim simulate --json --views`)
 * in the simulation panel. `arg` may be the file's URI (the explorer, the tests); else a dialog
 * asks. A file that is not such a trace is refused with what is wrong with it.
 */
export async function openTrace(ctx: Ctx, panels: SimulationPanels, arg: unknown): Promise<SimulationPanel | undefined> {
  let uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' && arg ? vscode.Uri.file(arg) : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Open a saved kpsim trace', canSelectMany: false, openLabel: 'Open trace',
      filters: { 'kpsim trace': ['json'], 'All files': ['*'] }, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    uri = picked?.[0];
  }
  if (!uri) return undefined;
  // The panel's first paint is measured from here: the file is chosen.
  const tCommand = Date.now();
  const name = path.basename(uri.fsPath);
  let text: string;
  try {
    text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch (e) {
    reportError(ctx.output, `open ${uri.fsPath}`, e);
    return undefined;
  }
  const read = readPanelTrace(text);
  if ('error' in read) {
    ctx.output.warn(`open trace ${uri.fsPath}: ${read.error}`);
    void vscode.window.showErrorMessage(`Kernel Path Simulator: ${name} cannot be opened as a trace: ${read.error}.`);
    return undefined;
  }
  const trace = read.trace;
  const active = vscode.window.activeTextEditor;
  const root = findTraceRoot(trace.tree, candidateRoots([active?.document.uri.scheme === 'file' ? kernelRootOf(active.document.uri) : undefined]));
  const panel = panels.panelFor({ scenario: trace.scenario.id, tree: trace.tree, root, sourceColumn: active?.viewColumn, tCommand });
  panel.show(trace, -1);
  ctx.output.info(`opened trace ${uri.fsPath}: ${trace.scenario.id} on ${trace.tree}, ${trace.steps.length} steps${root ? ` (tree ${root})` : ' (its tree is not open)'}`);
  return panel;
}

/** A link in a trace: opens the file at the line in the editor group the run started from. */
export async function openTraceLocation(ctx: Ctx, arg: unknown): Promise<void> {
  if (!isOpenTraceLocationArgs(arg)) {
    ctx.output.warn(`openTraceLocation: ignored bad arguments ${JSON.stringify(arg)?.slice(0, 200)}`);
    return;
  }
  const active = vscode.window.activeTextEditor;
  let column = arg.column ?? vscode.ViewColumn.One;
  // Never cover the trace the link was clicked in.
  if (active?.document.uri.scheme === TRACE_SCHEME && active.viewColumn === column) column = vscode.ViewColumn.Beside;
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(arg.path));
    const line = Math.min(arg.line, doc.lineCount) - 1;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, selection: new vscode.Range(line, 0, line, 0), preview: true });
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  } catch (e) {
    reportError(ctx.output, `open ${arg.path}:${arg.line}`, e);
  }
}
