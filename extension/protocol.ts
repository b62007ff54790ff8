/**
 * Messages between the extension host and its webviews: one discriminated union per direction,
 * versioned, and checked at runtime on receipt (a webview is another process; trust nothing).
 */
import type { CallNode } from './parsing/callTree';
import type { SimulationResult } from './engine/simulate';
import type { CompareChangeView, CompareScenarioView, CompareView, CompareViolationView } from './views/compareView';

export const PROTOCOL_VERSION = 1;

/** Host → webview. */
export type HostMessage =
  | { v: 1; type: 'pathTree'; tree: string; root: CallNode; depth: number }
  | { v: 1; type: 'children'; requestId: number; children: CallNode[] }
  | { v: 1; type: 'error'; message: string }
  /**
   * The simulation panel: a trace recorded with views, and the step to show (sentAt: host clock, ms,
   * for timing). `counterexample`: the trace is that counterexample of the comparison report the
   * panel holds (it offers "Back to report"); without it the panel forgets any report.
   */
  | { v: 1; type: 'trace'; trace: SimulationResult; step: number; sentAt?: number; counterexample?: number }
  /**
   * The same as 'trace' with the trace as JSON text: one string crosses the host, the workbench and
   * the webview frames far faster than a large object graph (the panel parses and checks it).
   */
  | { v: 1; type: 'traceText'; json: string; step: number; sentAt?: number; counterexample?: number }
  /**
   * The simulation panel shows a "Compare before/after" report (its counterexamples a click away).
   * `saved`: the id the host keeps it under for a window reload (the webview saves only that).
   */
  | { v: 1; type: 'compareReport'; report: CompareView; saved?: string }
  /** The comparison report the panel holds is now saved for a window reload, under this id. */
  | { v: 1; type: 'reportSaved'; saved: string }
  /** Move the panel to a step (the debug session follows the trace). */
  | { v: 1; type: 'goto'; step: number }
  /** The simulation panel before its trace arrives: what the host is doing (indexing, simulating). */
  | { v: 1; type: 'status'; message: string };

/** Webview → host. */
export type WebviewMessage =
  | { v: 1; type: 'ready' }
  | { v: 1; type: 'open'; file: string; line: number }
  | { v: 1; type: 'expand'; requestId: number; name: string; file: string }
  /** The panel shows this step now (the host highlights its line in the editor). */
  | { v: 1; type: 'step'; step: number; file: string; line: number }
  /** Export: copy the ASCII timeline, save the JSON trace, or save the diagram (svg: its markup). */
  | { v: 1; type: 'export'; format: 'ascii' | 'json' | 'svg'; svg?: string }
  /** Open the trace as the read-only ASCII document. */
  | { v: 1; type: 'openText' }
  /** The comparison report: show its counterexample k (CompareViolationView.counterexample) in the panel. */
  | { v: 1; type: 'showCounterexample'; index: number }
  /** The panel went back from a counterexample to the comparison report. */
  | { v: 1; type: 'backToReport' }
  /** The comparison report as plain text (for a mail reply): to the clipboard, or as a document. */
  | { v: 1; type: 'compareText'; action: 'copy' | 'open' };

type Check = (o: Record<string, unknown>) => boolean;

const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isIndex = (x: unknown): x is number => isInt(x) && x >= 0;
const isOptIndex = (x: unknown): boolean => x === undefined || isIndex(x);

const webviewChecks: Record<WebviewMessage['type'], Check> = {
  ready: () => true,
  open: (o) => isStr(o.file) && isInt(o.line) && (o.line) >= 1,
  expand: (o) => isInt(o.requestId) && isStr(o.name) && isStr(o.file),
  step: (o) => isInt(o.step) && o.step >= -1 && isStr(o.file) && isInt(o.line),
  export: (o) => (o.format === 'ascii' || o.format === 'json' || (o.format === 'svg' && isStr(o.svg) && o.svg.length < 5_000_000)) && (o.svg === undefined || isStr(o.svg)),
  openText: () => true,
  showCounterexample: (o) => isIndex(o.index),
  backToReport: () => true,
  compareText: (o) => o.action === 'copy' || o.action === 'open',
};

/**
 * What is wrong with a trace for the panel, in words (undefined when nothing is): the kpsim-trace
 * format, this version, its threads and steps, and the views it was recorded with.
 */
