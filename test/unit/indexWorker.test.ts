import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { indexInWorker } from '../../extension/parsing/indexClient';
import type { IndexProgress } from '../../extension/parsing/treeIndex';
import { EXAMPLES, REPO } from '../helpers/parser';

const worker = path.join(REPO, 'dist/indexWorker.js');
const grammarDir = path.join(REPO, 'grammars');

test('the index is built in a worker thread, with progress', async () => {
  const progress: IndexProgress[] = [];
  const index = await indexInWorker(worker, { root: EXAMPLES, grammarDir }, (p) => progress.push(p));
  assert.equal(index.files.length, 4);
  assert.ok(index.files.some((f) => f.functions.some((fn) => fn.name === 'make_device_exclusive')));
  assert.deepEqual(progress.at(-1), { kind: 'progress', done: 4, total: 4, file: '' });
});

test('errors in the worker come back with their name, and cancelling stops it', async () => {
  await assert.rejects(indexInWorker(worker, { root: '/no/such/tree', grammarDir }, () => {}), (e: Error) => e.name === 'TreeError');
  let cancel: () => void = () => {};
  const token = { onCancellationRequested: (l: () => void) => (cancel = l) };
  const p = indexInWorker(worker, { root: EXAMPLES, grammarDir }, () => {}, token);
  cancel();
  await assert.rejects(p, (e: Error) => e.name === 'Cancelled');
});
