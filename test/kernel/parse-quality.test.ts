// How much of each real tree the parser reads, after blanking kernel annotations.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { indexTree } from '../../extension/parsing/treeIndex';
import { kernelTrees } from '../helpers/kernelTrees';
import { wasmService } from '../helpers/parser';

const { trees, source } = kernelTrees();
if (trees.length === 0) test('parse quality on real trees', { skip: `no kernel tree found in ${source}` }, () => {});

for (const tree of trees) {
  test(`${path.basename(tree)}: no file is mostly unreadable, no parse fails`, async () => {
    const index = indexTree(await wasmService(), tree);
    for (const f of index.files) {
      assert.equal(f.failure, undefined, `${f.path}: ${f.failure}`);
      assert.ok(f.unreadable < 0.05, `${f.path}: ${(f.unreadable * 100).toFixed(1)} % unreadable`);
    }
    const functions = index.files.reduce((n, f) => n + f.functions.length, 0);
    assert.ok(functions > 50, `${functions} functions`);
  });
}
