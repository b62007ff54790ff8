import * as fs from 'fs';
import * as path from 'path';
import { ParseCancelledError } from './backend';
import type { FunctionDetails, FunctionInfo, ParseProblem } from './functionIndex';
import type { ParserService } from './parserService';

/** The parts of a kernel tree the index reads. */
export const INDEX_DIRS = ['mm', 'include/linux', 'lib', 'drivers/gpu/drm/nouveau'];

export interface IndexedFile {
  /** Relative to the tree, with forward slashes. */
  path: string;
  bytes: number;
  parseMs: number;
  functions: FunctionInfo[];
  details: FunctionDetails[];
  problems: ParseProblem[];
  unreadable: number;
  /** Set when the file could not be parsed at all (time-out, unreadable). */
  failure?: string;
}

export interface TreeIndex {
  root: string;
  backend: string;
  files: IndexedFile[];
  seconds: number;
}

export interface IndexProgress {
  done: number;
  total: number;
  file: string;
}

export class TreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeError';
  }
}

/** .c and .h files under the index directories, sorted, relative to `root`. */
export function listSourceFiles(root: string, dirs: readonly string[] = INDEX_DIRS): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch {
    throw new TreeError(`no such directory: ${root}`);
  }
  if (!stat.isDirectory()) throw new TreeError(`not a directory: ${root}`);
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(r);
    }
  };
  for (const d of dirs) walk(d);
  out.sort();
  if (out.length === 0) {
    throw new TreeError(`no C files under ${dirs.join(', ')} in ${root}: is it a kernel tree?`);
  }
  return out;
}

export interface IndexOptions {
  dirs?: readonly string[];
  onProgress?: (p: IndexProgress) => void;
  isCancelled?: () => boolean;
}

/** Parses every source file of the tree once and records its functions. */
export function indexTree(parser: ParserService, root: string, options: IndexOptions = {}): TreeIndex {
  const t0 = performance.now();
  const files = listSourceFiles(root, options.dirs);
  const out: IndexedFile[] = [];
  files.forEach((rel, i) => {
    if (options.isCancelled?.()) throw new ParseCancelledError();
    options.onProgress?.({ done: i, total: files.length, file: rel });
    out.push(indexFile(parser, root, rel, options.isCancelled));
  });
  options.onProgress?.({ done: files.length, total: files.length, file: '' });
  return { root, backend: parser.backend.description, files: out, seconds: (performance.now() - t0) / 1000 };
}

export function indexFile(parser: ParserService, root: string, rel: string, isCancelled?: () => boolean): IndexedFile {
  return indexText(parser, rel, fs.readFileSync(path.join(root, rel), 'utf8'), isCancelled);
}

/** Indexes one file's text (a file of the tree, or a patched version of it held in memory). */
export function indexText(parser: ParserService, rel: string, text: string, isCancelled?: () => boolean): IndexedFile {
  const base = { path: rel, bytes: Buffer.byteLength(text), functions: [], details: [], problems: [], unreadable: 0 };
  try {
    const r = parser.analyse(text, { isCancelled });
    return { ...base, parseMs: r.parseMs, functions: r.functions, details: r.details, problems: r.problems, unreadable: r.unreadable };
  } catch (e) {
    if (e instanceof ParseCancelledError) throw e;
    if (e instanceof Error && e.name === 'ParseTimeoutError') return { ...base, parseMs: 0, failure: e.message };
    throw e;
  }
}

/**
 * The index of a tree with some files replaced in memory (a patch applied, never written): those
 * files are indexed from their new text, deleted ones (null) dropped, new C files under the
 * index directories added.
 */
export function overlayIndex(parser: ParserService, index: TreeIndex, texts: ReadonlyMap<string, string | null>, dirs: readonly string[] = INDEX_DIRS): TreeIndex {
  const indexed = (rel: string): boolean => /\.[ch]$/.test(rel) && dirs.some((d) => rel.startsWith(`${d}/`));
  const files = index.files.filter((f) => !texts.has(f.path));
  for (const [rel, text] of texts) {
    if (text !== null && indexed(rel)) files.push(indexText(parser, rel, text));
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...index, files };
}
