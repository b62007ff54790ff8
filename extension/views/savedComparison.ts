/**
 * A comparison report kept for a window reload. The webview saves only the report's id (its state
 * must stay small: it is serialised on every save); the report, its text and its counterexample
 * traces are a JSON file in the extension's storage, removed when the panel closes.
 */
import * as vscode from 'vscode';
import type { SimulationResult } from '../engine/simulate';
import { isCompareView, isPanelTrace, isSavedReportId } from '../protocol';
import type { CompareView } from './compareView';

export interface SavedCounterexample {
  scenario: string;
  side: 'before' | 'after';
  /** "before [v1 04/12]", "with [v1 04/12]": the panel's title says which version ran. */
  variant: string;
  trace: SimulationResult;
}

export interface SavedComparison {
  v: 1;
  label: string;
  text: string;
  view: CompareView;
  /** The tree the comparison ran on. */
  root: string;
  /** Counterexample k (CompareViolationView.counterexample), or null when it could not be replayed. */
  counterexamples: (SavedCounterexample | null)[];
}

function isSavedCounterexample(x: unknown): x is SavedCounterexample {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.scenario === 'string' && (o.side === 'before' || o.side === 'after') && typeof o.variant === 'string' && isPanelTrace(o.trace);
}

/** A saved comparison as read back from disk: every field there, of its type (the file may be stale or edited). */
export function isSavedComparison(x: unknown): x is SavedComparison {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return o.v === 1 && typeof o.label === 'string' && typeof o.text === 'string' && typeof o.root === 'string' && isCompareView(o.view)
    && Array.isArray(o.counterexamples) && o.counterexamples.every((c) => c === null || isSavedCounterexample(c));
}

/**
 * The files of saved comparisons, in a folder of the extension's storage. A file is not removed when
 * its panel closes (a window reload closes panels too, and needs the file after): files older than
 * a week go when a new one is saved.
 */
export class ComparisonStore {
  constructor(private readonly dir: vscode.Uri) {}

  private file(id: string): vscode.Uri {
    if (!isSavedReportId(id)) throw new Error(`not a saved comparison id: ${String(id)}`);
    return vscode.Uri.joinPath(this.dir, `${id}.json`);
  }

  async save(id: string, c: SavedComparison): Promise<void> {
    await vscode.workspace.fs.createDirectory(this.dir);
    await this.prune(7 * 24 * 3600 * 1000);
    await vscode.workspace.fs.writeFile(this.file(id), new TextEncoder().encode(JSON.stringify(c)));
  }

  /** Removes the saved comparisons last written more than `ms` ago. */
  async prune(ms: number): Promise<void> {
    const now = Date.now();
    for (const [name, type] of await vscode.workspace.fs.readDirectory(this.dir)) {
      if (type !== vscode.FileType.File || !/^[a-z0-9-]{8,64}\.json$/.test(name)) continue;
      const f = vscode.Uri.joinPath(this.dir, name);
      if (now - (await vscode.workspace.fs.stat(f)).mtime > ms) await this.remove(name.slice(0, -5));
    }
  }

  /** The saved comparison, or why it cannot be had. */
  async load(id: string): Promise<SavedComparison | string> {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(this.file(id)));
    } catch (e) {
      return `no saved report ${id} (${e instanceof Error ? e.message : String(e)})`;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return `the saved report ${id} is not JSON`;
    }
    return isSavedComparison(data) ? data : `the saved report ${id} is not one this version can show`;
  }

  async remove(id: string): Promise<void> {
    try {
      await vscode.workspace.fs.delete(this.file(id));
    } catch {
      // Already gone: nothing to clean up.
    }
  }
}
