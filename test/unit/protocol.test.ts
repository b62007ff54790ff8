import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseHostMessage, parseWebviewMessage } from '../../extension/protocol';

test('well-formed messages pass', () => {
  assert.ok(parseWebviewMessage({ v: 1, type: 'ready' }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'open', file: 'mm/rmap.c', line: 2673 }));
  assert.ok(parseHostMessage({ v: 1, type: 'pathTree', tree: 't', depth: 2, root: { name: 'f', file: 'mm/a.c', line: 1, children: [{ name: 'g' }] } }));
});

test('malformed messages are rejected', () => {
  for (const bad of [null, 42, 'ready', {}, { type: 'ready' }, { v: 2, type: 'ready' }, { v: 1, type: 'nope' },
    { v: 1, type: 'open', file: 'x' }, { v: 1, type: 'open', file: 'x', line: 0 }, { v: 1, type: 'open', file: 1, line: 1 },
    { v: 1, type: 'expand', requestId: 'a', name: 'f', file: 'x' }, { v: 1, type: 'toString' }, { v: 1, type: '__proto__' }]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(parseHostMessage({ v: 1, type: 'pathTree', tree: 't', depth: 2, root: { name: 3 } }), undefined);
  assert.equal(parseHostMessage({ v: 1, type: 'children', requestId: 1, children: [{}] }), undefined);
});
