import * as fs from 'fs';
import * as path from 'path';
import type { BackendTree, ParseOptions, ParserBackend, TextEdit } from './backend';
import {
  type FunctionDetails, type FunctionInfo, type ParseProblem,
  functionDetails, listFunctions, parseProblems, unreadableFraction,
} from './functionIndex';
import { blankKernelMacros } from './sanitize';
import type { CompiledQuery, SyntaxNode } from './syntax';

/** What one parse of a file yields, as plain data. */
export interface ParsedFile {
  functions: FunctionInfo[];
  problems: ParseProblem[];
  /** Fraction of the file's bytes the parser could not read (0..1). */
  unreadable: number;
  parseMs: number;
  incremental: boolean;
}

interface Entry {
  text: string;
  tree: BackendTree;
  parsed: ParsedFile;
  details?: FunctionDetails[];
}

export interface ServiceOptions {
  /** How many trees are kept; the least recently used is deleted first. */
  capacity?: number;
  timeoutMs?: number;
}

/** Reads a query from grammars/queries. */
export function readQuerySource(grammarDir: string, name: string): string {
  return fs.readFileSync(path.join(grammarDir, 'queries', `${name}.scm`), 'utf8');
}

/**
 * Owns one parser and the trees of the files it was asked about. Callers get plain data;
 * trees never leave this class, so it alone decides when they are freed.
 */
export class ParserService {
  private readonly entries = new Map<string, Entry>();
  private readonly capacity: number;
  private readonly timeoutMs: number;
  private readonly detailsQuery: CompiledQuery;

  constructor(readonly backend: ParserBackend, detailsQuerySource: string, options: ServiceOptions = {}) {
    this.capacity = options.capacity ?? 16;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.detailsQuery = backend.query(detailsQuerySource);
  }

  /** Parses `text` as the new content of `key`, re-using the previous tree of that key. */
  parse(key: string, rawText: string, options: ParseOptions = {}): ParsedFile {
    const text = blankKernelMacros(rawText);
    const old = this.entries.get(key);
    if (old && old.text === text) {
      this.touch(key, old);
      return old.parsed;
    }
    const t0 = performance.now();
    let tree: BackendTree;
    if (old) {
      old.tree.edit(editBetween(old.text, text));
      tree = this.backend.parse(text, old.tree, { timeoutMs: this.timeoutMs, ...options });
      old.tree.delete();
      this.entries.delete(key);
    } else {
      tree = this.backend.parse(text, undefined, { timeoutMs: this.timeoutMs, ...options });
    }
    const root = tree.rootNode;
    const parsed: ParsedFile = {
      functions: listFunctions(root),
      problems: parseProblems(root),
      unreadable: unreadableFraction(root),
      parseMs: performance.now() - t0,
      incremental: old !== undefined,
    };
    this.touch(key, { text, tree, parsed });
    return parsed;
  }

  /**
   * Parses (or re-uses the tree of) `key` and lends its root to `use`. The node must not be kept
   * after `use` returns: the tree may be freed by a later call.
   */
  withTree<T>(key: string, rawText: string, use: (root: SyntaxNode, parsed: ParsedFile) => T): T {
    const parsed = this.parse(key, rawText);
    const e = this.entries.get(key);
    if (!e) throw new Error(`tree of ${key} was evicted during its own parse`);
    return use(e.tree.rootNode, parsed);
  }

  /** Calls, labels and gotos of every function of a file parsed before (undefined if evicted). */
  details(key: string): FunctionDetails[] | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    e.details ??= functionDetails(e.tree.rootNode, e.parsed.functions, this.detailsQuery);
    return e.details;
  }

  /** Parses a file once, for an index: nothing is kept. */
  analyse(rawText: string, options: ParseOptions = {}): ParsedFile & { details: FunctionDetails[] } {
    const t0 = performance.now();
    const tree = this.backend.parse(blankKernelMacros(rawText), undefined, { timeoutMs: this.timeoutMs, ...options });
    try {
      const root = tree.rootNode;
      const functions = listFunctions(root);
      return {
        functions,
        details: functionDetails(root, functions, this.detailsQuery),
        problems: parseProblems(root),
        unreadable: unreadableFraction(root),
        parseMs: performance.now() - t0,
        incremental: false,
      };
    } finally {
      tree.delete();
    }
  }

  forget(key: string): void {
    this.entries.get(key)?.tree.delete();
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    for (const e of this.entries.values()) e.tree.delete();
    this.entries.clear();
    this.backend.dispose();
  }

  private touch(key: string, e: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.capacity) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      entry.tree.delete();
      this.entries.delete(oldest);
    }
  }
}

function pointAt(text: string, index: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

/**
 * The single edit that turns `before` into `after` (common prefix and suffix kept). Derived from
 * the texts rather than from editor events, so it is also right where blanking changed around an edit.
 */
export function editBetween(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let oldEnd = before.length;
  let newEnd = after.length;
  while (oldEnd > start && newEnd > start && before.charCodeAt(oldEnd - 1) === after.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  const startPosition = pointAt(before, start);
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition,
    oldEndPosition: pointAt(before, oldEnd),
    newEndPosition: pointAt(after, newEnd),
  };
}
