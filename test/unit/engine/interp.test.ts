// Each C construct the interpreter executes, on small programs written for the test.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { PrimitiveTable } from '../../../extension/engine/primitives/api';
import { Machine } from '../../../extension/engine/interp/machine';
import { ModelCode } from '../../../extension/engine/interp/source';
import { emptyState } from '../../../extension/engine/state/state';
import type { Value } from '../../../extension/engine/state/values';
import { wasmService } from '../../helpers/parser';
import { NOUVEAU } from '../../../extension/engine/primitives/nouveau';
import { parseScheduleEntry, scheduleEntry } from '../../../extension/engine/primitives/choices';

async function run(src: string, entry = 'f', args: Value[] = [], limits?: { maxLoop?: number }) {
  const parser = await wasmService();
  const code = new ModelCode(parser, [{ name: 'test.c', text: src }]);
  const prims = new PrimitiveTable().addConstants({ EBUSY: 16, PAGE_SHIFT: 12 }).add({
    name: 'twice', group: 'misc', reads: [], writes: [], sched: false, doc: 'test', run: (ctx, a) => 2 * ctx.int(a[0], 'x'),
  });
  const m = new Machine(emptyState(), code, prims, { maxSteps: 100000, maxLoop: limits?.maxLoop ?? 1000, maxDepth: 32 });
  const t = m.spawn('t0', 'test', entry, args);
  m.run('t0', false);
  return { t, m };
}

async function value(src: string, entry = 'f'): Promise<Value> {
  const { t } = await run(src, entry);
  assert.equal(t.status, 'done', t.error);
  return t.result;
}

test('declarations, assignment, compound assignment, ++ and --', async () => {
  assert.equal(await value('int f(void) { int a = 3, b; b = a * 2; b += 4; b -= 1; b *= 3; b /= 2; b <<= 2; b |= 1; b ^= 8; b &= ~2; a++; ++a; a--; return a * 1000 + b; }'), 4000 + ((((((((6 + 4 - 1) * 3) / 2) | 0) << 2) | 1) ^ 8) & ~2));
  assert.equal(await value('int f(void) { int i = 5; int j = i++; int k = ++i; return j * 100 + k * 10 + i; }'), 500 + 70 + 7);
});

test('integer and bit arithmetic, with 64-bit addresses', async () => {
  assert.equal(await value('long f(void) { unsigned long addr = 0x7f0000012345; return addr & ~0xfffUL; }'), 0x7f0000012000);
  assert.equal(await value('long f(void) { unsigned long a = 0x7f0000012345; return a >> 12; }'), 0x7f0000012);
  assert.equal(await value('long f(void) { return (1UL << 40) | 3; }'), 2 ** 40 + 3);
  assert.equal(await value('int f(void) { return 17 / 5 * 10 + 17 % 5 - (-7 / 2); }'), 30 + 2 + 3);
  assert.equal(await value('int f(void) { return -EBUSY; }'), -16);
});

test('if/else, ternary, short-circuit evaluation', async () => {
  assert.equal(await value('int f(void) { int x = 0; if (x) return 1; else if (!x) return 2; return 3; }'), 2);
  assert.equal(await value('int f(void) { int x = 4; return x > 3 ? x * 2 : -1; }'), 8);
  // The right operand must not run: it would divide by zero.
  assert.equal(await value('int f(void) { int z = 0; return (z != 0 && 10 / z) || (z == 0 || 10 / z); }'), 1);
});

test('while, do/while, for, break, continue', async () => {
  assert.equal(await value('int f(void) { int i = 0, s = 0; while (i < 10) { i++; if (i % 2) continue; s += i; } return s; }'), 30);
  assert.equal(await value('int f(void) { int i = 0; do { i += 3; } while (i < 10); return i; }'), 12);
  assert.equal(await value('int f(void) { int s = 0; for (int i = 0; i < 100; i++) { if (i == 5) break; s += i; } return s; }'), 10);
  assert.equal(await value('int f(void) { int s = 0, i; for (i = 0; i < 3; i++) s += i; return s + i * 100; }'), 303);
});

test('switch with fall-through and default', async () => {
  const src = 'int g(int x) { int r = 0; switch (x) { case 1: r += 1; case 2: r += 2; break; case 3: return 30; default: r = 99; } return r; } int f(void) { return g(1) * 10000 + g(2) * 1000 + g(3) * 10 + (g(7) == 99); }';
  assert.equal(await value(src), 30000 + 2000 + 300 + 1);
});

