import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { blankKernelMacros } from '../../extension/parsing/sanitize';
import { listFunctions } from '../../extension/parsing/functionIndex';
import { wasmService } from '../helpers/parser';

test('blanking keeps length, lines and every other character', () => {
  const src = 'static int __init f(void)\n{\n\treturn 0;\n}\nvoid g(struct x *p)\n\t__releases(p->lock)\n\t__acquires(q(1, (2)))\n{ }\n';
  const out = blankKernelMacros(src);
  assert.equal(out.length, src.length);
  assert.deepEqual([...out].map((c, i) => (c === '\n') === (src[i] === '\n')).every(Boolean), true);
  for (let i = 0; i < src.length; i++) if (out[i] !== ' ' && out[i] !== src[i]) assert.fail(`changed at ${i}`);
  assert.ok(!out.includes('__init') && !out.includes('__releases') && !out.includes('__acquires'));
  assert.ok(out.includes('static int        f(void)'));
  assert.ok(!out.includes('q(1'), 'nested parentheses are blanked with their annotation');
});

test('identifiers that only contain a macro name are left alone', () => {
  const src = 'int my__init_x = __initcall_level; __user_ptr(a);';
  assert.equal(blankKernelMacros(src), src);
});

test('an unbalanced annotation does not blank the rest of the file', () => {
  const src = 'void f(void) __releases(x\nint g(void) { return 1; }\n';
  assert.equal(blankKernelMacros(src), src);
});

test('blanking recovers function names the raw text loses', async () => {
  const parser = await wasmService();
  const src = 'static int __init f(void)\n{\n\treturn 0;\n}\n';
  // The raw text reads as a declaration `int __init;` and a function without a name.
  assert.deepEqual(parser.analyse(src).functions.map((f) => f.name), ['f']);
  const raw = parser.backend.parse(src);
  try {
    assert.deepEqual(listFunctions(raw.rootNode).map((f) => f.name), []);
  } finally {
    raw.delete();
  }
});

test('the type argument of container_of reads as an identifier', async () => {
  const src = 'static bool f(struct mmu_interval_notifier *mni)\n{\n\tstruct dmirror *d = container_of(mni, struct dmirror, notifier);\n\treturn d != NULL;\n}\n';
  const out = blankKernelMacros(src);
  assert.ok(out.includes('container_of(mni,        dmirror, notifier)'));
  assert.deepEqual((await wasmService()).analyse(src).problems, []);
});

test('iterator macros read as loops, with or without braces; calls with ; stay calls', async () => {
  const src = 'void f(struct x *xa)\n{\n\txa_for_each_range(xa, i, e, 0, 9)\n\t\txa_erase(xa, i);\n\tlist_for_each_entry(pos, head, member) {\n\t\tuse(pos);\n\t}\n\tcall_for_each_cpu(fn);\n}\n';
  const out = blankKernelMacros(src);
  assert.equal(out.length, src.length);
  assert.ok(out.includes('\twhile            (xa, i, e, 0, 9)\n'));
  assert.ok(out.includes('\twhile              (pos, head, member) {'));
  assert.ok(out.includes('\tcall_for_each_cpu(fn);'));
  assert.deepEqual((await wasmService()).analyse(src).problems, []);
});

test('an iterator macro whose arguments span lines is a loop too', async () => {
  const src = 'static void f(struct d *d, unsigned long start, unsigned long end)\n{\n\tunsigned long pfn;\n\tvoid *entry;\n\n\txa_for_each_range(&d->pt, pfn, entry, start >> PAGE_SHIFT,\n\t\t\t  end >> PAGE_SHIFT)\n\t\txa_erase(&d->pt, pfn);\n}\n';
  assert.ok(blankKernelMacros(src).includes('\twhile            (&d->pt'));
  assert.deepEqual((await wasmService()).analyse(src).problems, []);
});
