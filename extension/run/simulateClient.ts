import { type JobMessage, runWorkerJob } from '../parsing/workerJob';
import type { SimulateOptions, SimulationResult } from '../engine/simulate';
import type { TreeIndex } from '../parsing/treeIndex';

/** What the simulation worker needs: plain data only (it crosses a thread boundary). */
export interface SimulateRequest {
  root: string;
  grammarDir: string;
  /** The tree's index as the extension host built it (`FunctionLookup.index`). */
  index: TreeIndex;
  scenario: string;
  /** Files replaced in memory (a patched version): relative path -> text, null = deleted. */
  overrides?: Record<string, string | null>;
  options?: SimulateOptions;
}

export interface SimulateOutcome {
  result: SimulationResult;
  /** The mail-ready timeline (renderAscii). */
  ascii: string;
}

export type SimulateWorkerMessage = JobMessage<{ message: string }, SimulateOutcome>;

/** The worker's heap limit: a runaway simulation kills its worker, never the extension host. */
const MAX_HEAP_MB = 1024;

/**
 * Runs one simulation in a worker thread. Cancelling terminates the worker (the interpreter does
 * not poll for cancellation). Errors come back with their name: `SimulationError` for a tree or
 * scenario the engine refuses, `Cancelled` when cancelled, anything else is a crash.
 */
export function simulateInWorker(
  workerScript: string,
  req: SimulateRequest,
  onProgress: (message: string) => void = () => {},
  cancel?: { onCancellationRequested(listener: () => void): unknown },
): Promise<SimulateOutcome> {
  return runWorkerJob<{ message: string }, SimulateOutcome>(workerScript, req, {
    what: 'simulation', onProgress: (p) => onProgress(p.message), cancel, resourceLimits: { maxOldGenerationSizeMb: MAX_HEAP_MB },
  }).then((r) => ({ result: r.result, ascii: r.ascii }));
}