test('goto and labels, backwards and forwards', async () => {
  const src = 'int f(void) { int tries = 0; retry: tries++; if (tries < 3) goto retry; goto out; tries = 100; out: return tries; }';
  assert.equal(await value(src), 3);
});

test('structs, ., ->, & and * with out-parameters', async () => {
  const src = `
struct pair { int a; int b; };
static void fill(struct pair *p, int *out) { p->a = 7; (*p).b = 8; *out = p->a + p->b; }
int f(void) { struct pair p; int sum; struct pair *q = &p; fill(q, &sum); q->a += 1; return p.a * 100 + sum; }`;
  assert.equal(await value(src), 815);
});

test('arrays, subscripts and pointer arithmetic', async () => {
  const src = 'int f(void) { int rss[4]; int *p = rss; int i; for (i = 0; i < 4; i++) rss[i] = i * i; p++; p[1] += 10; return rss[2] + *p + (p - rss); }';
  assert.equal(await value(src), 14 + 1 + 1);
});

test('calls through function pointers held in structs, initializer lists', async () => {
  const src = `
struct ops { int (*invalidate)(int x); int (*other)(int x); };
static int inv(int x) { return x + 1; }
int f(void) { struct ops o = { .invalidate = inv, .other = twice }; struct ops *op = &o; return op->invalidate(4) * 100 + o.other(21); }`;
  assert.equal(await value(src), 542);
});

test('recursion and container_of', async () => {
  assert.equal(await value('int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); } int f(void) { return fact(6); }'), 720);
  const src = 'struct outer { int x; struct inner { int y; } in; }; int f(void) { struct outer o; struct inner *i = &o.in; struct outer *back = container_of(i, struct outer, in); back->x = 5; return o.x; }';
  assert.equal(await value(src), 5);
});

test('an unmodelled call stops the thread and is reported with file:line', async () => {
  const { t, m } = await run('int f(void)\n{\n\tint x = 1;\n\treturn mystery_helper(x);\n}\n');
  assert.equal(t.status, 'failed');
  assert.deepEqual(m.unmodelled, [{ kind: 'call', name: 'mystery_helper', file: 'test.c', line: 4, thread: 't0' }]);
  assert.match(t.error ?? '', /unmodelled call mystery_helper\(\).*test\.c:4/);
});

test('runaway loops hit the bound and say where', async () => {
  const { t } = await run('int f(void)\n{\n\tint i = 0;\n\twhile (1)\n\t\ti++;\n\treturn i;\n}\n', 'f', [], { maxLoop: 50 });
  assert.equal(t.status, 'failed');
  assert.match(t.error ?? '', /loop bound \(50 iterations\) hit at test\.c:4/);
});

test('NULL dereference and uninitialised reads are errors, not zeroes', async () => {
  const nul = await run('struct s { int a; }; int f(void) { struct s *p = NULL; return p->a; }');
  assert.match(nul.t.error ?? '', /NULL pointer/);
  const uninit = await run('int f(void) { int x; if (x) return 1; return 0; }');
  assert.match(uninit.t.error ?? '', /uninitialised/);
});

test('a trace step per statement, with its line', async () => {
  const { m } = await run('int f(void)\n{\n\tint a = 1;\n\ta = twice(a);\n\treturn a;\n}\n');
  assert.deepEqual(m.trace.map((s) => s.line), [3, 4, 5]);
  assert.deepEqual(m.trace[1].prims, ['twice']);
});

test('iterator macros run their body once per element the iterator yields', async () => {
  const parser = await wasmService();
  const src = 'int f(void)\n{\n\tint i, sum = 0;\n\tcount_for_each(i, 3)\n\t\tsum += i;\n\treturn sum;\n}\n';
  const code = new ModelCode(parser, [{ name: 'test.c', text: src }]);
  const prims = new PrimitiveTable().add({
    name: 'count_for_each__next', group: 'misc', reads: [], writes: [], sched: false, doc: 'i = 0..n-1',
    run: (ctx, a) => {
      const next = ctx.int(a[2], 'first') ? 0 : ctx.int(ctx.load(a[0]), 'i') + 1;
      ctx.store(a[0], next);
      return next < ctx.int(a[1], 'n') ? 1 : 0;
    },
  });
  const m = new Machine(emptyState(), code, prims);
  const t = m.spawn('t0', 'test', 'f', []);
  m.run('t0', false);
  assert.equal(t.result, 0 + 1 + 2, t.error);
});

