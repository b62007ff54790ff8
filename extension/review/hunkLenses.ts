import * as vscode from 'vscode';
import { Commands, type SimulateHunkArgs } from '../commands/table';
import { hunkSpan } from '../patches/imageLines';
import { FAMILY } from '../parsing/lookup';
import { scenariosFor } from '../run/scenarioChoice';
import { PATCH_SCHEME, parsePatchDocUri } from './patchUris';
import type { ReviewStore } from './store';

/** A function the engine can run a scenario through (the device-exclusive family or a scenario's entry). */
export function engineKnows(name: string): boolean {
  return FAMILY.has(name) || scenariosFor(name).length > 0;
}

/**
 * Over each hunk of a patch's pre/post image that touches a function the engine knows:
 * "Simulate this path (before)" and "(after)". Before runs the tree as it is (with the series'
 * earlier patches applied), after runs it with this patch applied, both in memory.
 */
export class HunkLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly store: ReviewStore) {
    store.onDidChange(() => this.changed.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const ref = parsePatchDocUri(doc.uri);
    const found = ref && this.store.patch(ref);
    const file = found?.patch.files.find((f) => f.path === ref?.path);
    const fp = found?.patch.patch.diff.files.find((f) => f.path === ref?.path);
    if (!ref || !found || !file || !fp) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const h of file.hunks) {
      const span = hunkSpan(fp.hunks[h.index], file.hunkLines[h.index], ref.side === 'before' ? 'old' : 'new')
        ?? hunkSpan(fp.hunks[h.index], file.hunkLines[h.index], ref.side === 'before' ? 'new' : 'old');
      const line = Math.max(0, (span?.first ?? 1) - 1);
      const range = new vscode.Range(line, 0, line, 0);
      const touched = [...new Set([...h.functions.before, ...h.functions.after])];
      const known = touched.filter(engineKnows);
      if (!known.length) continue;
      for (const name of known) {
        const suffix = known.length > 1 ? `: ${name}` : '';
        for (const side of ['before', 'after'] as const) {
          const args: SimulateHunkArgs = { series: ref.series, patch: ref.patch, path: file.path, hunk: h.index, name, side };
          const blocked = this.blocked(found, side);
          lenses.push(new vscode.CodeLens(range, blocked
            ? { title: `Simulate this path (${side})${suffix}: ${blocked}`, tooltip: blocked, command: '' }
            : {
                title: `Simulate this path (${side})${suffix}`,
                tooltip: `Run the scenario entering at ${name} on ${found.review.tree} ${side === 'before' ? 'without this patch' : 'with this patch applied'} (in memory) and open the simulation panel beside the diff`,
                command: Commands.simulateHunk,
                arguments: [args],
              }));
        }
      }
    }
    return lenses;
  }

  /** Why a side cannot run, or undefined. */
  private blocked(found: NonNullable<ReturnType<ReviewStore['patch']>>, side: 'before' | 'after'): string | undefined {
    if (!found.review.tree) return 'no kernel tree open';
    if (side === 'after') return found.patch.applied ? undefined : 'the patch does not apply';
    const i = found.series.patches.indexOf(found.patch);
    return i === 0 || found.series.patches[i - 1].applied ? undefined : 'an earlier patch does not apply';
  }

  register(): vscode.Disposable {
    return vscode.languages.registerCodeLensProvider({ scheme: PATCH_SCHEME }, this);
  }
}
