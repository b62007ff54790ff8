// The simulation worker (dist/simulateWorker.js, built by `node esbuild.mjs`) and its client.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { simulateInWorker } from '../../../extension/run/simulateClient';
import { indexTree } from '../../../extension/parsing/treeIndex';
import { EXAMPLES, FIXTURES, REPO, wasmService } from '../../helpers/parser';

const worker = path.join(REPO, 'dist/simulateWorker.js');
const grammarDir = path.join(REPO, 'grammars');

async function examplesIndex() {
  return indexTree(await wasmService(), EXAMPLES);
}

test('a scenario runs in a worker thread: the trace and its ASCII timeline come back', async () => {
  const progress: string[] = [];
  const { result, ascii } = await simulateInWorker(worker, { root: EXAMPLES, grammarDir, index: await examplesIndex(), scenario: 'exclusive-then-cpu-write' }, (m) => progress.push(m));
  assert.equal(result.format, 'kpsim-trace');
  assert.equal(result.scenario.id, 'exclusive-then-cpu-write');
  assert.ok(result.checks.every((c) => c.ok));
  assert.match(ascii, /^kpsim: exclusive-then-cpu-write on examples: PASS/);
  assert.match(ascii, /mm\/rmap\.c:\d+ +make_device_exclusive /);
  assert.deepEqual(progress, ['loading the parser', 'running exclusive-then-cpu-write']);
});

test('overrides reach the engine: a patched file runs patched code', async () => {
  const index = await examplesIndex();
  const fs = await import('node:fs');
  const rmap = fs.readFileSync(path.join(EXAMPLES, 'mm/rmap.c'), 'utf8');
  // Same length, so the index's offsets stay true: the conversion now forgets the dirty bit.
  const patched = rmap.replace(/folio_mark_dirty\(folio\);/, (m) => `/*${' '.repeat(m.length - 4)}*/`);
  assert.notEqual(patched, rmap, 'the example calls folio_mark_dirty()');
  const req = { root: EXAMPLES, grammarDir, index, scenario: 'exclusive-stays' };
  const dirty = (r: { checks: { name: string; ok: boolean }[] }): boolean | undefined => r.checks.find((c) => /stays dirty/.test(c.name))?.ok;
  assert.equal(dirty((await simulateInWorker(worker, req)).result), true);
  assert.equal(dirty((await simulateInWorker(worker, { ...req, overrides: { 'mm/rmap.c': patched } })).result), false);
});

test('errors come back with their name: unknown scenario, a tree without device-exclusive support', async () => {
  const index = await examplesIndex();
  await assert.rejects(
    simulateInWorker(worker, { root: EXAMPLES, grammarDir, index, scenario: 'nope' }),
    (e: Error) => e.name === 'SimulationError' && /unknown scenario 'nope'; the scenarios are: exclusive-then-cpu-write/.test(e.message),
  );
  const bare = indexTree(await wasmService(), FIXTURES, { dirs: ['.'] });
  await assert.rejects(
    simulateInWorker(worker, { root: FIXTURES, grammarDir, index: bare, scenario: 'exclusive-stays' }),
    (e: Error) => e.name === 'SimulationError' && /has no device-exclusive support/.test(e.message),
  );
});

test('a broken worker is a crash, and cancelling terminates the worker', async () => {
  const index = await examplesIndex();
  await assert.rejects(
    simulateInWorker(path.join(REPO, 'dist/no-such-worker.js'), { root: EXAMPLES, grammarDir, index, scenario: 'exclusive-stays' }),
    (e: Error) => e.name === 'WorkerCrash',
  );
  let cancel: () => void = () => {};
  const token = { onCancellationRequested: (l: () => void) => (cancel = l) };
  const t0 = Date.now();
  const p = simulateInWorker(worker, { root: EXAMPLES, grammarDir, index, scenario: 'exclusive-then-cpu-write' }, () => {}, token);
  cancel();
  await assert.rejects(p, (e: Error) => e.name === 'Cancelled');
  assert.ok(Date.now() - t0 < 1000, 'cancelled at once');
});
