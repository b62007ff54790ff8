import type { CompiledQuery, SyntaxTree } from './syntax';

/** A byte-range edit, as tree-sitter's `Tree.edit` takes it. */
export interface TextEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: { row: number; column: number };
  oldEndPosition: { row: number; column: number };
  newEndPosition: { row: number; column: number };
}

export interface BackendTree extends SyntaxTree {
  edit(e: TextEdit): void;
  /** Frees the tree (WASM trees are not garbage collected). */
  delete(): void;
}

export interface ParseOptions {
  /** Abandon the parse after this long; `parse` then throws ParseTimeoutError. */
  timeoutMs?: number;
  /** Polled during the parse; returning true abandons it (ParseCancelledError). */
  isCancelled?: () => boolean;
}

export type BackendKind = 'wasm' | 'native';

/** One tree-sitter runtime with the C grammar loaded. */
export interface ParserBackend {
  readonly kind: BackendKind;
  /** e.g. "web-tree-sitter 0.27.1, tree-sitter-c ABI 15" */
  readonly description: string;
  parse(text: string, oldTree?: BackendTree, options?: ParseOptions): BackendTree;
  query(source: string): CompiledQuery;
  dispose(): void;
}

export class ParseTimeoutError extends Error {
  constructor(readonly timeoutMs: number, readonly what: string) {
    super(`parsing ${what} took longer than ${timeoutMs} ms and was abandoned`);
    this.name = 'ParseTimeoutError';
  }
}

export class ParseCancelledError extends Error {
  constructor() {
    super('parse cancelled');
    this.name = 'ParseCancelledError';
  }
}

/**
 * The parser runtime itself failed (the WASM module aborted, the grammar did not load).
 * Never turned into "no functions": callers show it to the user.
 */
export class ParserDeadError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'ParserDeadError';
  }
}

/** Builds the progress callback both runtimes accept: returning true stops the parse. */
export function stopper(options: ParseOptions | undefined): { check: () => boolean; reason: () => 'timeout' | 'cancel' | undefined } {
  const deadline = options?.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
  let reason: 'timeout' | 'cancel' | undefined;
  return {
    check: () => {
      if (options?.isCancelled?.()) reason = 'cancel';
      else if (Date.now() > deadline) reason = 'timeout';
      return reason !== undefined;
    },
    reason: () => reason,
  };
}
