import { type JobMessage, runWorkerJob } from '../parsing/workerJob';
import type { CompareReport } from '../engine/explore/compare';
import type { SimulationResult } from '../engine/simulate';
import type { TreeIndex } from '../parsing/treeIndex';

/** A before/after comparison for the worker: plain data only. */
export interface CompareRequest {
  root: string;
  grammarDir: string;
  index: TreeIndex;
  /** Files of each side replaced in memory (relative path -> text, null = deleted). */
  before: Record<string, string | null>;
  after: Record<string, string | null>;
  scenarios: string[];
  labels: { before: string; after: string };
  /** Per scenario and side. */
  maxSeconds: number;
  /** What was applied to make the after tree, for the report (the CLI's patchedTree says the same). */
  patches?: CompareReport['patches'];
}

/** A counterexample replayed with the panel's views: a new violation's on the after tree, a fixed one's on the before tree. */
export interface CompareTrace {
  scenario: string;
  invariant: string;
  /** Set for a known finding (its id): it and another violation of its invariant are different counterexamples. */
  known?: string;
  side: 'before' | 'after';
  trace: SimulationResult;
}

export interface CompareOutcome {
  report: CompareReport;
  /** The report as plain text (for a mail reply). */
  text: string;
  /**
   * Each new violation's counterexample (after tree), then each fixed one's (before tree), with the
   * panel's views; one that could not be replayed is missing (the report's errors say why).
   */
  traces: CompareTrace[];
}

export type CompareWorkerMessage = JobMessage<{ message: string }, CompareOutcome>;

/** Runs a comparison in a worker thread; cancelling terminates it. */
export function compareInWorker(
  workerScript: string,
  req: CompareRequest,
  onProgress: (message: string) => void = () => {},
  cancel?: { onCancellationRequested(listener: () => void): unknown },
): Promise<CompareOutcome> {
  return runWorkerJob<{ message: string }, CompareOutcome>(workerScript, req, {
    what: 'comparison', onProgress: (p) => onProgress(p.message), cancel, resourceLimits: { maxOldGenerationSizeMb: 2048 },
  });
}
