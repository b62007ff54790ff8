// Engine benchmark: milliseconds per scenario once the tree is indexed and its code compiled,
// and interpreter speed (instructions and trace steps per second), each tree measured in one run.
// Run: npm run bench:simulate   (trees: $KPSIM_BENCH_TREES=dir:dir, default examples + ../shared/kernel v6.12/v6.18)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParserService } from '../extension/parsing/load.ts';
import { FunctionLookup } from '../extension/parsing/lookup.ts';
import { indexTree } from '../extension/parsing/treeIndex.ts';
import { simulate } from '../extension/engine/simulate.ts';
import { SCENARIOS } from '../extension/engine/scenarios/catalog.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const defaults = [path.join(repo, 'examples'), ...['v6.12.107', 'v6.18.15'].map((v) => path.resolve(repo, '../shared/kernel', v)).filter((d) => fs.existsSync(d))];
const trees = process.env.KPSIM_BENCH_TREES ? process.env.KPSIM_BENCH_TREES.split(':') : defaults;
const parser = await createParserService('wasm', { grammarDir: path.join(repo, 'grammars') });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const root of trees) {
  const t0 = performance.now();
  const lookup = new FunctionLookup(indexTree(parser, root));
  const tree = { root, lookup, parser };
  const indexMs = performance.now() - t0;
  const t1 = performance.now();
  simulate(tree, SCENARIOS[0].id); // compiles the functions on the path
  const firstMs = performance.now() - t1;
  console.log(`\n${path.basename(root)}: index ${indexMs.toFixed(0)} ms, first run (compiles) ${firstMs.toFixed(0)} ms; then ${RUNS} runs per scenario, interleaved`);
  const samples = Object.fromEntries(SCENARIOS.map((s) => [s.id, []]));
  let instructions = 0, steps = 0, ms = 0;
  for (let r = 0; r < RUNS; r++) {
    for (const s of SCENARIOS) {
      const a = performance.now();
      const res = simulate(tree, s.id);
      const d = performance.now() - a;
      samples[s.id].push(d);
      instructions += res.stats.instructions;
      steps += res.stats.steps;
      ms += d;
    }
  }
  for (const s of SCENARIOS) console.log(`  ${s.id.padEnd(34)} ${median(samples[s.id]).toFixed(2).padStart(8)} ms median   ${Math.min(...samples[s.id]).toFixed(2).padStart(8)} ms min`);
  const worst = Math.max(...SCENARIOS.map((s) => median(samples[s.id])));
  console.log(`  interpreter: ${(instructions / (ms / 1000) / 1e3).toFixed(0)}k instructions/s, ${(steps / (ms / 1000) / 1e3).toFixed(0)}k trace steps/s; slowest scenario median ${worst.toFixed(1)} ms (target < 50 ms)`);
}
parser.dispose();
