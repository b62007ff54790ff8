import type { FunctionLookup } from './lookup';

/** One node of the path view: a function and what it calls. */
export interface CallNode {
  name: string;
  /** Where it is defined, when the tree defines it. */
  file?: string;
  line?: number;
  endLine?: number;
  /** The line of the call in the caller (absent for the root). */
  callLine?: number;
  /** Calls through a struct member (`ops->fn(...)`): the target is not known statically. */
  indirect?: boolean;
  /** Already on the path above (recursion): not expanded again. */
  recursive?: boolean;
  /** Undefined when not expanded yet (depth limit); [] for a leaf. */
  children?: CallNode[];
}

/**
 * The call tree from `fnName` (defined in `file`) down to `depth` levels. Each callee appears once
 * per caller, at its first call site.
 */
export function callTree(lookup: FunctionLookup, fnName: string, file: string | undefined, depth: number): CallNode {
  const root = lookup.resolveCall(fnName, file);
  const node: CallNode = { name: fnName, file: root?.file, line: root?.fn.startLine, endLine: root?.fn.endLine };
  expand(lookup, node, depth, new Set([fnName]));
  return node;
}

function expand(lookup: FunctionLookup, node: CallNode, depth: number, onPath: Set<string>): void {
  const ref = node.file ? lookup.resolveCall(node.name, node.file) : undefined;
  if (!ref || node.recursive) {
    node.children = [];
    return;
  }
  if (depth <= 0) return;
  const seen = new Set<string>();
  const children: CallNode[] = [];
  for (const c of ref.details.calls) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    const def = lookup.resolveCall(c.name, ref.file);
    children.push({
      name: c.name, callLine: c.line, file: def?.file, line: def?.fn.startLine, endLine: def?.fn.endLine,
      recursive: onPath.has(c.name) || undefined,
    });
  }
  for (const c of ref.details.indirectCalls) {
    if (seen.has(`->${c.name}`)) continue;
    seen.add(`->${c.name}`);
    children.push({ name: c.name, callLine: c.line, indirect: true, children: [] });
  }
  node.children = children;
  for (const c of children) {
    if (c.indirect) continue;
    if (c.recursive || !c.file) {
      c.children = [];
      continue;
    }
    onPath.add(c.name);
    expand(lookup, c, depth - 1, onPath);
    onPath.delete(c.name);
  }
}
