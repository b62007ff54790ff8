import { Worker } from 'worker_threads';
import type { SimulateOptions, SimulationResult } from '../engine/simulate';
import type { TreeIndex } from '../parsing/treeIndex';

/** What the simulation worker needs: plain data only (it crosses a thread boundary). */
export interface SimulateRequest {
  root: string;
  grammarDir: string;
  /** The tree's index as the extension host built it (`FunctionLookup.index`). */
  index: TreeIndex;
  scenario: string;
  /** Files replaced in memory (a patched version): relative path -> text. */
  overrides?: Record<string, string>;
  options?: SimulateOptions;
}

export interface SimulateOutcome {
  result: SimulationResult;
  /** The mail-ready timeline (renderAscii). */
  ascii: string;
}

export type SimulateWorkerMessage =
  | { kind: 'progress'; message: string }
  | ({ kind: 'done' } & SimulateOutcome)
  | { kind: 'error'; name: string; message: string; stack?: string };

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
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript, { workerData: req, resourceLimits: { maxOldGenerationSizeMb: MAX_HEAP_MB } });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.on('message', (m: SimulateWorkerMessage) => {
      if (m.kind === 'progress') {
        if (!settled) onProgress(m.message);
      } else if (m.kind === 'done') finish(() => resolve({ result: m.result, ascii: m.ascii }));
      else finish(() => reject(Object.assign(new Error(m.message), { name: m.name, stack: m.stack ?? `${m.name}: ${m.message}` })));
    });
    worker.on('error', (e) => finish(() => reject(Object.assign(new Error(`the simulation worker crashed: ${e.message}`), { name: 'WorkerCrash' }))));
    worker.on('exit', (code) => finish(() => reject(Object.assign(new Error(`the simulation worker exited with code ${code} before it finished`), { name: 'WorkerCrash' }))));
    cancel?.onCancellationRequested(() => finish(() => reject(Object.assign(new Error('simulation cancelled'), { name: 'Cancelled' }))));
  });
}