export function panelTraceProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'it is not a JSON object';
  const o = x as Record<string, unknown>;
  if (o.format !== 'kpsim-trace') return `it is not a kpsim trace (format is ${JSON.stringify(o.format) ?? 'missing'}, expected "kpsim-trace")`;
  if (o.version !== 1) return `it is version ${JSON.stringify(o.version)} of the trace format; this extension reads version 1`;
  const sc = o.scenario as Record<string, unknown> | undefined;
  if (typeof sc !== 'object' || sc === null || !isStr(sc.id)) return 'it has no scenario id';
  if (!isStr(o.tree)) return 'it does not name its kernel tree';
  if (!Array.isArray(o.threads) || !o.threads.every((t) => typeof t === 'object' && t !== null && isStr((t as Record<string, unknown>).id))) return 'its threads are missing or malformed';
  if (!Array.isArray(o.steps)) return 'it has no steps';
  for (let k = 0; k < o.steps.length; k++) {
    const s = o.steps[k] as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || !isStr(s.file) || !isInt(s.line) || !isStr(s.thread) || !isStr(s.fn) || !Array.isArray(s.changes) || !Array.isArray(s.notes)) {
      return `step ${k} is malformed (a step has thread, fn, file, line, changes and notes)`;
    }
  }
  if (!Array.isArray(o.events)) return 'it has no notifier events list';
  if (!Array.isArray(o.views)) return 'it was recorded without views (the panel needs them): simulate it again in VS Code, or with `kpsim simulate --json --views`';
  if (o.views.length === 0) return 'its views are empty';
  let last = -Infinity;
  for (let k = 0; k < o.views.length; k++) {
    const v = o.views[k] as Record<string, unknown> | null;
    if (typeof v !== 'object' || v === null || !isInt(v.step) || typeof v.view !== 'object' || v.view === null || !Array.isArray(v.changed)) return `view ${k} is malformed (a view has step, view and changed)`;
    if (v.step < last) return `view ${k} is out of step order`;
    last = v.step;
    const m = v.view as Record<string, unknown>;
    if (!Array.isArray(m.addresses) || !Array.isArray(m.devices) || typeof m.locks !== 'object' || typeof m.notifier !== 'object' || typeof m.threads !== 'object') return `view ${k} lacks addresses, devices, locks, notifier or threads`;
  }
  return undefined;
}

/** A trace the panel can show: the kpsim-trace format, this version, with its steps and views. */
export function isPanelTrace(x: unknown): x is SimulationResult {
  return panelTraceProblem(x) === undefined;
}

/**
 * What the simulation panel saves with setState; its WebviewPanelSerializer gets it back after a
 * window reload: a trace and its step, or a comparison report (`report`: the id the host saved it
 * under), with the counterexample of it being shown, if any (then the trace is that one).
 */
export type PanelState =
  | { v: 1; trace: SimulationResult; step: number; speed?: string; changesOnly?: boolean; report?: string; counterexample?: number }
  | { v: 1; report: string; trace?: undefined };

/** The id a saved comparison report goes by (its file's name in the extension's storage). */
export const isSavedReportId = (x: unknown): x is string => isStr(x) && /^[a-z0-9-]{8,64}$/.test(x);

export function isPanelState(x: unknown): x is PanelState {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  if (o.v !== 1) return false;
  if (o.report !== undefined && !isSavedReportId(o.report)) return false;
  if (o.trace === undefined) return o.report !== undefined;
  return isInt(o.step) && o.step >= -1 && (o.speed === undefined || isStr(o.speed)) && isOptIndex(o.counterexample) && isPanelTrace(o.trace);
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

// ---- the comparison report ------------------------------------------------------------------

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStrs = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);
const isOptStr = (x: unknown): boolean => x === undefined || isStr(x);
const TONES = new Set(['new', 'fixed', 'error', 'incomplete', 'changed', 'same']);

function isChange(x: unknown): x is CompareChangeView {
  return isObj(x) && isStr(x.where) && isStr(x.field) && isStr(x.before) && isStr(x.after);
}

function isViolationView(x: unknown): x is CompareViolationView {
  return isObj(x) && (x.kind === 'new' || x.kind === 'fixed') && isStr(x.invariant) && isStr(x.title) && isStr(x.message)
    && isOptStr(x.at) && isIndex(x.steps) && isStr(x.schedule) && isOptStr(x.caveat) && isOptIndex(x.counterexample);
}

function isScenarioView(x: unknown): x is CompareScenarioView {
  if (!isObj(x) || !isStr(x.id) || !isStr(x.tone) || !TONES.has(x.tone) || !isStr(x.verdict)) return false;
  const ex = x.exploration;
  const ev = x.events;
  return isObj(ex) && isStr(ex.before) && isStr(ex.after)
    && Array.isArray(x.violations) && x.violations.every(isViolationView)
    && [x.endState, x.results, x.checks].every((a) => Array.isArray(a) && a.every(isChange))
    && isObj(ev) && isStrs(ev.removed) && isStrs(ev.added)
    && isStrs(x.errors) && isStrs(x.unmodelled);
}

/** A comparison report the panel can draw (CompareView): every field there, of its type. */
export function isCompareView(x: unknown): x is CompareView {
  return isObj(x) && isStr(x.patch) && isStr(x.before) && isStr(x.after)
    && isStrs(x.applied) && isStrs(x.skipped) && isStrs(x.notes) && isStr(x.summary) && isStrs(x.limits)
    && Array.isArray(x.scenarios) && x.scenarios.every(isScenarioView) && isStrs(x.assumptions);
}

const hostChecks: Record<HostMessage['type'], Check> = {
  pathTree: (o) => isStr(o.tree) && isInt(o.depth) && isCallNode(o.root),
  children: (o) => isInt(o.requestId) && Array.isArray(o.children) && o.children.every((c) => isCallNode(c)),
  error: (o) => isStr(o.message),
  trace: (o) => isPanelTrace(o.trace) && isInt(o.step) && (o.sentAt === undefined || typeof o.sentAt === 'number') && isOptIndex(o.counterexample),
  traceText: (o) => isStr(o.json) && o.json.length < 500_000_000 && isInt(o.step) && (o.sentAt === undefined || typeof o.sentAt === 'number') && isOptIndex(o.counterexample),
  compareReport: (o) => isCompareView(o.report) && (o.saved === undefined || isSavedReportId(o.saved)),
  reportSaved: (o) => isSavedReportId(o.saved),
  goto: (o) => isInt(o.step) && o.step >= -1,
  status: (o) => isStr(o.message),
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
