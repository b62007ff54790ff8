import * as fs from 'fs';
import * as path from 'path';
import { type CliIo, CliError, type OpenTree } from './common';
import { type BoundArgs, type SelectArgs, boundOptions, driverOf, jobCount, runTasks, selectScenarios } from './exploreCommand';
import { type ScenarioComparison, type SideRun, assembleReport, compareSides, counterexampleTrace, renderCompareText } from '../engine/explore/compare';
import { PatchApplyError, patchedTree } from '../engine/explore/patchedTree';
import type { EngineTree } from '../engine/simulate';
import type { BackendChoice } from '../parsing/load';

export interface CompareArgs extends BoundArgs, SelectArgs {
  patches: string[];
  json: boolean;
  /** A directory for the counterexample traces of new violations. */
  out?: string;
  backend: BackendChoice;
}

/** A file name part: scenario and invariant ids are already [a-z0-9-], but never trust a path piece. */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * `kpsim compare`: the scenarios on the tree and on the tree with the patches applied in memory.
 * Exit 1 when the patches introduce a violation (or make a scenario the tree ran fail to run),
 * 0 otherwise, 2 when a patch does not apply (nothing is compared).
 */
export async function runCompare(tree: OpenTree, a: CompareArgs, io: CliIo): Promise<number> {
  if (!a.patches.length) throw new CliError('--patch FILE is required (several --patch, or an mbox, make a series applied in order)');
  for (const p of a.patches) if (!fs.existsSync(p) || !fs.statSync(p).isFile()) throw new CliError(`--patch ${p}: no such file`);
  // Without --scenario, every scenario: a patch can change a path no hunk names.
  const { ids } = selectScenarios({ ...a, all: a.all || a.scenario === undefined });
  const options = boundOptions(a);
  const driver = driverOf(a);
  let patched;
  try {
    patched = await patchedTree(tree.root, tree.parser, tree.index, a.patches);
  } catch (e) {
    if (!(e instanceof PatchApplyError)) throw e;
    io.err(`kpsim: ${e.message}`);
    return 2;
  }
  const before: EngineTree = { root: tree.root, lookup: tree.lookup, parser: tree.parser };
  const after = patched.tree;
  const tasks = ids.flatMap((scenario) => [
    { tree: before, job: { scenario, kind: 'side' as const, options, driver } },
    { tree: after, job: { scenario, kind: 'side' as const, options, driver } },
  ]);
  const results = await runTasks(tasks, jobCount(a, tasks.length), a.backend);
  const sideOf = (k: number): SideRun => {
    const r = results[k];
    if (r.ok && r.outcome.kind === 'side') return r.outcome.run;
    // A worker that died (out of memory, a crash): that side did not run, and the report says why.
    const failed = r.ok ? { name: 'Error', message: 'the job came back as something else' } : r;
    return {
      side: { simulated: false, explored: false, violations: [], complete: false, bounds: [], states: 0, transitions: 0, seconds: 0, final: [], results: [], events: [], checks: [], unmodelled: [], schedule: [] },
      errors: [{ stage: 'explore', name: failed.name, message: failed.message }],
    };
  };
  const scenarios: ScenarioComparison[] = ids.map((id, k) => compareSides(id, sideOf(2 * k), sideOf(2 * k + 1), { before, after }, { explore: options, driver }));
  const name = path.basename(path.resolve(tree.root));
  const n = patched.applied.length;
  const report = assembleReport(scenarios, { before: name, after: `${name} + ${n} patch${n === 1 ? '' : 'es'}` });
  report.patches = {
    applied: patched.applied.map((p) => p.label),
    // `[v1 03/12]` names the patch well enough; the reason usually repeats the path.
    skipped: patched.skipped.map((s) => `${s.path} (${/^\[[^\]]*\]/.exec(s.patch)?.[0] ?? s.patch}): ${s.reason === `${s.path} is not in the tree` ? 'not in the tree' : s.reason}`),
    notes: patched.notes,
  };
  io.out(a.json ? JSON.stringify(report, null, 2) : renderCompareText(report));
  if (a.out) {
    fs.mkdirSync(a.out, { recursive: true });
    for (const c of scenarios) {
      for (const v of c.newViolations) {
        const file = path.join(a.out, `${safe(c.id)}-${safe(v.invariant)}.json`);
        const trace = counterexampleTrace(after, c.id, v, { driver, choices: options.choices, limits: options.limits });
        fs.writeFileSync(file, JSON.stringify(trace, null, 2));
        io.err(`kpsim: wrote ${file}`);
      }
    }
  }
  // A scenario the tree runs and the patched tree cannot: the patch broke it.
  const broke = scenarios.some((c) => c.errors.some((e) => e.side === 'after' && e.stage !== 'replay') && !c.errors.some((e) => e.side === 'before' && e.stage !== 'replay'));
  return report.newViolations > 0 || broke ? 1 : 0;
}
