// Worker thread entry: builds a tree index off the extension host's main thread.
import { parentPort, workerData } from 'worker_threads';
import { createParserService } from './load';
import { indexTree } from './treeIndex';
import type { IndexRequest, IndexWorkerMessage } from './indexClient';

async function run(req: IndexRequest): Promise<void> {
  const post = (m: IndexWorkerMessage): void => parentPort?.postMessage(m);
  try {
    const parser = await createParserService('wasm', { grammarDir: req.grammarDir });
    try {
      const index = indexTree(parser, req.root, { dirs: req.dirs, onProgress: (p) => post({ kind: 'progress', ...p }) });
      post({ kind: 'done', index });
    } finally {
      parser.dispose();
    }
  } catch (e) {
    post({ kind: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
  }
}

void run(workerData as IndexRequest);
