import { Worker } from 'worker_threads';
import type { IndexProgress, TreeIndex } from './treeIndex';

export interface IndexRequest {
  root: string;
  grammarDir: string;
  dirs?: string[];
}

export type IndexWorkerMessage =
  | ({ kind: 'progress' } & IndexProgress)
  | { kind: 'done'; index: TreeIndex }
  | { kind: 'error'; name: string; message: string };

/**
 * Indexes a tree in a worker thread. Cancelling terminates the worker: a parse in progress
 * cannot be interrupted any other way from outside.
 */
export function indexInWorker(
  workerScript: string,
  req: IndexRequest,
  onProgress: (p: IndexProgress) => void,
  cancel?: { onCancellationRequested(listener: () => void): unknown },
): Promise<TreeIndex> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript, { workerData: req });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.on('message', (m: IndexWorkerMessage) => {
      if (m.kind === 'progress') onProgress(m);
      else if (m.kind === 'done') finish(() => resolve(m.index));
      else finish(() => reject(Object.assign(new Error(m.message), { name: m.name })));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`index worker exited with code ${code}`))));
    cancel?.onCancellationRequested(() => finish(() => reject(Object.assign(new Error('indexing cancelled'), { name: 'Cancelled' }))));
  });
}
