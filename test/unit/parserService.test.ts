import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ParseCancelledError, ParseTimeoutError, ParserDeadError } from '../../extension/parsing/backend';
import { createParserService } from '../../extension/parsing/load';
import { loadNativeBackend } from '../../extension/parsing/nativeBackend';
import { ParserService, editBetween, readQuerySource } from '../../extension/parsing/parserService';
import { EXAMPLES, REPO, wasmService } from '../helpers/parser';

const memory = fs.readFileSync(path.join(EXAMPLES, 'mm/memory.c'), 'utf8');

test('an edited document is re-parsed incrementally and gives what a fresh parse gives', async () => {
  const p = await wasmService();
  const first = p.parse('doc', memory);
  assert.equal(first.incremental, false);
  const edited = memory.replace('\nstatic int\ntry_restore_exclusive_pte', '\nstatic int added_fn(void)\n{\n\treturn 0;\n}\n\nstatic int\ntry_restore_exclusive_pte');
  const second = p.parse('doc', edited);
  assert.equal(second.incremental, true);
  const fresh = p.analyse(edited);
  assert.deepEqual(second.functions, fresh.functions);
  assert.ok(second.functions.some((f) => f.name === 'added_fn'));
  assert.equal(p.parse('doc', edited), second, 'the same text is served from the cache');
  p.forget('doc');
});

test('the edit between two texts is their differing middle', () => {
  const e = editBetween('ab\ncd\nef', 'ab\ncXYd\nef');
  assert.deepEqual([e.startIndex, e.oldEndIndex, e.newEndIndex], [4, 4, 6]);
  assert.deepEqual(e.startPosition, { row: 1, column: 1 });
  assert.deepEqual(e.newEndPosition, { row: 1, column: 3 });
});

test('the tree cache keeps at most `capacity` trees, freeing the oldest', async () => {
  const base = await wasmService();
  const p = new ParserService(await (await import('../../extension/parsing/wasmBackend')).loadWasmBackend(path.join(REPO, 'grammars')), readQuerySource(path.join(REPO, 'grammars'), 'function-details'), { capacity: 2 });
  for (const k of ['a', 'b', 'c']) p.parse(k, `int ${k}(void) { return 0; }`);
  assert.equal(p.size, 2);
  assert.equal(p.details('a'), undefined, 'the oldest tree was deleted');
  assert.deepEqual(p.details('c')?.map((d) => d.calls.length), [0]);
  p.dispose();
  assert.ok(base.size >= 0);
});

test('a parse past its time-out is abandoned with a clear error', async () => {
  const p = await createParserService('wasm', { grammarDir: path.join(REPO, 'grammars'), timeoutMs: 0 });
  const big = memory.repeat(40);
  assert.throws(() => p.parse('big', big), ParseTimeoutError);
  // The parser is still usable afterwards.
  const ok = await wasmService();
  assert.ok(ok.analyse(memory).functions.length > 3);
  p.dispose();
});

test('a cancelled parse says so', async () => {
  const p = await wasmService();
  assert.throws(() => p.analyse(memory.repeat(40), { isCancelled: () => true }), ParseCancelledError);
});

test('a grammar that is not there is a loud error, not "no functions"', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-nogrammar-'));
  fs.mkdirSync(path.join(empty, 'queries'));
  await assert.rejects(createParserService('wasm', { grammarDir: empty }), (e: Error) => e instanceof ParserDeadError && /missing/.test(e.message));
  fs.writeFileSync(path.join(empty, 'web-tree-sitter.wasm'), 'not wasm');
  fs.writeFileSync(path.join(empty, 'tree-sitter-c.wasm'), 'not wasm');
  await assert.rejects(createParserService('wasm', { grammarDir: empty }), ParserDeadError);
});

test('the native and WASM backends find the same functions', { skip: loadNativeBackend() ? false : 'native tree-sitter binding not installed' }, async () => {
  const native = await createParserService('native', { grammarDir: path.join(REPO, 'grammars') });
  const wasm = await wasmService();
  for (const f of ['mm/memory.c', 'mm/rmap.c', 'lib/test_hmm.c']) {
    const text = fs.readFileSync(path.join(EXAMPLES, f), 'utf8');
    assert.deepEqual(native.analyse(text).functions, wasm.analyse(text).functions, f);
    assert.deepEqual(native.analyse(text).details, wasm.analyse(text).details, f);
  }
});
