import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { reportError } from '../commands/tree';
import { SCENARIOS } from '../engine/scenarios/catalog';
import { isPanelTrace } from '../protocol';
import { type CompareOutcome, compareInWorker } from '../run/compareClient';
import type { PanelTraceFile } from '../run/panelTrace';
import { scenariosFor } from '../run/scenarioChoice';
import { appliedNotes, compareView } from '../views/compareView';
import type { PanelComparison, SimulationPanel, SimulationPanels } from '../views/simulationPanel';
import { patchRefOf } from './composeReply';
import { patchDocUri } from './patchUris';
import type { ReviewStore } from './store';

/**
 * "Compare before/after" on a patch (or the last patch of a series): the scenarios that enter at the
 * functions the patch touches (all of them when none does) run and are explored on the tree without
 * and with the patch (and the series' earlier patches), in memory, in a worker. The report opens
 * in the simulation panel, each counterexample a click away (and back); the plain text for a mail
 * reply is copied or opened from there, or from the notification.
 */
export async function compareBeforeAfter(ctx: Ctx, panels: SimulationPanels, store: ReviewStore, arg: unknown): Promise<CompareOutcome | undefined> {
  let ref = patchRefOf(arg);
  if (!ref && typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'series') {
    const s = (arg as { series: { series: { id: string }; patches: unknown[] } }).series;
    ref = { series: s.series.id, patch: s.patches.length - 1 };
  }
  const found = ref && store.patch(ref);
  const root = found?.review.tree;
  if (!found || !ref || !root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: pick a patch that was read against an open kernel tree.');
    return undefined;
  }
  const i = found.series.patches.indexOf(found.patch);
  const after = found.patch.texts;
  const before = i > 0 ? found.series.patches[i - 1].texts : {};
  if (!after || !before) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: nothing to compare: ${!after ? found.patch.label : found.series.patches[i - 1].label} does not apply, and nothing is compared on half-applied code. ${found.patch.problems.join('; ')}`);
    return undefined;
  }
  const touched = new Set(found.patch.files.flatMap((f) => f.hunks.flatMap((h) => [...h.functions.before, ...h.functions.after])));
  const fits = SCENARIOS.filter((s) => [...touched].some((n) => scenariosFor(n).includes(s))).map((s) => s.id);
  const scenarios = fits.length ? fits : SCENARIOS.map((s) => s.id);
  const label = found.patch.label.replace(/\] .*/, ']');
  const labels = { before: `${path.basename(root)}${i > 0 ? ` + ${i} patch${i > 1 ? 'es' : ''}` : ''}`, after: `${path.basename(root)} with ${label}` };
  const patches = appliedNotes(found.patch, found.series.patches.slice(0, i).map((p) => p.label));
  let outcome: CompareOutcome;
  try {
    const lookup = await ctx.lookup(root);
    outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Comparing ${scenarios.length} scenario${scenarios.length > 1 ? 's' : ''} before/after ${label}`, cancellable: true },
      (progress, token) => compareInWorker(
        path.join(ctx.extension.extensionPath, 'dist', 'compareWorker.js'),
        { root, grammarDir: ctx.grammarDir, index: lookup.index, before, after, scenarios, labels, patches, maxSeconds: vscode.workspace.getConfiguration('kernelPathSim.explore').get<number>('maxSeconds') ?? 60 },
        (message) => progress.report({ message }),
        token,
      ),
    );
  } catch (e) {
    reportError(ctx.output, `compare ${found.patch.label}`, e);
    return undefined;
  }
  ctx.output.info(`compare ${found.patch.label}: ${outcome.report.newViolations} new violation(s), ${outcome.report.fixed} fixed`);
  const mine = new Set(found.patch.files.map((f) => f.path));
  // The lines that ran are the patch's images: the panel highlights them in the diff's documents.
  const documentsOf = (side: 'before' | 'after') => (rel: string): vscode.Uri | undefined => (mine.has(rel) ? patchDocUri({ ...ref, side, path: rel }) : undefined);
  const sourceColumn = vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
  const view = compareView(outcome.report, outcome.traces, found.patch.label);
  const variantOf = (side: 'before' | 'after'): string => `${side === 'after' ? 'with' : 'before'} ${label}`;
  const comparison: PanelComparison = {
    view,
    text: outcome.text,
    label,
    counterexample: (k) => {
      const t = outcome.traces[k];
      if (!t || !isPanelTrace(t.trace)) return undefined;
      return { trace: t.trace as PanelTraceFile, init: { scenario: t.scenario, tree: t.trace.tree, root, sourceColumn, variant: variantOf(t.side), documentFor: documentsOf(t.side) } };
    },
    saved: {
      v: 1, label, text: outcome.text, view, root,
      counterexamples: outcome.traces.map((t) => (isPanelTrace(t.trace) ? { scenario: t.scenario, side: t.side, variant: variantOf(t.side), trace: t.trace } : null)),
    },
  };
  const init = { scenario: scenarios[0], tree: path.basename(root), root, sourceColumn, heading: { title: `Compare before/after ${label}`, status: 'Loading the report…' } };
  let panel = panels.showComparison(comparison, init);
  // The notification's buttons lead to the panel (opened again if it was closed meanwhile).
  const inPanel = (): SimulationPanel => {
    if (panel.isDisposed || panel.comparison !== comparison) panel = panels.showComparison(comparison, init);
    panel.webviewPanel.reveal(undefined, true);
    return panel;
  };
  // Scenario names make long labels that notification buttons cut, and a toast fits two buttons:
  // one shows the first counterexample, the other picks among them all (the report offers the text).
  const asText = 'Open as text';
  const showFirst = 'Show counterexample';
  const pickOne = 'Pick one…';
  const counterexamples = (kind: 'new' | 'fixed') => comparison.view.scenarios.flatMap((s) => s.violations.flatMap((v) => (v.kind === kind && v.counterexample !== undefined
    ? [{ label: `${s.id}: ${v.invariant}`, description: v.title, detail: v.message, k: v.counterexample }] : [])));
  const notify = (show: typeof vscode.window.showWarningMessage, message: string, kind: 'new' | 'fixed'): void => {
    const items = counterexamples(kind);
    const buttons = items.length > 1 ? [showFirst, pickOne] : items.length ? [showFirst, asText] : [asText];
    void show(message, ...buttons).then(async (pick) => {
      if (pick === asText) await inPanel().openReportText();
      else if (pick === showFirst) inPanel().showCounterexample(items[0].k);
      else if (pick === pickOne) {
        const item = await vscode.window.showQuickPick(items, { placeHolder: `The counterexample to show in the panel (${kind} violations of ${label})`, matchOnDescription: true });
        if (item) inPanel().showCounterexample(item.k);
      }
    });
  };
  const n = outcome.report.newViolations;
  const incomplete = outcome.report.scenarios.filter((c) => !c.before.complete || !c.after.complete).length;
  const cut = incomplete ? ` ${incomplete} of ${scenarios.length} scenario${scenarios.length > 1 ? 's' : ''} ${incomplete > 1 ? 'were' : 'was'} not explored completely (a bound was hit).` : '';
  if (n) {
    notify(vscode.window.showWarningMessage, `Kernel Path Simulator: ${label} introduces ${n} violation${n > 1 ? 's' : ''}; the report is in the panel, each counterexample a click away.${cut}`, 'new');
  } else {
    const fixed = outcome.report.fixed ? `; it fixes ${outcome.report.fixed}` : '';
    const none = incomplete ? 'no new violation found within the bounds' : 'no new violation';
    notify(vscode.window.showInformationMessage, `Kernel Path Simulator: ${label}: ${none} in ${scenarios.length} scenario${scenarios.length > 1 ? 's' : ''}${fixed}; the report is in the panel.${cut}`, 'fixed');
  }
  return outcome;
}
