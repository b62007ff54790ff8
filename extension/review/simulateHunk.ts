import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { runScenario } from '../commands/simulatePath';
import { scenarioForFunction } from '../commands/scenarioPick';
import { isSimulateHunkArgs } from '../commands/table';
import type { SimulationPanels } from '../views/simulationPanel';
import { patchDocUri } from './patchUris';
import type { ReviewStore } from './store';

/**
 * "Simulate this path (before|after)" on a hunk: the scenario entering at the function, on the
 * tree without / with the patch (and the series' earlier patches), in memory. The panel opens
 * beside the diff and its highlighted line is in the image that ran.
 */
export async function simulateHunk(ctx: Ctx, panels: SimulationPanels, store: ReviewStore, arg: unknown): Promise<vscode.Uri | undefined> {
  if (!isSimulateHunkArgs(arg)) return undefined;
  const found = store.patch(arg);
  const root = found?.review.tree;
  if (!found || !root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: this patch is not open against a kernel tree; open the tree it applies to as a workspace folder and read the patch again.');
    return undefined;
  }
  const i = found.series.patches.indexOf(found.patch);
  const previous = i > 0 ? found.series.patches[i - 1] : undefined;
  const texts = arg.side === 'after' ? found.patch.texts : previous ? previous.texts : {};
  if (!texts) {
    const why = arg.side === 'after' ? `${found.patch.label} does not apply` : `${previous?.label ?? 'an earlier patch'} does not apply`;
    void vscode.window.showErrorMessage(`Kernel Path Simulator: cannot simulate ${arg.side} the patch: ${why}. ${found.patch.problems.join('; ')}`);
    return undefined;
  }
  const scenario = arg.scenario ?? (await scenarioForFunction(arg.name, root, 'run'));
  if (!scenario) return undefined;
  const mine = new Set(found.patch.files.map((f) => f.path));
  // Lines of files this patch changes are shown in its diff; earlier patches' files in theirs.
  const documentFor = (rel: string): vscode.Uri | undefined => {
    if (mine.has(rel)) return patchDocUri({ series: arg.series, patch: arg.patch, side: arg.side, path: rel });
    for (let k = (arg.side === 'after' ? i : i - 1); k >= 0; k--) {
      if (found.series.patches[k].files.some((f) => f.path === rel)) return patchDocUri({ series: arg.series, patch: k, side: 'after', path: rel });
    }
    return undefined;
  };
  const shortLabel = found.patch.label.replace(/\] .*/, ']');
  const label = `${path.basename(root)} ${arg.side === 'after' ? `with ${shortLabel}` : `before ${shortLabel}`}`;
  const column = vscode.window.activeTextEditor?.viewColumn;
  return runScenario(ctx, panels, root, scenario, { sourceColumn: column, overrides: texts, label, documentFor });
}
