import { type JobMessage, runWorkerJob } from './workerJob';
import type { IndexProgress, TreeIndex } from './treeIndex';

export interface IndexRequest {
  root: string;
  grammarDir: string;
  dirs?: string[];
}

export type IndexWorkerMessage = JobMessage<IndexProgress, { index: TreeIndex }>;

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
  return runWorkerJob<IndexProgress, { index: TreeIndex }>(workerScript, req, { what: 'indexing', onProgress, cancel }).then((r) => r.index);
}
