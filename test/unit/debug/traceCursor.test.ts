// The debugger's position in a trace: call stacks rebuilt from the steps, stepping both ways,
// breakpoints. First on a small hand-made trace (two interleaved threads), then on a real one.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { simulate } from '../../../extension/engine/simulate';
import { type CursorStep, TraceCursor } from '../../../extension/debug/traceCursor';
import { engineTree } from '../../helpers/engine';
import { EXAMPLES } from '../../helpers/parser';

const st = (thread: string, depth: number, fn: string, line: number, file = 'mm/x.c'): CursorStep => ({ thread, depth, fn, line, file });

/**
 *  0 a 0 main      :10      main() { f(); g(); }   (thread a)
 *  1 a 1 f         :20
 *  2 a 2 h         :30
 *  3 b 0 other     :50      thread b runs in between
 *  4 a 2 h         :31
 *  5 a 1 f         :21
 *  6 a 0 main      :11
 *  7 a 1 g         :40
 *  8 b 0 other     :51
 *  9 a 1 g         :41
 * 10 a 0 main      :12
 */
const STEPS: CursorStep[] = [
  st('a', 0, 'main', 10), st('a', 1, 'f', 20), st('a', 2, 'h', 30), st('b', 0, 'other', 50, 'mm/y.c'), st('a', 2, 'h', 31),
  st('a', 1, 'f', 21), st('a', 0, 'main', 11), st('a', 1, 'g', 40), st('b', 0, 'other', 51, 'mm/y.c'), st('a', 1, 'g', 41),
  st('a', 0, 'main', 12),
];

const names = (c: TraceCursor, thread?: string, at?: number): string[] => c.stack(thread, at).map((f) => `${f.fn}:${f.line}`);
const at = (c: TraceCursor, stop: ReturnType<TraceCursor['stepIn']>): string => ('end' in stop ? 'end' : `${stop.step} ${stop.reason}`);

test('stacks: each thread\'s frames rebuilt from its steps, innermost first, outer frames at their call lines', () => {
  const c = new TraceCursor(STEPS);
  assert.deepEqual(names(c, 'a', 0), ['main:10']);
  assert.deepEqual(names(c, 'a', 2), ['h:30', 'f:20', 'main:10']);
  // Thread b runs step 3: a's stack is unchanged, b has its own.
  assert.deepEqual(names(c, 'a', 3), ['h:30', 'f:20', 'main:10']);
  assert.deepEqual(names(c, 'b', 3), ['other:50']);
  assert.deepEqual(names(c, 'a', 5), ['f:21', 'main:10'], 'h returned: truncated');
  assert.deepEqual(names(c, 'a', 7), ['g:40', 'main:11'], 'the caller frame is at the line of the call');
  assert.deepEqual(names(c, 'a', 10), ['main:12']);
  // Each frame knows the step its locals come from.
  assert.deepEqual(c.stack('a', 7).map((f) => f.step), [7, 6]);
  // Thread b before it runs: where it will start; after its last step: where it ended.
  assert.deepEqual(names(c, 'b', 1), ['other:50']);
  assert.equal(c.threadState('b', 1), 'not started');
  assert.equal(c.threadState('b', 3), 'running');
  assert.equal(c.threadState('b', 10), 'finished');
  assert.deepEqual(names(c, 'b', 10), ['other:51']);
  assert.deepEqual(c.threads(), ['a', 'b']);
});

test('step in / over / out follow the current thread and skip the other', () => {
  const c = new TraceCursor(STEPS);
  assert.equal(at(c, c.start(true)), '0 entry');
  assert.equal(at(c, c.stepIn()), '1 step');
  assert.equal(at(c, c.stepIn()), '2 step');
  assert.equal(at(c, c.stepIn()), '4 step', 'thread b\'s step 3 is skipped');
  c.goto(1);
  assert.equal(at(c, c.stepOver()), '5 step', 'over h: to the next line of f');
  assert.equal(at(c, c.stepOver()), '6 step', 'f returns: main');
  assert.equal(at(c, c.stepOver()), '10 step', 'over g, and over b\'s step 8');
  c.goto(2);
  assert.equal(at(c, c.stepOut()), '5 step', 'out of h into f');
  assert.equal(at(c, c.stepOut()), '6 step');
  // main has no caller: out of it, thread a ends; the last step ends the run.
  c.goto(10);
  assert.deepEqual(c.stepOut(), { end: true });
  assert.deepEqual(c.stepIn(), { end: true });
});

test('a step past the end of its thread stops at whoever runs next', () => {
  const steps = [st('a', 0, 'main', 1), st('a', 0, 'main', 2), st('b', 0, 'other', 50), st('b', 0, 'other', 51)];
  const c = new TraceCursor(steps);
  c.goto(1);
  assert.equal(at(c, c.stepOver()), '2 step');
  assert.equal(c.current?.thread, 'b');
});

test('stepping a thread other than the current one', () => {
  const c = new TraceCursor(STEPS);
  c.goto(4);
  // b's last step is 3: its next is 8.
  assert.equal(at(c, c.stepIn('b')), '8 step');
  c.goto(9);
  // back in b: from its step 8 to its step 3.
  assert.equal(at(c, c.stepBack('b')), '3 step');
  // A thread that has not started: its first step is next.
  c.goto(0);
  assert.equal(at(c, c.stepOver('b')), '3 step');
});

