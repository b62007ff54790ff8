/**
 * Messages between the extension host and its webviews: one discriminated union per direction,
 * versioned, and checked at runtime on receipt (a webview is another process; trust nothing).
 */
import type { CallNode } from './parsing/callTree';
import type { SimulationResult } from './engine/simulate';

export const PROTOCOL_VERSION = 1;

/** Host → webview. */
export type HostMessage =
  | { v: 1; type: 'pathTree'; tree: string; root: CallNode; depth: number }
  | { v: 1; type: 'children'; requestId: number; children: CallNode[] }
  | { v: 1; type: 'error'; message: string }
  /** The simulation panel: a trace recorded with views, and the step to show. */
  | { v: 1; type: 'trace'; trace: SimulationResult; step: number }
  /** Move the panel to a step (the debug session follows the trace). */
  | { v: 1; type: 'goto'; step: number };

/** Webview → host. */
export type WebviewMessage =
  | { v: 1; type: 'ready' }
  | { v: 1; type: 'open'; file: string; line: number }
  | { v: 1; type: 'expand'; requestId: number; name: string; file: string }
  /** The panel shows this step now (the host highlights its line in the editor). */
  | { v: 1; type: 'step'; step: number; file: string; line: number }
  /** Export: copy the ASCII timeline, save the JSON trace, or save the diagram (svg: its markup). */
  | { v: 1; type: 'export'; format: 'ascii' | 'json' | 'svg'; svg?: string };

type Check = (o: Record<string, unknown>) => boolean;

const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => Number.isInteger(x);

const webviewChecks: Record<WebviewMessage['type'], Check> = {
  ready: () => true,
  open: (o) => isStr(o.file) && isInt(o.line) && (o.line) >= 1,
  expand: (o) => isInt(o.requestId) && isStr(o.name) && isStr(o.file),
  step: (o) => isInt(o.step) && (o.step as number) >= -1 && isStr(o.file) && isInt(o.line),
  export: (o) => (o.format === 'ascii' || o.format === 'json' || (o.format === 'svg' && isStr(o.svg) && (o.svg as string).length < 5_000_000)) && (o.svg === undefined || isStr(o.svg)),
};

/** A trace the panel can show: the kpsim-trace format, this version, with its steps and views. */
export function isPanelTrace(x: unknown): x is SimulationResult {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return o.format === 'kpsim-trace' && o.version === 1 && Array.isArray(o.steps) && Array.isArray(o.views) && Array.isArray(o.threads)
    && (o.steps as unknown[]).every((s) => typeof s === 'object' && s !== null && isStr((s as Record<string, unknown>).file) && isInt((s as Record<string, unknown>).line));
}

function isCallNode(x: unknown, depth = 0): x is CallNode {
  if (typeof x !== 'object' || x === null || depth > 64) return false;
  const o = x as Record<string, unknown>;
  if (!isStr(o.name)) return false;
  if (o.file !== undefined && !isStr(o.file)) return false;
  if (o.line !== undefined && !isInt(o.line)) return false;
  if (o.children !== undefined && !(Array.isArray(o.children) && o.children.every((c) => isCallNode(c, depth + 1)))) return false;
  return true;
}

const hostChecks: Record<HostMessage['type'], Check> = {
  pathTree: (o) => isStr(o.tree) && isInt(o.depth) && isCallNode(o.root),
  children: (o) => isInt(o.requestId) && Array.isArray(o.children) && o.children.every((c) => isCallNode(c)),
  error: (o) => isStr(o.message),
  trace: (o) => isPanelTrace(o.trace) && isInt(o.step),
  goto: (o) => isInt(o.step) && (o.step as number) >= -1,
};

function check<T>(x: unknown, checks: Record<string, Check>): T | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (o.v !== PROTOCOL_VERSION || !isStr(o.type) || !Object.hasOwn(checks, o.type)) return undefined;
  return checks[o.type](o) ? (x as T) : undefined;
}

/** The message if it is a well-formed webview message of this protocol version, else undefined. */
export function parseWebviewMessage(x: unknown): WebviewMessage | undefined {
  return check<WebviewMessage>(x, webviewChecks);
}

/** The message if it is a well-formed host message of this protocol version, else undefined. */
export function parseHostMessage(x: unknown): HostMessage | undefined {
  return check<HostMessage>(x, hostChecks);
}
