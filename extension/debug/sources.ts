/**
 * Between a trace's `file` references and files on disk: tree files are relative to the kernel
 * tree, `kpsim/<name>.c` is the model's own C (shipped with the extension, in `modelDir`).
 */
import * as path from 'path';
import { isModelFile } from '../run/traceText';

export interface SourceRoots {
  /** The kernel tree. */
  root: string;
  /** The directory that holds the model's kpsim/*.c. */
  modelDir: string;
}

/** The absolute path of a trace reference, or undefined if it would leave the tree. */
export function resolveTraceFile(roots: SourceRoots, file: string): string | undefined {
  if (isModelFile(file)) return path.join(roots.modelDir, path.basename(file));
  if (path.isAbsolute(file)) return undefined;
  const abs = path.resolve(roots.root, file);
  return isInside(roots.root, abs) ? abs : undefined;
}

/** The trace reference of a file on disk (a breakpoint's source), or undefined if it is neither. */
export function traceFileOf(roots: SourceRoots, abs: string): string | undefined {
  const p = path.resolve(abs);
  if (isInside(roots.modelDir, p) && path.dirname(p) === path.resolve(roots.modelDir) && p.endsWith('.c')) return `kpsim/${path.basename(p)}`;
  if (!isInside(roots.root, p)) return undefined;
  return path.relative(path.resolve(roots.root), p).split(path.sep).join('/');
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(path.resolve(dir), p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
