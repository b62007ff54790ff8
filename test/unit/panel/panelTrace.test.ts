// Saved traces for the panel: reading one back, finding its tree, placing its file references.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { simulate } from '../../../extension/engine/simulate';
import { findTraceRoot, readPanelTrace, traceFilePath } from '../../../extension/run/panelTrace';
import { engineTree } from '../../helpers/engine';
import { EXAMPLES } from '../../helpers/parser';

test('a trace saved from the panel reads back; a bad file says what is wrong', async () => {
  const r = simulate(await engineTree(EXAMPLES), 'exclusive-stays', { views: true });
  const back = readPanelTrace(JSON.stringify(r));
  assert.ok('trace' in back);
  assert.equal(back.trace.scenario.id, 'exclusive-stays');
  assert.deepEqual(back.trace.views, JSON.parse(JSON.stringify(r.views)));
  const without = readPanelTrace(JSON.stringify(simulate(await engineTree(EXAMPLES), 'exclusive-stays')));
  assert.ok('error' in without && /recorded without views/.test(without.error), JSON.stringify(without));
  const notJson = readPanelTrace('kpsim: exclusive-stays on examples: PASS');
  assert.ok('error' in notJson && /^it is not JSON \(.*\); a kpsim trace is a JSON object$/.test(notJson.error), JSON.stringify(notJson));
  const other = readPanelTrace('{"name": "package", "version": "1.0.0"}');
  assert.ok('error' in other && /not a kpsim trace/.test(other.error));
  const truncated = readPanelTrace(JSON.stringify(r).slice(0, 500));
  assert.ok('error' in truncated && /not JSON/.test(truncated.error));
});

test('the tree of a trace: a candidate of that name, one inside, or one beside; it must have mm/', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-roots-'));
  try {
    for (const t of ['v6.12', 'v6.18', 'ws/v5.10']) fs.mkdirSync(path.join(base, t, 'mm'), { recursive: true });
    fs.mkdirSync(path.join(base, 'nomm'), { recursive: true });
    assert.equal(findTraceRoot('v6.18', [path.join(base, 'v6.18')]), path.join(base, 'v6.18'));
    assert.equal(findTraceRoot('v6.12', [path.join(base, 'v6.18')]), path.join(base, 'v6.12'), 'beside the open tree');
    assert.equal(findTraceRoot('v5.10', [path.join(base, 'ws')]), path.join(base, 'ws', 'v5.10'), 'inside a workspace folder');
    assert.equal(findTraceRoot('nomm', [base]), undefined, 'no mm/: not a tree');
    assert.equal(findTraceRoot('v7.0', [path.join(base, 'v6.18')]), undefined);
    for (const evil of ['..', '.', '../v6.12', 'a/b', '']) assert.equal(findTraceRoot(evil, [path.join(base, 'v6.18')]), undefined, evil);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('file references: tree files stay inside the tree, kpsim/*.c is the model\'s', () => {
  const root = path.resolve('/trees/v6.18');
  const model = path.resolve('/ext/extension/engine/model/kpsim');
  assert.equal(traceFilePath('mm/memory.c', root, model), path.join(root, 'mm/memory.c'));
  assert.equal(traceFilePath('kpsim/fault.c', root, model), path.join(model, 'fault.c'));
  assert.equal(traceFilePath('kpsim/fault.c', undefined, model), path.join(model, 'fault.c'), 'the model needs no tree');
  for (const bad of ['../etc/passwd', '/etc/passwd', 'mm/../../x.c', '']) assert.equal(traceFilePath(bad, root, model), undefined, bad);
  assert.equal(traceFilePath('mm/memory.c', undefined, model), undefined, 'no tree open');
});
