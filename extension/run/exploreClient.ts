import { type JobMessage, runWorkerJob } from '../parsing/workerJob';
import type { BackendChoice } from '../parsing/load';
import type { TreeIndex } from '../parsing/treeIndex';
import { type CompareExploreOptions, type SideRun, counterexampleTrace, scenarioSide } from '../engine/explore/compare';
import { type ExploreResult, type Violation, explore } from '../engine/explore/explore';
import type { DriverPreference, EngineTree, SimulationResult } from '../engine/simulate';

/** One scenario to explore (or to run as one side of a comparison): plain data, it crosses a thread boundary. */
export interface ExploreJob {
  root: string;
  grammarDir: string;
  backend?: BackendChoice;
  /** The tree's index, patched files already overlaid (`FunctionLookup.index`). */
  index: TreeIndex;
  /** Files replaced in memory (a patched tree): relative path -> text. */
  overrides?: Record<string, string>;
  scenario: string;
  /**
   * 'explore': the exploration, and each violation's counterexample replayed with the panel's
   * views; 'side': the default run and the exploration, as one side of `kpsim compare`.
   */
  kind: 'explore' | 'side';
  options?: CompareExploreOptions;
  driver?: DriverPreference;
  /** 'explore': record the panel's views in the counterexample traces (default true; a text report needs none). */
  views?: boolean;
}

export type ExploreOutcome =
  | { kind: 'explore'; result: ExploreResult; traces: SimulationResult[]; knownTraces: SimulationResult[] }
  | { kind: 'side'; run: SideRun };

export interface ExploreProgress {
  message: string;
  states?: number;
}

export type ExploreWorkerMessage = JobMessage<ExploreProgress, { outcome: ExploreOutcome }>;

/** The worker's heap limit: the state space of a scenario can grow large; it must not take the process. */
const MAX_HEAP_MB = 2048;

/**
 * Runs a job on a tree already in this thread: what the worker does, and what the CLI does itself
 * when there is no built worker (running from source) or one job at a time suffices.
 */
export function runExploreJob(tree: EngineTree, job: Pick<ExploreJob, 'scenario' | 'kind' | 'options' | 'driver' | 'views'>, onProgress?: (p: ExploreProgress) => void): ExploreOutcome {
  const options = job.options ?? {};
  if (job.kind === 'side') return { kind: 'side', run: scenarioSide(tree, job.scenario, { explore: options, driver: job.driver }) };
  const result = explore(tree, job.scenario, {
    ...options, driver: job.driver,
    onProgress: onProgress && ((p) => onProgress({ message: `${job.scenario}: ${p.states} states, depth ${p.depth}`, states: p.states })),
  });
  const replay = (v: Violation): SimulationResult => counterexampleTrace(tree, job.scenario, v, { driver: job.driver, choices: options.choices, limits: options.limits, views: job.views ?? true });
  return { kind: 'explore', result, traces: result.violations.map(replay), knownTraces: result.known.map(replay) };
}

/**
 * Runs one job in a worker thread (dist/exploreWorker.js). Cancelling terminates the worker.
 * Errors come back with their name: `SimulationError` for a tree or scenario the engine refuses,
 * `Cancelled`, `WorkerCrash` (out of memory included).
 */
export function exploreInWorker(
  workerScript: string,
  job: ExploreJob,
  onProgress: (p: ExploreProgress) => void = () => {},
  cancel?: { onCancellationRequested(listener: () => void): unknown },
): Promise<ExploreOutcome> {
  return runWorkerJob<ExploreProgress, { outcome: ExploreOutcome }>(workerScript, job, {
    what: 'exploration', onProgress, cancel, resourceLimits: { maxOldGenerationSizeMb: MAX_HEAP_MB },
  }).then((r) => r.outcome);
}
