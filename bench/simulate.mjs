// Engine benchmark: milliseconds per scenario once the tree is indexed and its code compiled,
// and interpreter speed (instructions and trace steps per second), each tree measured in one run.
// Run: npm run bench:simulate (node, not tsx: it bundles the engine itself)   (trees: $KPSIM_BENCH_TREES=dir:dir, default examples + ../shared/kernel v6.12/v6.18)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

// Measure the code users run: the engine bundled and minified as in the extension and the CLI.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-bench-')), 'engine.cjs');
await esbuild.build({
  stdin: {
    contents: `export { createParserService } from './extension/parsing/load';
      export { FunctionLookup } from './extension/parsing/lookup';
      export { indexTree } from './extension/parsing/treeIndex';
      export { simulate } from './extension/engine/simulate';
      export { SCENARIOS } from './extension/engine/scenarios/catalog';`,
    resolveDir: repo, loader: 'ts',
  },
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, outfile: bundle, logLevel: 'warning',
  alias: { 'web-tree-sitter': path.join(repo, 'node_modules/web-tree-sitter/web-tree-sitter.cjs') }, external: ['tree-sitter', 'tree-sitter-c'],
  define: { __dirname: JSON.stringify(path.join(repo, 'extension/engine/model')) },
});
const { createParserService, FunctionLookup, indexTree, simulate, SCENARIOS } = createRequire(import.meta.url)(bundle);
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
