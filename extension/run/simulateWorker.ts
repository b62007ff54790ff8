// Worker thread entry: runs one scenario off the extension host's main thread and renders its trace.
import { parentPort, workerData } from 'worker_threads';
import { simulate } from '../engine/simulate';
import { renderAscii } from '../engine/trace/ascii';
import { createParserService } from '../parsing/load';
import { FunctionLookup } from '../parsing/lookup';
import { overlayIndex } from '../parsing/treeIndex';
import type { SimulateRequest, SimulateWorkerMessage } from './simulateClient';

async function run(req: SimulateRequest): Promise<void> {
  const post = (m: SimulateWorkerMessage): void => parentPort?.postMessage(m);
  try {
    post({ kind: 'progress', message: 'loading the parser' });
    const parser = await createParserService('wasm', { grammarDir: req.grammarDir });
    try {
      post({ kind: 'progress', message: `running ${req.scenario}` });
      // A patched tree: its changed files are indexed from their new text, here, off the host's thread.
      const changed = req.overrides ? new Map(Object.entries(req.overrides)) : undefined;
      const index = changed ? overlayIndex(parser, req.index, changed) : req.index;
      const overrides = changed ? new Map([...changed].filter((e): e is [string, string] => e[1] !== null)) : undefined;
      const result = simulate({ root: req.root, lookup: new FunctionLookup(index), parser, overrides }, req.scenario, req.options);
      post({ kind: 'done', result, ascii: renderAscii(result) });
    } finally {
      parser.dispose();
    }
  } catch (e) {
    post({ kind: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
  }
}

void run(workerData as SimulateRequest);
