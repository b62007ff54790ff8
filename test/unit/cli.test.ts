import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { LocateRow } from '../../extension/cli/locateCommand';
import { kpsim } from '../helpers/cli';
import { EXAMPLES, REPO } from '../helpers/parser';

test('locate prints file, lines, signature and the name matched', async () => {
  const r = await kpsim('locate', '--tree', EXAMPLES, '--backend', 'wasm', '--json', 'make_device_exclusive_range', 'restore_exclusive_pte');
  assert.equal(r.code, 0, r.err);
  const rows = JSON.parse(r.out) as LocateRow[];
  assert.deepEqual(rows.map((x) => [x.query, x.matched, x.file]), [
    ['make_device_exclusive_range', 'make_device_exclusive', 'mm/rmap.c'],
    ['restore_exclusive_pte', 'restore_exclusive_pte', 'mm/memory.c'],
  ]);
  const text = fs.readFileSync(path.join(EXAMPLES, 'mm/memory.c'), 'utf8').split('\n');
  assert.match(text[rows[1].nameLine - 1], /restore_exclusive_pte\(/);
  assert.match(rows[1].signature, /^static void restore_exclusive_pte\(/);
  const plain = await kpsim('locate', '--tree', EXAMPLES, 'make_device_exclusive_range');
  assert.match(plain.out, /^make_device_exclusive_range \(as make_device_exclusive\)\tmm\/rmap\.c:\d+-\d+\t/);
});

test('an unknown name exits 1 and lists close names', async () => {
  const r = await kpsim('locate', '--tree', EXAMPLES, 'restore_exclusive_pte', 'remove_device_exclusive');
  assert.equal(r.code, 1);
  assert.match(r.out, /restore_exclusive_pte/);
  assert.match(r.err, /no function 'remove_device_exclusive'.*close names: remove_device_exclusive_entry/);
});

test('index lists files, functions and parse errors with file:line', async () => {
  const r = await kpsim('index', '--tree', EXAMPLES, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { totals: { files: number; functions: number; problems: number } };
  assert.equal(j.totals.files, 4);
  assert.ok(j.totals.functions >= 12);
  assert.equal(j.totals.problems, 0);
  const plain = await kpsim('index', '--tree', EXAMPLES);
  assert.match(plain.out, /4 files, \d+ functions, 0 parse errors, [\d.]+ s/);
});

test('bad input: no tree, missing tree, unknown command', async () => {
  assert.match((await kpsim('locate', 'x')).err, /--tree DIR is required/);
  const missing = await kpsim('index', '--tree', path.join(REPO, 'no-such-tree'));
  assert.match(missing.err, /no such directory/);
  assert.match((await kpsim('frobnicate')).err, /unknown command 'frobnicate'/);
  assert.match((await kpsim('--backend', 'gpu', 'index')).err, /--backend must be/);
});

test('the built kpsim binary runs, reports its backend and exit codes', () => {
  const cli = path.join(REPO, 'dist/cli.js');
  assert.ok(fs.existsSync(cli), 'run the build first (npm test does)');
  assert.match(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }), /^kpsim \d+\.\d+\.\d+ \(parser: .*(WASM|native)/);
  assert.match(execFileSync(process.execPath, [cli, '--version', '--backend', 'wasm'], { encoding: 'utf8' }), /WASM/);
  const unknown = spawnSync(process.execPath, [cli, 'locate', '--tree', EXAMPLES, 'nope_nope'], { encoding: 'utf8' });
  assert.equal(unknown.status, 1);
  const usage = spawnSync(process.execPath, [cli, 'locate', '--bogus'], { encoding: 'utf8' });
  assert.equal(usage.status, 64);
  assert.match(usage.stderr, /kpsim: .*bogus/);
});

test('scenarios lists what the engine runs', async () => {
  const r = await kpsim('scenarios');
  assert.equal(r.code, 0);
  assert.match(r.out, /^exclusive-then-cpu-write +GPU atomic, then CPU write fault$/m);
  const j = JSON.parse((await kpsim('scenarios', '--json')).out) as { id: string }[];
  assert.ok(j.some((s) => s.id === 'exclusive-then-cpu-read'));
});

test('simulate prints the ASCII timeline or the JSON trace, and writes --out', async () => {
  const ascii = await kpsim('simulate', '--tree', EXAMPLES, '--scenario', 'exclusive-then-cpu-write', '--backend', 'wasm');
  assert.equal(ascii.code, 0, ascii.err);
  assert.match(ascii.out, /PASS/);
  const json = await kpsim('simulate', '--tree', EXAMPLES, '--scenario', 'exclusive-stays', '--json');
  assert.equal((JSON.parse(json.out) as { format: string }).format, 'kpsim-trace');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-cli-')), 'trace.json');
  const written = await kpsim('simulate', '--tree', EXAMPLES, '--scenario', 'exclusive-stays', '--json', '--out', out);
  assert.equal(written.out, '');
  assert.equal((JSON.parse(fs.readFileSync(out, 'utf8')) as { scenario: { id: string } }).scenario.id, 'exclusive-stays');
});

test('simulate: unknown scenario lists the valid ones; failing checks exit 1', async () => {
  const bad = await kpsim('simulate', '--tree', EXAMPLES, '--scenario', 'nope');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown scenario 'nope'; the scenarios are: .*exclusive-then-cpu-write/);
  const missing = await kpsim('simulate', '--tree', EXAMPLES);
  assert.match(missing.err, /--scenario ID is required/);
  const failing = await kpsim('simulate', '--tree', EXAMPLES, '--scenario', 'exclusive-then-cpu-write', '--schedule', 'cpu1,cpu1,cpu1,cpu1,dev0');
  assert.equal(failing.code, 1);
  assert.match(failing.out, /FAIL/);
});

test('simulate exits 2 when a call on the path is not modelled', async () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-tree-'));
  fs.cpSync(EXAMPLES, tree, { recursive: true });
  const rmap = path.join(tree, 'mm/rmap.c');
  fs.writeFileSync(rmap, fs.readFileSync(rmap, 'utf8').replace('mmap_assert_locked(mm);', 'mmap_assert_locked(mm);\n\tkpsim_test_helper_nobody_models(mm);'));
  const r = await kpsim('simulate', '--tree', tree, '--scenario', 'exclusive-stays');
  assert.equal(r.code, 2);
  assert.match(r.err, /not modelled: kpsim_test_helper_nobody_models at mm\/rmap\.c:\d+/);
  const allowed = await kpsim('simulate', '--tree', tree, '--scenario', 'exclusive-stays', '--allow-unmodelled');
  assert.equal(allowed.code, 1);
});