test('step back is a reverse step over; at the first step it stays there', () => {
  const c = new TraceCursor(STEPS);
  c.goto(10);
  assert.equal(at(c, c.stepBack()), '6 step', 'back over the call of g (and b\'s step 8)');
  assert.equal(at(c, c.stepBack()), '0 step', 'back over the call of f');
  assert.deepEqual(c.stepBack(), { step: 0, reason: 'entry' });
  c.goto(5);
  assert.equal(at(c, c.stepBack()), '1 step', 'from f:21 back over h to f:20');
  assert.equal(at(c, c.stepBack()), '0 step', 'from the first line of f to the caller');
  c.goto(4);
  assert.equal(at(c, c.stepInBack()), '2 step', 'reverse step in skips b');
});

test('breakpoints: verified where a step runs, moved to the next line inside a body, unverified elsewhere', () => {
  const c = new TraceCursor(STEPS);
  assert.deepEqual(c.setBreakpoints('mm/x.c', [30, 35, 38, 99]), [
    { requested: 30, line: 30, verified: true },
    // 35 is between f:21 and g:40 (different functions): not inside one body.
    { requested: 35, line: 35, verified: false },
    { requested: 38, line: 38, verified: false },
    { requested: 99, line: 99, verified: false },
  ]);
  const d = new TraceCursor([st('a', 0, 'main', 10), st('a', 0, 'main', 14)]);
  assert.deepEqual(d.setBreakpoints('mm/x.c', [12]), [{ requested: 12, line: 14, verified: true }], 'a comment line in main moves to the next statement');
  assert.deepEqual(c.setBreakpoints('mm/other.c', [30]), [{ requested: 30, line: 30, verified: false }], 'the file matters');
});

test('continue and reverse continue go from breakpoint to breakpoint, in any thread', () => {
  const c = new TraceCursor(STEPS);
  c.setBreakpoints('mm/x.c', [31, 41]);
  c.setBreakpoints('mm/y.c', [51]);
  assert.equal(at(c, c.start(false)), '4 breakpoint', 'launch runs to the first breakpoint');
  assert.equal(at(c, c.continue()), '8 breakpoint', 'thread b\'s breakpoint');
  assert.equal(at(c, c.continue()), '9 breakpoint');
  assert.deepEqual(c.continue(), { end: true }, 'no breakpoint left: the end');
  c.goto(10);
  assert.equal(at(c, c.reverseContinue()), '9 breakpoint');
  assert.equal(at(c, c.reverseContinue()), '8 breakpoint');
  assert.equal(at(c, c.reverseContinue()), '4 breakpoint');
  assert.deepEqual(c.reverseContinue(), { step: 0, reason: 'entry' }, 'none before: the first step');
  // A breakpoint on the way stops a step over.
  c.goto(1);
  assert.equal(at(c, c.stepOver()), '4 breakpoint', 'h:31 is inside the call being stepped over');
  c.setBreakpoints('mm/x.c', []);
  c.setBreakpoints('mm/y.c', []);
  assert.equal(at(c, c.start(false)), '0 entry', 'no breakpoints: the launch stops at the first step');
});

test('function breakpoints stop at the first step of each call', () => {
  const c = new TraceCursor(STEPS);
  assert.deepEqual(c.setFunctionBreakpoints(['h', 'nothing']), [true, false]);
  assert.equal(at(c, c.start(false)), '2 function breakpoint');
  assert.deepEqual(c.continue(), { end: true }, 'h:31 is inside the same call, not a new one');
  c.setFunctionBreakpoints(['g']);
  c.goto(0);
  assert.equal(at(c, c.continue()), '7 function breakpoint');
  assert.throws(() => c.goto(11), RangeError);
  assert.deepEqual(new TraceCursor([]).start(false), { end: true });
});

test('on a real trace: the CPU fault\'s stack at restore_exclusive_pte, and back', async () => {
  const r = simulate(await engineTree(EXAMPLES), 'exclusive-then-cpu-write', { views: true });
  const c = new TraceCursor(r.steps);
  const lines = r.steps.filter((s) => s.fn === 'restore_exclusive_pte').map((s) => s.line);
  assert.ok(lines.length > 2);
  const bp = lines[1];
  assert.deepEqual(c.setBreakpoints('mm/memory.c', [bp]), [{ requested: bp, line: bp, verified: true }]);
  const stop = c.start(false);
  assert.ok(!('end' in stop) && stop.reason === 'breakpoint');
  const stack = c.stack().map((f) => f.fn);
  assert.deepEqual(stack.slice(0, 3), ['restore_exclusive_pte', 'remove_device_exclusive_entry', 'do_swap_page']);
  assert.equal(stack.at(-1), 'kpsim_cpu_access', 'the CPU thread\'s entry at the bottom');
  assert.equal(c.current?.thread, 'cpu1');
  // The device thread finished before: its stack is where it ended.
  assert.equal(c.threadState('dev0'), 'finished');
  assert.deepEqual(c.stack('dev0').map((f) => f.fn), ['dmirror_exclusive']);
  const before = c.position;
  assert.ok(!('end' in c.stepBack()));
  assert.equal(c.current?.fn, 'restore_exclusive_pte');
  assert.equal(c.current?.line, lines[0], 'one line back');
  assert.ok(c.position < before);
  // And forward again to the same place.
  assert.equal(at(c, c.stepOver()), `${before} breakpoint`);
  // Every step's stack has its own function on top and the thread's entry at the bottom.
  for (let i = 0; i < r.steps.length; i++) {
    const s = c.stack(r.steps[i].thread, i);
    assert.equal(s[0].fn, r.steps[i].fn);
    assert.equal(s.length, r.steps[i].depth + 1, `step ${i}`);
    assert.equal(s.at(-1)?.fn, r.threads.find((t) => t.id === r.steps[i].thread)?.entry);
  }
});
