/**
 * Saved traces for the simulation panel: reading one back (saying plainly what is wrong with a bad
 * file), finding the kernel tree its `file:line` references belong to, and where such a reference
 * is on disk. Pure (fs and path only), so the extension and the tests share it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { SimulationResult } from '../engine/simulate';
import { panelTraceProblem } from '../protocol';
import { isModelFile } from './traceText';

export type PanelTraceFile = SimulationResult & { views: NonNullable<SimulationResult['views']> };

/** A saved trace from its text: the trace, or why the panel cannot show it. */
export function readPanelTrace(text: string): { trace: PanelTraceFile } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const head = text.trimStart().slice(0, 1);
    return { error: `it is not JSON (${e instanceof Error ? e.message : String(e)})${head && head !== '{' ? '; a kpsim trace is a JSON object' : ''}` };
  }
  const problem = panelTraceProblem(data);
  return problem ? { error: problem } : { trace: data as PanelTraceFile };
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The kernel tree a trace was recorded on, among the trees at hand: a candidate (workspace folder,
 * the active editor's tree) whose directory is named like the trace's tree, else such a directory
 * inside a candidate or beside one (trees kept side by side: linux/v6.12, linux/v6.18). It must
 * have mm/. Undefined when none is open or near.
 */
export function findTraceRoot(treeName: string, candidates: readonly string[]): string | undefined {
  if (!treeName || treeName.includes('/') || treeName.includes('\\') || treeName === '..' || treeName === '.') return undefined;
  const ok = (dir: string): boolean => isDir(path.join(dir, 'mm'));
  const dirs = [...new Set(candidates.map((c) => path.resolve(c)))];
  for (const d of dirs) if (path.basename(d) === treeName && ok(d)) return d;
  for (const d of dirs) {
    const inside = path.join(d, treeName);
    if (ok(inside)) return inside;
  }
  for (const d of dirs) {
    const beside = path.join(path.dirname(d), treeName);
    if (ok(beside)) return beside;
  }
  return undefined;
}

/**
 * Where a trace reference is on disk: tree files under the kernel tree (never outside it),
 * `kpsim/<name>.c` in the model's kpsim/ directory (modelDir). Undefined when it cannot be placed.
 */
export function traceFilePath(file: string, root: string | undefined, modelDir: string): string | undefined {
  if (isModelFile(file)) return path.join(modelDir, path.basename(file));
  if (!root || !file || path.isAbsolute(file)) return undefined;
  const abs = path.resolve(root, file);
  const rel = path.relative(path.resolve(root), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? abs : undefined;
}
