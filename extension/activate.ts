import * as path from 'path';
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { Commands } from './commands/table';
import { showCallPath, showPath } from './commands/showCallPath';
import { openTrace, openTraceLocation, simulatePath, simulateScenario } from './commands/simulatePath';
import { exploreRaces } from './commands/exploreRaces';
import { kernelRootOf } from './commands/tree';
import { registerDebug } from './debug/register';
import { type ReviewFeature, registerReview } from './review/register';
import { registerCodeLens } from './views/codeLens';
import { SimulationPanels } from './views/simulationPanel';
import { TraceDocuments } from './views/traceDocument';

/** Wires the features together. Nothing heavy here: the grammar loads on first use. */
export function activate(extension: vscode.ExtensionContext): { ctx: Ctx; panels: SimulationPanels; review: ReviewFeature } {
  const ctx = new Ctx(extension);
  const traces = new TraceDocuments(extension.extensionUri);
  const panels = new SimulationPanels(ctx, traces);
  const review = registerReview(ctx, panels);
  extension.subscriptions.push(
    ctx,
    registerCodeLens(ctx),
    traces.register(),
    panels.register(),
    registerDebug(ctx),
    review.disposable,
    vscode.commands.registerCommand(Commands.simulatePath, (arg: unknown) => simulatePath(ctx, panels, arg)),
    vscode.commands.registerCommand(Commands.simulateScenario, () => simulateScenario(ctx, panels)),
    vscode.commands.registerCommand(Commands.exploreRaces, (arg: unknown) => exploreRaces(ctx, panels, arg)),
    vscode.commands.registerCommand(Commands.openTrace, (arg: unknown) => openTrace(ctx, panels, arg)),
    vscode.commands.registerCommand(Commands.showCallPath, (arg: unknown) => showCallPath(ctx, arg)),
    vscode.commands.registerCommand(Commands.showPath, () => showPath(ctx)),
    vscode.commands.registerCommand(Commands.openTraceLocation, (arg: unknown) => openTraceLocation(ctx, arg)),
    vscode.commands.registerCommand(Commands.reindexTree, () => ctx.forgetIndexes()),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (!/\.[ch]$/.test(doc.uri.fsPath)) return;
      const root = kernelRootOf(doc.uri);
      if (root && !path.relative(root, doc.uri.fsPath).startsWith('..')) void ctx.refreshFile(root, doc.uri.fsPath);
    }),
  );
  return { ctx, panels, review: review.feature };
}

export function deactivate(): void {}
