import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { showTrace } from '../commands/exploreRaces';
import { reportError } from '../commands/tree';
import { SCENARIOS } from '../engine/scenarios/catalog';
import { type CompareOutcome, compareInWorker } from '../run/compareClient';
import { scenariosFor } from '../run/scenarioChoice';
import type { SimulationPanels } from '../views/simulationPanel';
import { patchRefOf } from './composeReply';
import { patchDocUri } from './patchUris';
import type { ReviewStore } from './store';

/**
 * "Compare before/after" on a patch (or the last patch of a series): the scenarios that enter at the
 * functions the patch touches (all of them when none does) run and are explored on the tree without
 * and with the patch (and the series' earlier patches), in memory, in a worker. The plain-text
 * report opens beside (ready to paste into a reply); the first new violation's counterexample
 * animates in the panel, the others are a click away.
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
  let outcome: CompareOutcome;
  try {
    const lookup = await ctx.lookup(root);
    outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Comparing ${scenarios.length} scenario${scenarios.length > 1 ? 's' : ''} before/after ${label}`, cancellable: true },
      (progress, token) => compareInWorker(
        path.join(ctx.extension.extensionPath, 'dist', 'compareWorker.js'),
        { root, grammarDir: ctx.grammarDir, index: lookup.index, before, after, scenarios, labels, maxSeconds: vscode.workspace.getConfiguration('kernelPathSim.explore').get<number>('maxSeconds') ?? 60 },
        (message) => progress.report({ message }),
        token,
      ),
    );
  } catch (e) {
    reportError(ctx.output, `compare ${found.patch.label}`, e);
    return undefined;
  }
  ctx.output.info(`compare ${found.patch.label}: ${outcome.report.newViolations} new violation(s), ${outcome.report.fixed} fixed`);
  const doc = await vscode.workspace.openTextDocument({ content: outcome.text, language: 'plaintext' });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
  const mine = new Set(found.patch.files.map((f) => f.path));
  const documentFor = (rel: string): vscode.Uri | undefined => (mine.has(rel) ? patchDocUri({ ...ref, side: 'after', path: rel }) : undefined);
  const show = (k: number): void => {
    const t = outcome.traces[k];
    if (t) {
      showTrace(ctx, panels, root, t.trace, vscode.ViewColumn.One, `with ${label}`);
      // The lines that ran are the patched ones: the panel highlights them in the diff's images.
      const p = panels.all.find((x) => x.scenario === t.scenario && x.variant === `with ${label}`);
      p?.setDocumentFor(documentFor);
    }
  };
  if (outcome.traces.length) {
    show(0);
    const buttons = outcome.traces.slice(0, 3).map((t) => `${t.scenario}: ${t.invariant}`);
    void vscode.window.showWarningMessage(
      `Kernel Path Simulator: ${label} introduces ${outcome.report.newViolations} violation${outcome.report.newViolations > 1 ? 's' : ''}; the counterexample of ${buttons[0]} is in the panel.`,
      ...buttons,
    ).then((pick) => {
      const k = pick ? buttons.indexOf(pick) : -1;
      if (k >= 0) show(k);
    });
  } else {
    void vscode.window.showInformationMessage(`Kernel Path Simulator: ${label}: no new violation in ${scenarios.length} scenario${scenarios.length > 1 ? 's' : ''}${outcome.report.fixed ? `; it fixes ${outcome.report.fixed}` : ''}.`);
  }
  return outcome;
}
