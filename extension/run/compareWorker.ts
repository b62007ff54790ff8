// Worker thread entry: compares a scenario set on a tree before and after a patch (both in memory)
// and replays each new (and fixed) violation's counterexample with the panel's views.
import { parentPort, workerData } from 'worker_threads';
import { type CompareReport, type ScenarioComparison, compareTrees, counterexampleTrace, renderCompareText } from '../engine/explore/compare';
import type { Violation } from '../engine/explore/explore';
import { createParserService } from '../parsing/load';
import { FunctionLookup } from '../parsing/lookup';
import { overlayIndex } from '../parsing/treeIndex';
import type { CompareRequest, CompareTrace, CompareWorkerMessage } from './compareClient';

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
      if (req.patches) report.patches = req.patches;
      const traces: CompareTrace[] = [];
      // The panel's "Show counterexample": new violations on the after tree, fixed ones on the before tree.
      const replay = (s: ScenarioComparison, v: Violation, side: 'before' | 'after'): void => {
        try {
          traces.push({ scenario: s.id, invariant: v.invariant, ...(v.known ? { known: v.known } : {}), side, trace: counterexampleTrace(side === 'after' ? after : before, s.id, v, { views: true }) });
        } catch (e) {
          // No button for it; the report says why (once, if the timeline's replay failed the same way).
          const err = { side, stage: 'replay' as const, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
          if (!s.errors.some((x) => x.side === side && x.stage === 'replay' && x.message === err.message)) s.errors.push(err);
        }
      };
      if (report.scenarios.some((s) => s.newViolations.length || s.fixedViolations.length)) post({ kind: 'progress', message: 'replaying the counterexamples for the panel' });
      for (const s of report.scenarios) for (const v of s.newViolations) replay(s, v, 'after');
      for (const s of report.scenarios) for (const v of s.fixedViolations) replay(s, v, 'before');
      post({ kind: 'done', report, text: renderCompareText(report), traces });
    } finally {
      parser.dispose();
    }
  } catch (e) {
    post({ kind: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
  }
}

void run(workerData as CompareRequest);
