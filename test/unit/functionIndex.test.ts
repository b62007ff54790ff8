import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, wasmService } from '../helpers/parser';

const text = fs.readFileSync(path.join(FIXTURES, 'calls.c'), 'utf8');

test('every definition, with lines, signature and parameters', async () => {
  const r = (await wasmService()).analyse(text);
  assert.deepEqual(
    r.functions.map((f) => [f.name, f.startLine, f.nameLine, f.endLine]),
    [['setup_thing', 3, 3, 6], ['fault_one', 8, 9, 24], ['pick', 26, 26, 30], ['guarded', 33, 33, 36]],
  );
  const fault = r.functions[1];
  assert.equal(fault.signature, 'static vm_fault_t fault_one(struct vm_fault *vmf, unsigned long addr)');
  assert.deepEqual(fault.params, [{ name: 'vmf', text: 'struct vm_fault *vmf' }, { name: 'addr', text: 'unsigned long addr' }]);
  assert.deepEqual(r.functions[2].params.map((p) => p.name), ['foliop', 'n', '']);
  assert.deepEqual(r.functions[0].params, [], '(void) has no parameters');
  assert.equal(r.problems.length, 0, JSON.stringify(r.problems));
});

test('calls, calls through pointers, labels and gotos of each function', async () => {
  const r = (await wasmService()).analyse(text);
  const fault = r.details[1];
  assert.deepEqual(fault.calls.map((c) => `${c.name}:${c.line}`), ['lock_it:15', 'fault_one:20', 'unlock_it:22']);
  assert.deepEqual(fault.indirectCalls.map((c) => `${c.name}:${c.line}`), ['fault:17']);
  assert.deepEqual(fault.labels.map((c) => `${c.name}:${c.line}`), ['retry:14', 'out:21']);
  assert.deepEqual(fault.gotos.map((c) => `${c.name}:${c.line}`), ['out:16', 'retry:19']);
  assert.deepEqual(r.details[2].calls.map((c) => c.name), ['folio_get_thing', 'folio_page']);
  assert.deepEqual(r.details[0].calls.map((c) => c.name), ['register_thing']);
});

test('the body hash changes with the body and only with it', async () => {
  const p = await wasmService();
  const a = p.analyse(text).functions;
  const b = p.analyse(text.replace('return ret;', 'return ret + 1;')).functions;
  assert.notEqual(a[1].bodyHash, b[1].bodyHash);
  assert.equal(a[2].bodyHash, b[2].bodyHash);
});

test('parse errors are reported with their line, and text that is not C mostly unreadable', async () => {
  const p = await wasmService();
  const broken = p.analyse('int ok(void) { return 1; }\nint bad(void) { return 1 +; }\n');
  assert.ok(broken.problems.some((e) => e.line === 2), JSON.stringify(broken.problems));
  const prose = p.analyse('# Title\n\nThis is *markdown*, not C: it has [links](x) and `code`.\n- a list\n- of items!\n');
  assert.ok(prose.unreadable > 0.5, `unreadable ${prose.unreadable}`);
  assert.equal(p.analyse('int x;\n').unreadable, 0);
});