test('casts, sizeof, comma, char and string literals, compound literals', async () => {
  assert.equal(await value("int f(void) { long x = (long)(unsigned int)7; int s = sizeof(x) ? 1 : 0; int c = 'A'; return (x, x + 1) * 100 + s * 10 + (c == 65); }"), 811);
  const src = 'struct r { int addr; int size; }; static int total(struct r *p) { return p->addr + p->size; } int f(void) { int base = 40; return total(&(struct r){ .addr = base, .size = 2 }); }';
  assert.equal(await value(src), 42);
});

test('#if blocks in bodies follow the model\'s CONFIG_* choices', async () => {
  const src = 'int f(void)\n{\n\tint r = 0;\n#ifdef CONFIG_TRANSPARENT_HUGEPAGE\n\tr += 1;\n#else\n\tr += 100;\n#endif\n#if IS_ENABLED(CONFIG_NUMA_BALANCING)\n\tr += 1000;\n#endif\n\treturn r;\n}\n';
  assert.equal(await value(src), 1);
});

test('file-scope ops tables and the file\'s own #defines are visible to its functions', async () => {
  const src = '#define MY_BIAS 5UL\nstruct ops { int (*fn)(int); };\nstatic int add_bias(int x) { return x + MY_BIAS; }\nstatic const struct ops my_ops = { .fn = add_bias };\nint f(void) { const struct ops *o = &my_ops; return o->fn(10) + my_ops.fn(1); }\n';
  assert.equal(await value(src), 21);
});

test('an explored choice (the timeout) is a scheduling point before the call; the next run gives the answer', async () => {
  const parser = await wasmService();
  const code = new ModelCode(parser, [{ name: 'test.c', text: 'int f(void) { int tries = 0; while (1) { if (time_after(0, 0)) return -EBUSY; if (++tries == 3) return tries; } }' }]);
  const prims = new PrimitiveTable().addConstants({ EBUSY: 16 }).add(...NOUVEAU.filter((p) => p.name === 'time_after'));
  const start = (choices?: Record<string, number>) => {
    const m = new Machine(emptyState(), code, prims, { maxSteps: 100000, maxLoop: 1000, maxDepth: 32 }, choices);
    return { m, t: m.spawn('t0', 'test', 'f', []) };
  };
  // Stopping at scheduling points: the thread pauses before each check, marked with the choice.
  const a = start();
  assert.equal(a.m.run('t0', true), 'sched');
  assert.equal(a.t.choice, 'timeout');
  assert.equal(a.m.run('t0', true), 'sched', 'not expired: the loop comes round to the next check');
  assert.equal(a.t.choice, 'timeout');
  assert.equal(a.m.run('t0', true, { label: 'timeout', index: 1 }), 'done');
  assert.equal(a.t.result, -16, 'expired: -EBUSY');
  assert.deepEqual(a.m.choicesMade.map((c) => c.picked), ['not expired', 'expired']);
  // Running through (no scheduling points) or with the choice fixed by the scenario: no pause.
  const b = start();
  assert.equal(b.m.run('t0', false), 'done');
  assert.equal(b.t.result, 3);
  const c = start({ timeout: 1 });
  assert.equal(c.m.run('t0', true), 'done');
  assert.equal(c.t.result, -16);
  assert.equal(c.t.choice, undefined);
});

test('schedule entries: a thread, or a thread with the answer to the choice it paused at', () => {
  assert.deepEqual(parseScheduleEntry('cpu1'), { thread: 'cpu1' });
  assert.deepEqual(parseScheduleEntry('dev0/timeout=expired'), { thread: 'dev0', choice: { label: 'timeout', index: 1 } });
  assert.equal(scheduleEntry('dev0', 'timeout', 0), 'dev0');
  assert.equal(scheduleEntry('dev0', 'timeout', 1), 'dev0/timeout=expired');
  assert.throws(() => parseScheduleEntry('dev0/timeout=later'), /timeout is one of 'not expired', 'expired'/);
  assert.throws(() => parseScheduleEntry('dev0/weather=rain'), /THREAD\/CHOICE=ANSWER \(choices: timeout, signal\)/);
});
