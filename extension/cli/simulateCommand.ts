import * as fs from 'fs';
import { type CliIo, CliError, type OpenTree } from './common';
import { SCENARIOS } from '../engine/scenarios/catalog';
import { type DriverPreference, SimulationError, passed, simulate } from '../engine/simulate';
import { renderAscii } from '../engine/trace/ascii';

/** `kpsim scenarios`: what can be simulated. */
export function runScenarios(json: boolean, io: CliIo): number {
  if (json) {
    io.out(JSON.stringify(SCENARIOS.map((s) => ({ id: s.id, title: s.title, description: s.description, mirrors: s.mirrors, entries: s.entries, threads: s.threads })), null, 2));
    return 0;
  }
  const w = Math.max(...SCENARIOS.map((s) => s.id.length));
  for (const s of SCENARIOS) io.out(`${s.id.padEnd(w)}  ${s.title}`);
  return 0;
}

export interface SimulateArgs {
  scenario?: string;
  json: boolean;
  out?: string;
  allowUnmodelled: boolean;
  schedule?: string;
  driver?: string;
  /** label=index pairs for the model's choice points. */
  choices?: string[];
  /** Record the panel's views and each step's locals (a trace VS Code's "Open a saved trace…" shows). */
  views?: boolean;
}

/**
 * `kpsim simulate`: one scenario under one schedule. Exit 0 when every check holds, 1 when one
 * fails, 2 when a call on the path is not modelled (unless --allow-unmodelled).
 */
export function runSimulate(tree: OpenTree, a: SimulateArgs, io: CliIo): number {
  if (!a.scenario) throw new CliError(`--scenario ID is required; the scenarios are: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const driver = a.driver ?? 'auto';
  if (!['auto', 'test_hmm', 'nouveau', 'kpsim'].includes(driver)) throw new CliError(`--driver must be auto, test_hmm, nouveau or kpsim, not '${driver}'`);
  const choices: Record<string, number> = {};
  for (const c of a.choices ?? []) {
    const m = /^([a-z_]+)=(\d+)$/.exec(c);
    if (!m) throw new CliError(`--choice wants label=index (like timeout=1), not '${c}'`);
    choices[m[1]] = Number(m[2]);
  }
  let r;
  try {
    r = simulate({ root: tree.root, lookup: tree.lookup, parser: tree.parser }, a.scenario, { schedule: a.schedule?.split(',').filter(Boolean), driver: driver as DriverPreference, choices, views: a.views });
  } catch (e) {
    if (e instanceof SimulationError) {
      io.err(`kpsim: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const text = a.json ? JSON.stringify(r, null, 2) : renderAscii(r);
  if (a.out) {
    fs.writeFileSync(a.out, a.json ? text : text);
    io.err(`kpsim: wrote ${a.out}`);
  } else io.out(text);
  if (r.unmodelled.length && !a.allowUnmodelled) {
    io.err(`kpsim: ${r.unmodelled.length} call(s) on the path are not modelled: ${r.unmodelled.map((u) => `${u.name} at ${u.file}:${u.line}`).join(', ')}`);
    return 2;
  }
  return passed(r) ? 0 : 1;
}
