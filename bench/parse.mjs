// Parser benchmark: WASM vs native tree-sitter vs a raw read-and-scan of the same bytes, measured
// interleaved in one process so the ratios hold on a noisy machine; plus the cost of code lenses.
// Run: npm run bench   (tree: $KPSIM_BENCH_TREE, default ../shared/kernel/v6.18.15, else examples/)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParserService } from '../extension/parsing/load.ts';
import { listSourceFiles } from '../extension/parsing/treeIndex.ts';
import { FAMILY } from '../extension/parsing/lookup.ts';
import { blankKernelMacros } from '../extension/parsing/sanitize.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(repo, '../shared/kernel/v6.18.15');
const tree = process.env.KPSIM_BENCH_TREE ?? (fs.existsSync(shared) ? shared : path.join(repo, 'examples'));
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const grammarDir = path.join(repo, 'grammars');

const wasm = await createParserService('wasm', { grammarDir });
let native;
try { native = await createParserService('native', { grammarDir }); } catch (e) { console.log(`native backend unavailable: ${e.message}`); }

const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return { min: s[0], median: s[s.length >> 1] }; };
const time = (f) => { const t = performance.now(); f(); return performance.now() - t; };

/** Read the file and count its lines: the floor any parser sits on. */
function readAndScan(file) {
  const text = fs.readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
const parseWith = (svc) => (file) => { const t = svc.backend.parse(blankKernelMacros(fs.readFileSync(file, 'utf8'))); t.delete(); };

function bench(label, files) {
  const contenders = { scan: (f) => readAndScan(f), wasm: parseWith(wasm), ...(native ? { native: parseWith(native) } : {}) };
  for (const f of Object.values(contenders)) for (const file of files) f(file); // warm-up (V8 wasm tier-up)
  const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [k, f] of Object.entries(contenders)) samples[k].push(time(() => { for (const file of files) f(file); }));
  }
  const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`\n${label}: ${files.length} file(s), ${(bytes / 1024).toFixed(0)} KiB, ${RUNS} interleaved runs (ms, min / median)`);
  for (const [k, v] of Object.entries(s)) console.log(`  ${k.padEnd(7)} ${v.min.toFixed(2).padStart(8)} / ${v.median.toFixed(2).padStart(8)}   ${(bytes / 1048576 / (v.min / 1000)).toFixed(1)} MiB/s`);
  if (s.native) console.log(`  ratio wasm/native: ${(s.wasm.min / s.native.min).toFixed(2)} (min), ${(s.wasm.median / s.native.median).toFixed(2)} (median)`);
  console.log(`  ratio wasm/scan:   ${(s.wasm.min / s.scan.min).toFixed(0)}x (min)`);
}

const memory = path.join(tree, 'mm/memory.c');
console.log(`tree: ${path.relative(process.cwd(), tree) || '.'}   wasm: ${wasm.backend.description}   native: ${native?.backend.description ?? 'none'}`);
if (fs.existsSync(memory)) bench('mm/memory.c', [memory]);
bench('every indexed file', listSourceFiles(tree).map((f) => path.join(tree, f)));

// Code lenses as the provider makes them: the family functions of an already-parsed document,
// and after a one-line edit (incremental re-parse).
if (fs.existsSync(memory)) {
  const text = fs.readFileSync(memory, 'utf8');
  const lenses = (t) => wasm.parse('bench:memory.c', t).functions.filter((f) => FAMILY.has(f.name)).length;
  lenses(text);
  const cached = [], edited = [];
  const mid = text.indexOf('\n', text.length >> 1) + 1;
  const variants = [text, `${text.slice(0, mid)}\tprobe_counter++;\n${text.slice(mid)}`];
  for (let r = 0; r < RUNS; r++) {
    // Each edited run re-parses (the text differs from the last one); each cached run does not.
    edited.push(time(() => lenses(variants[(r + 1) % 2])));
    cached.push(time(() => lenses(variants[(r + 1) % 2])));
  }
  const c = stats(cached), e = stats(edited);
  console.log(`\ncode lenses for mm/memory.c (${lenses(text)} lenses): parsed ${c.min.toFixed(2)} / ${c.median.toFixed(2)} ms; after a one-line edit (incremental) ${e.min.toFixed(2)} / ${e.median.toFixed(2)} ms (min / median)`);
}
wasm.dispose();
native?.dispose();
