// Race-explorer benchmark: per scenario and tree, the interleavings explored (states, transitions,
// pruned by the sleep sets, segments run ahead of the other threads by the persistent sets), seconds, states/second, whether the search completed, and the time to
// the first counterexample (on the tree, and on a mutant that drops the dirty transfer of
// make_device_exclusive); targets: every two-thread scenario complete in < 2 s, every three-thread
// one in < 30 s. Then exclusive-then-cpu-write written by hand in Promela (bench/promela/) and
// checked by Spin in the same run, side by side with the explorer. Runs are interleaved (median).
// Run: npm run bench:explore (node, not tsx: it bundles the engine itself)
//   $KPSIM_BENCH_TREES=dir:dir (default examples + ../shared/kernel v6.12/v6.18), $BENCH_RUNS (3),
//   $KPSIM_BENCH_SCENARIOS=id,id (default all), $KPSIM_BENCH_EXPLORE_CAP (time bound, x target: 2)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

// Measure the code users run: the engine bundled and minified as in the extension and the CLI.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-bench-'));
const bundle = path.join(tmp, 'engine.cjs');
await esbuild.build({
  stdin: {
    contents: `export { createParserService } from './extension/parsing/load';
      export { FunctionLookup } from './extension/parsing/lookup';
      export { indexTree, overlayIndex } from './extension/parsing/treeIndex';
      export { simulate } from './extension/engine/simulate';
      export { explore } from './extension/engine/explore/explore';
      export { SCENARIOS } from './extension/engine/scenarios/catalog';`,
    resolveDir: repo, loader: 'ts',
  },
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, outfile: bundle, logLevel: 'warning',
  alias: { 'web-tree-sitter': path.join(repo, 'node_modules/web-tree-sitter/web-tree-sitter.cjs') }, external: ['tree-sitter', 'tree-sitter-c'],
  define: { __dirname: JSON.stringify(path.join(repo, 'extension/engine/model')) },
});
const { createParserService, FunctionLookup, indexTree, overlayIndex, simulate, explore, SCENARIOS } = createRequire(import.meta.url)(bundle);

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const CAP = Number(process.env.KPSIM_BENCH_EXPLORE_CAP ?? 2);
const only = process.env.KPSIM_BENCH_SCENARIOS?.split(',').filter(Boolean);
const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
const SPIN_SCENARIO = 'exclusive-then-cpu-write';
const examples = path.join(repo, 'examples');
const candidates = [examples, ...['v6.12.107', 'v6.18.15'].map((v) => path.resolve(repo, '../shared/kernel', v))];
const trees = process.env.KPSIM_BENCH_TREES ? process.env.KPSIM_BENCH_TREES.split(':').map((d) => path.resolve(d)) : candidates;
const parser = await createParserService('wasm', { grammarDir: path.join(repo, 'grammars') });

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** Seconds for a complete exploration: 30 with three threads or more, else 2 (one thread too). */
const target = (sc) => (sc.threads.length >= 3 ? 30 : 2);
/** Seconds with the unit: milliseconds below 10 ms. */
const fmtS = (s) => (s === undefined ? '-' : s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${s < 10 ? s.toFixed(3) : s.toFixed(1)} s`);
const pad = (x, n) => String(x).padStart(n);
const padEnd = (x, n) => String(x).padEnd(n);
const bounds = (r) => (r.complete ? 'yes' : `no (${r.bounds.map((b) => `${b.bound} ${b.limit}`).join(', ')})`);

/**
 * One default run, to compile the code on the scenario's path before it is timed. Step-bounded
 * low: a scenario that livelocks by design would otherwise run to the 2M-instruction bound.
 */
function warm(tree, id) {
  try {
    simulate(tree, id, { limits: { maxSteps: 20000, maxLoop: 20 } });
  } catch { /* reported by explore */ }
}

/** One explore run; an engine error is reported as such, not thrown. */
function run(tree, id, opts) {
  try {
    return explore(tree, id, opts);
  } catch (e) {
    return { error: `${e.name}: ${e.message.split('\n')[0]}` };
  }
}

/**
 * The tree with the dirty transfer of make_device_exclusive removed in memory: the
 * `if (pte_dirty(...)) folio_mark_dirty(folio);` of make_device_exclusive() (v6.14+ and the
 * examples), else of page_make_device_exclusive_one() (the rmap-walk API before v6.14).
 */
function mutantTree(root, index) {
  const rel = 'mm/rmap.c';
  const file = path.join(root, rel);
  if (!fs.existsSync(file)) return { why: `no ${rel}` };
  const text = fs.readFileSync(file, 'utf8');
  const def = /^(?:struct page \*make_device_exclusive|static bool page_make_device_exclusive_one)\(/m.exec(text);
  if (!def) return { why: 'no make_device_exclusive() or page_make_device_exclusive_one() in mm/rmap.c' };
  const call = /if \(pte_dirty\([^()]*\)\)\s*folio_mark_dirty\(folio\);/g;
  call.lastIndex = def.index;
  const m = call.exec(text);
  if (!m) return { why: `no "if (pte_dirty(...)) folio_mark_dirty(folio);" after ${def[0].slice(0, -1)}()` };
  const line = text.slice(0, m.index).split('\n').length;
  const texts = new Map([[rel, `${text.slice(0, m.index)}/* bench mutant: dirty transfer dropped */${text.slice(m.index + m[0].length)}`]]);
  const t0 = performance.now();
  const lookup = new FunctionLookup(overlayIndex(parser, index, texts));
  return { tree: { root, parser, lookup, overrides: texts }, where: `${rel}:${line} (${def[0].replace(/^.*?(\w+)\($/, '$1')})`, ms: performance.now() - t0 };
}

/** Full explorations, then time to first counterexample; `cap` = the time bound of a run. */
function measure(tree, list, { all, cap, label }) {
  const out = new Map(list.map((sc) => [sc.id, { sc, runs: [] }]));
  // First round: every scenario once. Later rounds, interleaved, only for the runs that ended by
  // themselves (complete, or a counterexample with all: false) in less than 1.5x the target: a run
  // that hit a bound, or is far over the target, would say nothing new (and cost the most).
  const again = (sc, x) => !x.error && (all ? x.complete : x.violations.length > 0) && x.seconds < 1.5 * target(sc);
  for (let r = 0; r < RUNS; r++) {
    for (const sc of list) {
      const m = out.get(sc.id);
      if (r > 0 && !again(sc, m.runs[0])) continue;
      const res = run(tree, sc.id, { all, maxSeconds: cap(sc) });
      m.runs.push(res);
      if (r === 0 && process.stderr.isTTY) process.stderr.write(`\r  ${label} ${sc.id} ${res.error ? 'error' : `${res.seconds.toFixed(1)} s`}          `);
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  for (const m of out.values()) {
    if (m.runs[0].error) continue;
    m.seconds = median(m.runs.map((x) => x.seconds));
    m.first = m.runs[0];
  }
  return out;
}

const summary = [];
let examplesTree;
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`explorer benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${load()} at the start; node ${process.version}; ${RUNS} runs; scenarios: ${scenarios.length}`);

for (const root of trees) {
  const name = path.basename(root);
  if (!fs.existsSync(root)) {
    console.log(`\n${name}: not found at ${root}: skipped`);
    continue;
  }
  const t0 = performance.now();
  const index = indexTree(parser, root);
  const tree = { root, parser, lookup: new FunctionLookup(index) };
  const indexMs = performance.now() - t0;
  const t1 = performance.now();
  for (const sc of scenarios) warm(tree, sc.id);
  const warmMs = performance.now() - t1;
  if (root === examples) examplesTree = tree;
  console.log(`\n${name}: index ${indexMs.toFixed(0)} ms, warm-up (one default run per scenario, compiles) ${warmMs.toFixed(0)} ms; ${RUNS} interleaved runs per scenario (median), time bound ${CAP}x target`);

  // 1. Full explorations (all: true), then time to first counterexample where there is one.
  const full = measure(tree, scenarios, { all: true, cap: (sc) => CAP * target(sc), label: name });
  const violating = scenarios.filter((sc) => full.get(sc.id).first?.violations.length);
  const ttf = violating.length ? measure(tree, violating, { all: false, cap: (sc) => CAP * target(sc), label: `${name} first` }) : new Map();
  console.log(`  ${padEnd('scenario', 34)} thr  ${pad('states', 6)} ${pad('trans', 6)} ${pad('pruned', 6)} ${pad('ahead', 6)} ${pad('seconds', 9)} ${pad('st/s', 6)}  ${padEnd('complete', 22)} target  verdict  violations (first counterexample: time, steps)`);
  const unmodelled = new Set();
  for (const sc of scenarios) {
    const m = full.get(sc.id);
    const r = m.first;
    if (!r) {
      console.log(`  ${padEnd(sc.id, 34)} ${pad(sc.threads.length, 3)}  ${m.runs[0].error}`);
      summary.push({ tree: name, id: sc.id, threads: sc.threads.length, error: m.runs[0].error });
      continue;
    }
    for (const u of r.unmodelled) unmodelled.add(u.name);
    const pass = r.complete && m.seconds < target(sc);
    const t = ttf.get(sc.id);
    const v = r.violations.length
      ? r.violations.map((x) => x.invariant).join(', ') + (t?.first ? `  (first: ${fmtS(t.seconds)}, ${t.first.violations[0]?.steps} steps, ${t.first.violations[0]?.invariant})` : '')
      : 'none';
    // Violations the scenario itself expects (a livelock it exists to show) are listed apart.
    const expected = (r.expected ?? []).map((x) => `${x.invariant} (${x.steps} steps)`);
    const missing = (r.missingExpected ?? []).map((x) => (typeof x === 'string' ? x : x.invariant ?? JSON.stringify(x)));
    const extra = `${expected.length ? `; expected: ${expected.join(', ')}` : ''}${missing.length ? `; EXPECTED, NOT FOUND: ${missing.join(', ')}` : ''}`;
    console.log(`  ${padEnd(sc.id, 34)} ${pad(sc.threads.length, 3)}  ${pad(r.states, 6)} ${pad(r.transitions, 6)} ${pad(r.pruned, 6)} ${pad(r.ranAhead, 6)} ${pad(fmtS(m.seconds), 9)} ${pad((r.states / m.seconds).toFixed(0), 6)}  ${padEnd(bounds(r), 22)} < ${pad(target(sc), 2)} s  ${pass ? 'PASS' : 'MISS'}     ${v}${extra}${m.runs.length < RUNS ? `  [${m.runs.length} run: ${r.complete ? 'over 1.5x target' : 'bound hit'}]` : ''}`);
    summary.push({ tree: name, id: sc.id, threads: sc.threads.length, states: r.states, seconds: m.seconds, complete: r.complete, pass, target: target(sc), ttf: t?.seconds, ttfSteps: t?.first?.violations[0]?.steps });
  }
  if (unmodelled.size) console.log(`  unmodelled on some path (not followed): ${[...unmodelled].join(', ')}`);

  // 2. The mutant: how soon the explorer finds the lost dirty bit (time bound: the target).
  const mut = mutantTree(root, index);
  if (!mut.tree) {
    console.log(`  mutant: not built (${mut.why})`);
    continue;
  }
  const t2 = performance.now();
  for (const sc of scenarios) warm(mut.tree, sc.id);
  const warmMutMs = performance.now() - t2;
  const mm = measure(mut.tree, scenarios, { all: false, cap: target, label: `${name} mutant` });
  console.log(`  mutant (folio_mark_dirty dropped at ${mut.where}; re-indexed in ${mut.ms.toFixed(0)} ms, warm-up ${warmMutMs.toFixed(0)} ms), all: false, bound = target:`);
  for (const sc of scenarios) {
    const m = mm.get(sc.id);
    const row = summary.find((x) => x.tree === name && x.id === sc.id);
    if (!m.first) {
      console.log(`    ${padEnd(sc.id, 34)} ${m.runs[0].error}`);
      continue;
    }
    const v = m.first.violations[0];
    if (row) Object.assign(row, { mutTtf: v ? m.seconds : undefined, mutSteps: v?.steps, mutStates: m.first.states, mutFound: Boolean(v) });
    console.log(`    ${padEnd(sc.id, 34)} ${v ? `${pad(fmtS(m.seconds), 10)} to the first counterexample: ${v.invariant}, ${v.steps} steps, ${m.first.states} states` : `none found (${m.first.states} states, ${fmtS(m.first.seconds)}, complete: ${bounds(m.first)})`}${m.first.expected?.length ? `; expected: ${m.first.expected.map((x) => x.invariant).join(', ')}` : ''}`);
  }
}

// 3. Spin on the hand-written Promela model of exclusive-then-cpu-write, against the explorer on
// the examples tree: both searches, and both mutants, interleaved in the same run.
const spinRows = [];
async function spinSection() {
  console.log(`\nSpin vs the explorer: ${SPIN_SCENARIO} (examples tree; bench/promela/exclusive_cpu_write.pml)`);
  const pml = path.join(repo, 'bench/promela/exclusive_cpu_write.pml');
  const spin = spawnSync('spin', ['-V'], { encoding: 'utf8' });
  if (spin.error || spin.status !== 0) {
    console.log('  SKIPPED: spin is not installed (Debian: apt-get install -y spin); the Promela comparison needs it');
    return;
  }
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (gcc.error || gcc.status !== 0) {
    console.log('  SKIPPED: gcc is not installed; Spin verifiers are C programs');
    return;
  }
  if (!examplesTree) {
    console.log('  SKIPPED: the examples tree was not benchmarked (KPSIM_BENCH_TREES)');
    return;
  }
  console.log(`  ${spin.stdout.trim()}; ${gcc.stdout.split('\n')[0]}`);
  const variants = [
    { key: 'dfs', label: 'Spin DFS', defs: [], cflags: [] },
    { key: 'bfs', label: 'Spin BFS', defs: [], cflags: ['-DBFS'] },
    { key: 'mdfs', label: 'Spin DFS mutant', defs: ['-DMUTANT_NO_DIRTY'], cflags: [] },
    { key: 'mbfs', label: 'Spin BFS mutant', defs: ['-DMUTANT_NO_DIRTY'], cflags: ['-DBFS'] },
  ];
  // Built two at a time (2 cores): spin -a writes pan.c into its directory.
  const sh = promisify(execFile);
  const build = async (v) => {
    v.dir = path.join(tmp, `spin-${v.key}`);
    fs.mkdirSync(v.dir);
    fs.copyFileSync(pml, path.join(v.dir, 'model.pml'));
    const t = performance.now();
    try {
      await sh('spin', [...v.defs, '-a', 'model.pml'], { cwd: v.dir });
      await sh('gcc', ['-O2', '-DSAFETY', ...v.cflags, '-o', 'pan', 'pan.c'], { cwd: v.dir });
    } catch (e) {
      v.failed = `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`.trim().split('\n').slice(0, 5).join(' | ');
    }
    v.compileMs = performance.now() - t;
  };
  const t0 = performance.now();
  await Promise.all([build(variants[0]), build(variants[1])]);
  await Promise.all([build(variants[2]), build(variants[3])]);
  const failed = variants.find((v) => v.failed);
  if (failed) {
    console.log(`  ${failed.label}: does not build: ${failed.failed}`);
    return;
  }
  console.log(`  compile (spin -a + gcc -O2 -DSAFETY [-DBFS], two at a time), not counted below: ${((performance.now() - t0) / 1000).toFixed(1)} s (${variants.map((v) => `${v.key} ${(v.compileMs / 1000).toFixed(1)} s`).join(', ')})`);
  const panRun = (v) => {
    for (const f of fs.readdirSync(v.dir)) if (f.endsWith('.trail')) fs.rmSync(path.join(v.dir, f));
    const t = performance.now();
    // -w18: a 2 MB hash table (the default -w24 spends most of a small run clearing 128 MB).
    const p = spawnSync('./pan', ['-w18'], { cwd: v.dir, encoding: 'utf8' });
    const wall = (performance.now() - t) / 1000;
    const o = p.stdout ?? '';
    const num = (re) => { const m = re.exec(o); return m ? Number(m[1]) : undefined; };
    const err = /pan:\d+: (.*?) \(at depth (\d+)\)/.exec(o);
    return {
      wall, elapsed: num(/pan: elapsed time ([\d.e+-]+) seconds/), stored: num(/(\d+) states, stored/), nominal: num(/(\d+) nominal states/),
      transitions: num(/(\d+) transitions \(= stored\+matched\)/), depth: num(/depth reached (\d+)/), errors: num(/errors: (\d+)/),
      error: err ? { what: err[1].replace(/\s+/g, ' '), depth: Number(err[2]) } : undefined, ok: p.status === 0, out: o,
    };
  };
  let mutTree;
  const mut = mutantTree(examples, indexTree(parser, examples));
  if (mut.tree) mutTree = mut.tree;
  const ours = [], oursMut = [], starts = [];
  const pans = Object.fromEntries(variants.map((v) => [v.key, []]));
  // What a pan run costs before it searches: process start, `./pan -?` (prints its usage, exits).
  const startOnly = () => { const t = performance.now(); spawnSync('./pan', ['-?'], { cwd: variants[0].dir, encoding: 'utf8' }); return (performance.now() - t) / 1000; };
  // A pan run is milliseconds, of the order of a process start: each round runs every verifier
  // PAN_REPS times (and a start-only pan as often), and the medians are taken over all of them.
  const PAN_REPS = 11;
  for (let r = 0; r < RUNS; r++) {
    ours.push(explore(examplesTree, SPIN_SCENARIO, { all: true, maxSeconds: CAP * 2 }));
    if (mutTree) oursMut.push(explore(mutTree, SPIN_SCENARIO, { all: false, maxSeconds: CAP * 2 }));
    for (let i = 0; i < PAN_REPS; i++) {
      starts.push(startOnly());
      for (const v of variants) pans[v.key].push(panRun(v));
    }
  }
  for (const [k, xs] of Object.entries(pans)) {
    if (xs.some((x) => !x.ok && !x.error)) {
      console.log(`  ${k}: pan failed:\n${xs.find((x) => !x.ok).out.split('\n').slice(0, 12).join('\n')}`);
      return;
    }
  }
  const o = ours[0];
  const oS = median(ours.map((x) => x.seconds));
  const start = median(starts);
  const pS = (k) => median(pans[k].map((x) => x.wall));
  // The search alone: wall time minus a bare start (floored: below ~0.2 ms it is start-up noise).
  const pNet = (k) => Math.max(pS(k) - start, 0.0002);
  const label = (k) => variants.find((v) => v.key === k).label;
  const ratios = (ours, k) => `${(ours / pS(k)).toFixed(0)}x wall, ${pS(k) - start > 0.0002 ? `${(ours / pNet(k)).toFixed(0)}x` : `> ${(ours / pNet(k)).toFixed(0)}x`} net`;
  console.log(`  ${RUNS} interleaved rounds; explorer: median of ${RUNS}; Spin: median of ${RUNS * PAN_REPS} runs of ./pan -w18 each, wall time`);
  console.log(`  with the process start (a pan that starts and exits at once: ${fmtS(start)}) and net of it; [pan's own clock, 10 ms resolution]`);
  console.log('  full search (no violation expected):');
  console.log(`    ${padEnd('', 18)} ${pad('states', 7)} ${pad('trans', 7)} ${pad('depth', 6)} ${pad('wall s', 9)} ${pad('net s', 9)} ${pad('states/s', 9)}  errors`);
  console.log(`    ${padEnd('explorer (BFS+POR)', 18)} ${pad(o.states, 7)} ${pad(o.transitions, 7)} ${pad(o.maxDepth, 6)} ${pad(fmtS(oS), 9)} ${pad('', 9)} ${pad((o.states / oS).toFixed(0), 9)}  ${o.violations.length ? o.violations.map((x) => x.invariant).join(', ') : 'none'} (complete: ${bounds(o)}; ${o.pruned} transitions pruned, ${o.ranAhead} segments run ahead)`);
  for (const k of ['dfs', 'bfs']) {
    const p = pans[k][0];
    console.log(`    ${padEnd(label(k), 18)} ${pad(p.stored, 7)} ${pad(p.transitions, 7)} ${pad(p.depth, 6)} ${pad(fmtS(pS(k)), 9)} ${pad(fmtS(pNet(k)), 9)} ${pad((p.stored / pNet(k)).toFixed(0), 9)}  ${p.errors}${p.nominal !== undefined ? ` (${p.nominal} nominal states: atomic steps excluded)` : ''} [pan: ${p.elapsed} s]`);
  }
  for (const k of ['dfs', 'bfs']) {
    const p = pans[k][0];
    const spinStates = p.nominal ?? p.stored;
    spinRows.push({ what: `full search, vs ${k.toUpperCase()}`, ours: oS, spin: pS(k), net: pNet(k), ratio: ratios(oS, k), oursStates: o.states, spinStates });
    console.log(`    explorer / Spin ${k.toUpperCase()}: ${ratios(oS, k)} the seconds; ${(o.states / spinStates).toFixed(2)}x the states (explorer: states at scheduling points; Spin: ${p.nominal !== undefined ? 'nominal ' : ''}states stored)`);
  }
  if (!mutTree) {
    console.log(`  mutant: the explorer's mutant was not built (${mut.why})`);
    return;
  }
  const om = oursMut[0];
  const omS = median(oursMut.map((x) => x.seconds));
  const ov = om.violations[0];
  console.log('  mutant (the dirty transfer dropped: -DMUTANT_NO_DIRTY; folio_mark_dirty() removed from examples/mm/rmap.c), to the first counterexample:');
  console.log(`    ${padEnd('explorer (BFS+POR)', 18)} ${ov ? `${ov.invariant} after ${fmtS(omS)}: ${ov.steps} scheduling decisions, ${om.states} states` : `NOT FOUND (${om.states} states, ${fmtS(omS)})`}`);
  if (ov) console.log(`    ${padEnd('', 18)} schedule ${ov.schedule.join(',')}`);
  for (const k of ['mdfs', 'mbfs']) {
    const p = pans[k][0];
    console.log(`    ${padEnd(label(k), 18)} ${p.error ? `${p.error.what.replace(/^assertion violated .*/, 'assertion violated (dirty-preserved)')} after ${fmtS(pS(k))} wall, ${fmtS(pNet(k))} net: depth ${p.error.depth} (Promela steps), ${p.stored} states stored` : `NOT FOUND (${p.stored} states)`} [pan: ${p.elapsed} s]`);
    spinRows.push({ what: `mutant, 1st cex, vs ${k.slice(1).toUpperCase()}`, ours: ov ? omS : undefined, spin: p.error ? pS(k) : undefined, net: pNet(k), ratio: ov && p.error ? ratios(omS, k) : 'not found', oursStates: om.states, spinStates: p.nominal ?? p.stored, found: `${ov ? 'yes' : 'no'}/${p.error ? 'yes' : 'no'}` });
  }
}
await spinSection();

// Summary.
console.log('\nSummary (median seconds; target: complete, < 2 s with two threads, < 30 s with three)');
console.log(`  ${padEnd('tree', 10)} ${padEnd('scenario', 34)} thr ${pad('states', 6)} ${pad('seconds', 9)} ${padEnd('complete', 8)} verdict  ${pad('first cex', 10)} ${pad('mutant 1st', 10)}`);
for (const r of summary) {
  if (r.error) {
    console.log(`  ${padEnd(r.tree, 10)} ${padEnd(r.id, 34)} ${pad(r.threads, 3)} ${r.error}`);
    continue;
  }
  const mutant = r.mutFound === undefined ? '-' : r.mutFound ? `${fmtS(r.mutTtf)}` : 'none';
  console.log(`  ${padEnd(r.tree, 10)} ${padEnd(r.id, 34)} ${pad(r.threads, 3)} ${pad(r.states, 6)} ${pad(fmtS(r.seconds), 9)} ${padEnd(r.complete ? 'yes' : 'no', 8)} ${r.pass ? 'PASS' : 'MISS'}     ${pad(r.ttf === undefined ? '-' : `${fmtS(r.ttf)}`, 10)} ${pad(mutant, 10)}`);
}
const rows = summary.filter((r) => !r.error);
console.log(`  ${rows.filter((r) => r.pass).length}/${rows.length} PASS; MISS: ${rows.filter((r) => !r.pass).map((r) => `${r.tree}/${r.id}`).join(', ') || 'none'}`);
if (spinRows.length) {
  console.log(`  Spin (${SPIN_SCENARIO}, examples): explorer / Spin`);
  for (const s of spinRows) console.log(`    ${padEnd(s.what, 26)} seconds ${pad(fmtS(s.ours), 8)} / ${pad(fmtS(s.spin), 8)} wall (${fmtS(s.net)} net) = ${s.ratio};  states ${pad(s.oursStates, 5)} / ${pad(s.spinStates, 5)} = ${(s.oursStates / s.spinStates).toFixed(2)}x${s.found ? `;  found by both: ${s.found}` : ''}`);
} else console.log('  Spin comparison: skipped (see above)');
console.log(`  load average at the end: ${load()} (other processes on the machine slow every number above alike)`);
parser.dispose();
fs.rmSync(tmp, { recursive: true, force: true });
