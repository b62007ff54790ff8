// Worker thread entry: explores one scenario (or runs one side of a comparison) off the main thread,
// so `kpsim explore --all --jobs N` uses N cores.
import { parentPort, workerData } from 'worker_threads';
import { createParserService } from '../parsing/load';
import { FunctionLookup } from '../parsing/lookup';
import { type ExploreJob, type ExploreWorkerMessage, runExploreJob } from './exploreClient';

async function run(job: ExploreJob): Promise<void> {
  const post = (m: ExploreWorkerMessage): void => parentPort?.postMessage(m);
  try {
    post({ kind: 'progress', message: `${job.scenario}: loading the parser` });
    const parser = await createParserService(job.backend ?? 'wasm', { grammarDir: job.grammarDir });
    try {
      const overrides = job.overrides ? new Map(Object.entries(job.overrides)) : undefined;
      const tree = { root: job.root, lookup: new FunctionLookup(job.index), parser, overrides };
      // Progress at most every half second: posting each BFS level would flood the parent.
      let last = 0;
      const outcome = runExploreJob(tree, job, (p) => {
        const now = Date.now();
        if (now - last < 500) return;
        last = now;
        post({ kind: 'progress', ...p });
      });
      post({ kind: 'done', outcome });
    } finally {
      parser.dispose();
    }
  } catch (e) {
    post({ kind: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
  }
}

void run(workerData as ExploreJob);
