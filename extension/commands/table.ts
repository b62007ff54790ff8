import type { ViewColumn } from 'vscode';

/** Every command the extension contributes. */
export const Commands = {
  /** Code lens: run the scenario that enters at a function and open its trace. */
  simulatePath: 'kernelPathSim.simulatePath',
  /** Code lens: open the path view (call tree) of a function. */
  showCallPath: 'kernelPathSim.showCallPath',
  /** Palette: pick a scenario and run it on the current tree. */
  simulateScenario: 'kernelPathSim.simulateScenario',
  /** Palette: pick a family function and open its path view. */
  showPath: 'kernelPathSim.showPath',
  reindexTree: 'kernelPathSim.reindexTree',
  /** Links in a trace document: open a file at a line, beside the trace. */
  openTraceLocation: 'kernelPathSim.openTraceLocation',
  /** Code lens: run the scenario that enters at a function as a debug session (kpsim debugger). */
  debugPath: 'kernelPathSim.debugPath',
  /** Palette: pick a scenario and step through it in the debugger. */
  debugScenario: 'kernelPathSim.debugScenario',
  /** Palette: open a saved JSON trace in the simulation panel. */
  openTrace: 'kernelPathSim.openTrace',
  /** Palette, explorer and editor title: read a .patch/.diff/.mbox/.eml file into the "Patch series" view. */
  openPatch: 'kernelPathSim.openPatch',
  /** Palette: fetch a thread from lore by URL or Message-ID. */
  openFromLore: 'kernelPathSim.openFromLore',
  /** Series view: one file of a patch in the diff editor (at a hunk). */
  openPatchFile: 'kernelPathSim.openPatchFile',
  /** Hunk lens: run the scenario entering at a function on the tree before or after the patch. */
  simulateHunk: 'kernelPathSim.simulateHunk',
  markReviewed: 'kernelPathSim.markReviewed',
  markSkipped: 'kernelPathSim.markSkipped',
  markUnreviewed: 'kernelPathSim.markUnreviewed',
  /** Series view: write the reviewer's comments on a patch as a quoted reply (.eml). */
  composeReply: 'kernelPathSim.composeReply',
  /** Series view: write a patch (and those before it) into the tree's files, as unsaved edits. */
  applyToWorkingTree: 'kernelPathSim.applyToWorkingTree',
  /** Series view: forget a series. */
  closeReview: 'kernelPathSim.closeReview',
  /** Comments: add the reviewer's comment (new thread or reply). */
  addReviewComment: 'kernelPathSim.addReviewComment',
  deleteReviewComment: 'kernelPathSim.deleteReviewComment',
  /** Code lens and palette: every interleaving of a scenario, invariants checked. */
  exploreRaces: 'kernelPathSim.exploreRaces',
  /** Series view: the scenarios run and explored without and with a patch. */
  compareBeforeAfter: 'kernelPathSim.compareBeforeAfter',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** What a code lens passes: the function it sits above. */
export interface LensArgs {
  /** The document the lens was in. */
  uri: string;
  name: string;
  /** 1-based start line of the definition. */
  line: number;
}

export interface SimulatePathArgs extends LensArgs {
  /** Run this scenario instead of choosing among those that enter at `name`. */
  scenario?: string;
}

export interface OpenTraceLocationArgs {
  /** Absolute path of the file. */
  path: string;
  /** 1-based. */
  line: number;
  /** The editor group to open it in (the one the simulation was started from). */
  column?: ViewColumn;
}

/** A file of a patch, and optionally a hunk of it. */
export interface OpenPatchFileArgs {
  series: string;
  patch: number;
  path: string;
  hunk?: number;
}

export interface SimulateHunkArgs {
  series: string;
  patch: number;
  path: string;
  hunk: number;
  /** The function the lens is for. */
  name: string;
  side: 'before' | 'after';
  scenario?: string;
}

/** The arguments each command takes (all optional: the palette passes none). */
export interface CommandArgs {
  [Commands.simulatePath]: [SimulatePathArgs?];
  [Commands.showCallPath]: [LensArgs?];
  [Commands.simulateScenario]: [];
  [Commands.showPath]: [];
  [Commands.reindexTree]: [];
  [Commands.openTraceLocation]: [OpenTraceLocationArgs];
  [Commands.debugPath]: [SimulatePathArgs?];
  [Commands.debugScenario]: [];
  [Commands.openTrace]: [unknown?];
  [Commands.openPatch]: [unknown?];
  [Commands.openFromLore]: [string?];
  [Commands.openPatchFile]: [OpenPatchFileArgs];
  [Commands.simulateHunk]: [SimulateHunkArgs];
  [Commands.markReviewed]: [unknown?];
  [Commands.markSkipped]: [unknown?];
  [Commands.markUnreviewed]: [unknown?];
  [Commands.composeReply]: [unknown?, { trailers?: string[] }?];
  [Commands.applyToWorkingTree]: [unknown?, { confirm?: boolean }?];
  [Commands.closeReview]: [unknown?];
  [Commands.addReviewComment]: [unknown];
  [Commands.deleteReviewComment]: [unknown];
  [Commands.exploreRaces]: [(LensArgs | { scenario: string })?];
  [Commands.compareBeforeAfter]: [unknown?];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export function isLensArgs(x: unknown): x is LensArgs {
  return isRecord(x) && typeof x.uri === 'string' && typeof x.name === 'string' && typeof x.line === 'number';
}

export function isSimulatePathArgs(x: unknown): x is SimulatePathArgs {
  if (!isLensArgs(x)) return false;
  const scenario = (x as unknown as Record<string, unknown>).scenario;
  return scenario === undefined || typeof scenario === 'string';
}

export function isOpenPatchFileArgs(x: unknown): x is OpenPatchFileArgs {
  return isRecord(x) && typeof x.series === 'string' && typeof x.patch === 'number' && typeof x.path === 'string' && (x.hunk === undefined || typeof x.hunk === 'number');
}

export function isSimulateHunkArgs(x: unknown): x is SimulateHunkArgs {
  return isOpenPatchFileArgs(x) && typeof x.hunk === 'number' && isRecord(x) && typeof x.name === 'string' && (x.side === 'before' || x.side === 'after')
    && (x.scenario === undefined || typeof x.scenario === 'string');
}

export function isOpenTraceLocationArgs(x: unknown): x is OpenTraceLocationArgs {
  return isRecord(x) && typeof x.path === 'string' && typeof x.line === 'number' && x.line >= 1 && (x.column === undefined || typeof x.column === 'number');
}

/** A `command:` URI (for document links) that runs `id` with `args`. */
export function commandUri<C extends CommandId>(id: C, ...args: CommandArgs[C]): string {
  return `command:${id}?${encodeURIComponent(JSON.stringify(args))}`;
}
