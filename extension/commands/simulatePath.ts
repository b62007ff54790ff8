import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { SCENARIOS, scenarioById } from '../engine/scenarios/catalog';
import type { Scenario } from '../engine/scenarios/types';
import { verdict } from '../engine/trace/ascii';
import { otherNames } from '../parsing/lookup';
import { scenariosFor } from '../run/scenarioChoice';
import { simulateInWorker } from '../run/simulateClient';
import { traceStepLines } from '../run/traceText';
import { TRACE_SCHEME, type TraceDocuments } from '../views/traceDocument';
import { isOpenTraceLocationArgs, isSimulatePathArgs } from './table';
import { currentTreeRoot, kernelRootOf, reportError } from './tree';

/** How many unmodelled calls the warning names before it says "and N more". */
const NAME_AT_MOST = 5;

type ScenarioItem = vscode.QuickPickItem & { id: string };

function pickScenario(scenarios: readonly Scenario[], placeHolder: string): Promise<ScenarioItem | undefined> {
  const items = scenarios.map((s): ScenarioItem => ({ id: s.id, label: s.id, description: s.title, detail: s.description }));
  return Promise.resolve(vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true }));
}

/**
 * "Simulate this path" (code lens): runs the scenario that enters at the function (a quick pick
 * when several do; every scenario when none does) and opens its trace beside the editor.
 * Returns the trace document's URI, or undefined when nothing ran.
 */
export async function simulatePath(ctx: Ctx, traces: TraceDocuments, arg: unknown): Promise<vscode.Uri | undefined> {
  if (!isSimulatePathArgs(arg)) return simulateScenario(ctx, traces);
  const uri = vscode.Uri.parse(arg.uri);
  const root = kernelRootOf(uri);
  if (!root) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: ${uri.fsPath} is not inside a kernel tree (no mm/ above it) or a workspace folder.`);
    return undefined;
  }
  let id = arg.scenario;
  if (id === undefined) {
    const fits = scenariosFor(arg.name);
    if (fits.length === 1) id = fits[0].id;
    else if (fits.length > 1) id = (await pickScenario(fits, `Scenario to run through ${arg.name} (${fits.length} enter there)`))?.id;
    else {
      void vscode.window.showInformationMessage(
        `Kernel Path Simulator: no scenario enters at ${arg.name} yet. The scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}.`,
      );
      id = (await pickScenario(SCENARIOS, `No scenario enters at ${arg.name}: pick any scenario to run on ${path.basename(root)}`))?.id;
    }
  }
  if (id === undefined) return undefined;
  const column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === arg.uri)?.viewColumn ?? vscode.window.activeTextEditor?.viewColumn;
  return runScenario(ctx, traces, root, id, { focus: [arg.name, ...otherNames(arg.name)], sourceColumn: column });
}

/** Command palette: pick any scenario and run it on the current tree. */
export async function simulateScenario(ctx: Ctx, traces: TraceDocuments): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor;
  const root = (active && traces.rootOf(active.document.uri)) ?? currentTreeRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: open a kernel tree (a folder with mm/) first.');
    return undefined;
  }
  const pick = await pickScenario(SCENARIOS, `Scenario to simulate on ${path.basename(root)}`);
  if (!pick) return undefined;
  const column = active && active.document.uri.scheme !== TRACE_SCHEME ? active.viewColumn : undefined;
  return runScenario(ctx, traces, root, pick.id, { sourceColumn: column });
}

/**
 * Runs a scenario in a worker (progress notification, cancel terminates it) and opens the trace
 * beside the editor, at the first step of a `focus` function when there is one.
 */
async function runScenario(
  ctx: Ctx,
  traces: TraceDocuments,
  root: string,
  scenarioId: string,
  opts: { focus?: string[]; sourceColumn?: vscode.ViewColumn },
): Promise<vscode.Uri | undefined> {
  const what = `simulation of ${scenarioId} on ${root}`;
  let outcome;
  try {
    const lookup = await ctx.lookup(root);
    const title = scenarioById(scenarioId)?.title;
    outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Simulating ${title ? `"${title}"` : scenarioId} on ${path.basename(root)}`, cancellable: true },
      (progress, token) =>
        simulateInWorker(
          path.join(ctx.extension.extensionPath, 'dist', 'simulateWorker.js'),
          { root, grammarDir: ctx.grammarDir, index: lookup.index, scenario: scenarioId },
          (message) => progress.report({ message }),
          token,
        ),
    );
  } catch (e) {
    reportError(ctx.output, what, e);
    return undefined;
  }
  const { result, ascii } = outcome;
  ctx.output.info(`${what}: ${verdict(result)}, ${result.stats.steps} steps in ${result.stats.ms.toFixed(0)} ms`);

  const uri = traces.add(root, scenarioId, ascii, opts.sourceColumn);
  const doc = await vscode.workspace.openTextDocument(uri);
  const focus = traceStepLines(ascii).find((s) => opts.focus?.includes(s.fn));
  const at = focus ? new vscode.Range(focus.line, 0, focus.line, 0) : undefined;
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, selection: at });

  // The engine reads the tree from disk: say so when the editor holds changes it did not see.
  const unsaved = vscode.workspace.textDocuments
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
