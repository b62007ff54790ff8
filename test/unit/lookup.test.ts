import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { callTree } from '../../extension/parsing/callTree';
import { FAMILY, FunctionLookup, UnknownFunctionError, editDistance, otherNames } from '../../extension/parsing/lookup';
import { TreeError, indexTree } from '../../extension/parsing/treeIndex';
import { EXAMPLES, FIXTURES, wasmService } from '../helpers/parser';

async function examples(): Promise<FunctionLookup> {
  return new FunctionLookup(indexTree(await wasmService(), EXAMPLES));
}

test('the examples tree defines the family and parses cleanly', async () => {
  const l = await examples();
  for (const name of ['make_device_exclusive', 'restore_exclusive_pte', 'try_restore_exclusive_pte', 'remove_device_exclusive_entry', 'copy_nonpresent_pte', 'zap_nonpresent_ptes', 'change_pte_range', 'dmirror_exclusive']) {
    assert.equal(l.definitions(name).length, 1, name);
    assert.ok(FAMILY.has(name), name);
  }
  assert.deepEqual(l.index.files.flatMap((f) => f.problems), []);
});

test('renamed functions are found under the name of another version', async () => {
  const l = await examples();
  assert.deepEqual(otherNames('make_device_exclusive_range'), ['make_device_exclusive']);
  const found = l.locate('make_device_exclusive_range');
  assert.equal(found?.matched, 'make_device_exclusive');
  assert.equal(found?.definitions[0].file, 'mm/rmap.c');
  assert.equal(l.locate('zap_pte_range')?.matched, 'zap_nonpresent_ptes');
});

test('an unknown name is an error listing close names', async () => {
  const l = await examples();
  assert.throws(() => l.locateOrThrow('restore_exclusiv_pte'), (e: Error) => e instanceof UnknownFunctionError && /close names: restore_exclusive_pte/.test(e.message));
  assert.throws(() => l.locateOrThrow('zzzz'), (e: Error) => e instanceof UnknownFunctionError && !/close names/.test(e.message));
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('abc', 'abcdefgh', 2), 3, 'gives up past the limit');
});

test('a directory that is not a kernel tree is refused with the reason', async () => {
  const p = await wasmService();
  assert.throws(() => indexTree(p, '/no/such/dir'), (e: Error) => e instanceof TreeError && /no such directory/.test(e.message));
  assert.throws(() => indexTree(p, FIXTURES), (e: Error) => e instanceof TreeError && /is it a kernel tree/.test(e.message));
});

test('the call tree links callees defined in the tree and marks the others', async () => {
  const l = await examples();
  const t = callTree(l, 'dmirror_exclusive', 'lib/test_hmm.c', 2);
  assert.equal(t.file, 'lib/test_hmm.c');
  const mde = t.children?.find((c) => c.name === 'make_device_exclusive');
  assert.equal(mde?.file, 'mm/rmap.c');
  assert.ok(mde?.children?.some((c) => c.name === 'folio_walk_start' && c.file === undefined), 'a helper the tree lacks has no file');
  const atomic = t.children?.find((c) => c.name === 'dmirror_atomic_map');
  assert.equal(atomic?.file, 'lib/test_hmm.c');
  // Depth 2: grandchildren of the root are listed but not expanded.
  assert.ok(mde?.children?.every((c) => !c.file || c.children === undefined));
});

test('recursion is marked, not followed', async () => {
  const p = await wasmService();
  const { FIXTURES: dir } = await import('../helpers/parser');
  const fs = await import('node:fs');
  const r = p.analyse(fs.readFileSync(`${dir}/calls.c`, 'utf8'));
  const l = new FunctionLookup({ root: 'fixture', backend: 'wasm', seconds: 0, files: [{ path: 'mm/calls.c', bytes: 0, parseMs: 0, unreadable: 0, problems: [], functions: r.functions, details: r.details }] });
  const t = callTree(l, 'fault_one', 'mm/calls.c', 5);
  const self = t.children?.find((c) => c.name === 'fault_one');
  assert.equal(self?.recursive, true);
  assert.deepEqual(self?.children, []);
});
