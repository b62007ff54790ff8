// Worker thread entry: compares a scenario set on a tree before and after a patch (both in memory)
// and replays each new violation's counterexample with the panel's views.
import { parentPort, workerData } from 'worker_threads';
import { type CompareReport, compareTrees, counterexampleTrace, renderCompareText } from '../engine/explore/compare';
import type { SimulationResult } from '../engine/simulate';
import { createParserService } from '../parsing/load';
import { FunctionLookup } from '../parsing/lookup';
import { overlayIndex } from '../parsing/treeIndex';
import type { CompareRequest, CompareWorkerMessage } from './compareClient';

async function run(req: CompareRequest): Promise<void> {
  const post = (m: CompareWorkerMessage): void => parentPort?.postMessage(m);
  try {
    post({ kind: 'progress', message: 'loading the parser' });
    const parser = await createParserService('wasm', { grammarDir: req.grammarDir });
    try {
      const side = (texts: Record<string, string | null>) => {
        const changed = new Map(Object.entries(texts));
        return {
          root: req.root, parser, lookup: new FunctionLookup(overlayIndex(parser, req.index, changed)),
          overrides: new Map([...changed].filter((e): e is [string, string] => e[1] !== null)),
        };
      };
      const before = side(req.before);
      const after = side(req.after);
      const report: CompareReport = compareTrees(before, after, req.scenarios, {
        explore: { maxSeconds: req.maxSeconds }, labels: req.labels, onProgress: (message) => post({ kind: 'progress', message }),
      });
      const traces: { scenario: string; invariant: string; trace: SimulationResult }[] = [];
      for (const s of report.scenarios) {
        for (const v of s.newViolations) traces.push({ scenario: s.id, invariant: v.invariant, trace: counterexampleTrace(after, s.id, v, { views: true }) });
      }
      post({ kind: 'done', report, text: renderCompareText(report), traces });
    } finally {
      parser.dispose();
    }
  } catch (e) {
    post({ kind: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
  }
}

void run(workerData as CompareRequest);
