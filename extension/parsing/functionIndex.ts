import { createHash } from 'crypto';
import type { CompiledQuery, SyntaxNode } from './syntax';

export interface Param {
  name: string;
  /** The declaration as written, e.g. "struct folio **foliop". */
  text: string;
}

/** A function definition found in one file. Plain data: it outlives the syntax tree. */
export interface FunctionInfo {
  name: string;
  /** Declaration up to the body, whitespace collapsed. */
  signature: string;
  params: Param[];
  /** 1-based line where the definition starts (the return type). */
  startLine: number;
  /** 1-based line of the function's name (differs when the type stands on the line before). */
  nameLine: number;
  /** 1-based last line (the closing brace). */
  endLine: number;
  startIndex: number;
  endIndex: number;
  /** Short hash of the body text: tells two versions of a function apart. */
  bodyHash: string;
}

export interface Site {
  name: string;
  /** 1-based */
  line: number;
}

export interface FunctionDetails {
  /** Direct calls, in source order (one per call site). */
  calls: Site[];
  /** Calls through a struct member (`ops->invalidate(...)`), by member name. */
  indirectCalls: Site[];
  labels: Site[];
  gotos: Site[];
}

export interface ParseProblem {
  kind: 'error' | 'missing';
  line: number;
  /** The text of the unreadable region (first line only). */
  text: string;
}

/** Node types whose children may hold function definitions (bodies are never entered). */
const CONTAINERS = new Set([
  'translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'declaration_list', 'ERROR',
]);

const DECLARATOR_WRAPPERS = new Set(['pointer_declarator', 'attributed_declarator', 'parenthesized_declarator']);

function functionDeclarator(def: SyntaxNode): SyntaxNode | null {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') {
    if (!DECLARATOR_WRAPPERS.has(d.type)) return null;
    d = d.childForFieldName('declarator') ?? d.namedChildren[0] ?? null;
  }
  return d;
}

function declaredName(d: SyntaxNode | null): string | undefined {
  while (d) {
    if (d.type === 'identifier' || d.type === 'field_identifier') return d.text;
    d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  }
  return undefined;
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function describe(def: SyntaxNode): FunctionInfo | undefined {
  const fd = functionDeclarator(def);
  const nameNode = fd?.childForFieldName('declarator');
  if (!fd || !nameNode || nameNode.type !== 'identifier') return undefined;
  const body = def.childForFieldName('body');
  if (!body) return undefined;
  const paramList = fd.childForFieldName('parameters');
  const params: Param[] = [];
  for (const p of paramList?.namedChildren ?? []) {
    if (p.type !== 'parameter_declaration' && p.type !== 'variadic_parameter') continue;
    const name = declaredName(p.childForFieldName('declarator')) ?? '';
    if (p.type === 'parameter_declaration' && name === '' && p.text.trim() === 'void') continue;
    params.push({ name, text: collapse(p.text) });
  }
  const sigText = def.text.slice(0, body.startIndex - def.startIndex);
  return {
    name: nameNode.text,
    signature: collapse(sigText),
    params,
    startLine: def.startPosition.row + 1,
    nameLine: nameNode.startPosition.row + 1,
    endLine: def.endPosition.row + 1,
    startIndex: def.startIndex,
    endIndex: def.endIndex,
    bodyHash: createHash('sha1').update(body.text).digest('hex').slice(0, 12),
  };
}

/**
 * Every function definition in the file. Walks the top level and preprocessor blocks only,
 * never a function body: this is what code lenses need and it costs ~2 ms on mm/memory.c.
 */
export function listFunctions(root: SyntaxNode): FunctionInfo[] {
  const out: FunctionInfo[] = [];
  const cursor = root.walk();
  const visit = (): void => {
    const node = cursor.currentNode;
    if (node.type === 'function_definition') {
      const f = describe(node);
      if (f) out.push(f);
      return;
    }
    if (!CONTAINERS.has(node.type)) return;
    if (cursor.gotoFirstChild()) {
      do visit();
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  (cursor as { delete?: () => void }).delete?.();
  return out;
}

/** Calls, labels and gotos of each function, from one query run over the whole file. */
export function functionDetails(root: SyntaxNode, functions: readonly FunctionInfo[], query: CompiledQuery): FunctionDetails[] {
  const details = functions.map((): FunctionDetails => ({ calls: [], indirectCalls: [], labels: [], gotos: [] }));
  if (functions.length === 0) return details;
  const starts = functions.map((f) => f.startIndex);
  for (const { name, node } of query.captures(root)) {
    const i = owner(starts, node.startIndex);
    if (i < 0 || node.startIndex >= functions[i].endIndex) continue;
    const site = { name: node.text, line: node.startPosition.row + 1 };
    const d = details[i];
    if (name === 'call.direct') d.calls.push(site);
    else if (name === 'call.indirect') d.indirectCalls.push(site);
    else if (name === 'label') d.labels.push(site);
    else if (name === 'goto') d.gotos.push(site);
  }
  return details;
}

/** Index of the last start <= at (functions are sorted by position). */
function owner(starts: readonly number[], at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= at) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** ERROR and MISSING nodes; only subtrees that contain an error are entered. */
export function parseProblems(root: SyntaxNode, limit = 1000): ParseProblem[] {
  const out: ParseProblem[] = [];
  const visit = (n: SyntaxNode): void => {
    if (out.length >= limit) return;
    if (n.isMissing) {
      out.push({ kind: 'missing', line: n.startPosition.row + 1, text: `missing ${n.type}` });
      return;
    }
    if (n.isError) {
      out.push({ kind: 'error', line: n.startPosition.row + 1, text: n.text.trim().split('\n', 1)[0].slice(0, 80) });
    }
    if (!n.hasError && !n.isError) return;
    for (const c of n.children) visit(c);
  };
  if (root.hasError) visit(root);
  return out;
}

/** Bytes of the file that sit inside ERROR nodes at the top level, as a fraction (0..1). */
export function unreadableFraction(root: SyntaxNode): number {
  const total = root.endIndex - root.startIndex;
  if (total === 0 || !root.hasError) return 0;
  let bad = 0;
  for (const c of root.children) if (c.isError) bad += c.endIndex - c.startIndex;
  if (root.isError) bad = total;
  return bad / total;
}
