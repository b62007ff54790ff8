// Property tests of the diff reader and the in-memory applier: no input makes them throw or hang,
// and a diff made by jsdiff applies back to exactly the text it was made from.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { createPatch } from 'diff';
import fc from 'fast-check';
import { applyFilePatch, applyPatchToTree, hunkImages, mapLine } from '../../../extension/patches/apply';
import { parseDiff, splitDescription } from '../../../extension/patches/diff';

const SEED = 20250129;
/** Longest any single call may take: a loop that does not end shows up as a failure, not a stuck run. */
const SLOW_MS = 2000;

function timed<T>(what: string, f: () => T): T {
  const t0 = performance.now();
  const r = f();
  const ms = performance.now() - t0;
  assert.ok(ms < SLOW_MS, `${what} took ${ms.toFixed(0)} ms`);
  return r;
}

/** A small mail with a two-file diff, written for these tests. */
const SAMPLE = [
  'mm: make the walk simpler',
  '',
  'Signed-off-by: A Hacker <a@example.org>',
  '---',
  ' mm/walk.c | 4 +++-',
  ' mm/new.c  | 2 ++',
  '',
  'diff --git a/mm/walk.c b/mm/walk.c',
  'index 1234567..89abcde 100644',
  '--- a/mm/walk.c',
  '+++ b/mm/walk.c',
  '@@ -2,6 +2,8 @@ static int walk(void)',
  ' one',
  ' two',
  ' three',
  '-four',
  '+FOUR',
  '+four and a half',
  '+five?',
  ' five',
  ' six',
  '@@ -20,3 +22,3 @@ int end(void)',
  ' twenty',
  '-twentyone',
  '+TWENTYONE',
  ' twentytwo',
  '\\ No newline at end of file',
  'diff --git a/mm/new.c b/mm/new.c',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/mm/new.c',
  '@@ -0,0 +1,2 @@',
  '+int a;',
  '+int b;',
  '-- ',
  '2.48.1',
  '',
];
const WALK = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', ...Array.from({ length: 12 }, (_, i) => `l${i + 8}`), 'twenty', 'twentyone', 'twentytwo'].join('\n');

type Mutation = { kind: 'drop' | 'dup' | 'garble' | 'number' | 'insert' | 'swap'; at: number; text: string; n: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop', 'dup', 'garble', 'number', 'insert', 'swap'),
  at: fc.nat(),
  text: fc.oneof(fc.string(), fc.constantFrom('-- ', '---', '@@ -1 +1 @@', '+++ b/x', '--- a/x', 'diff --git a/x b/x', '\\ No newline at end of file', ' ', '', 'GIT binary patch', 'rename from ../x')),
  n: fc.integer({ min: -5, max: 100000 }),
});

function mutate(lines: string[], muts: Mutation[]): string[] {
  const out = [...lines];
  for (const m of muts) {
    if (!out.length) {
      out.push(m.text);
      continue;
    }
    const i = m.at % out.length;
    switch (m.kind) {
      case 'drop': out.splice(i, 1); break;
      case 'dup': out.splice(i, 0, out[i]); break;
      case 'garble': out[i] = out[i].slice(0, m.n % (out[i].length + 1)) + m.text; break;
      case 'number': out[i] = out[i].replace(/\d+/, String(m.n)); break;
      case 'insert': out.splice(i, 0, m.text); break;
      case 'swap': [out[i], out[(i + 1) % out.length]] = [out[(i + 1) % out.length], out[i]]; break;
    }
  }
  return out;
}

/** Parses, splits and applies whatever came out, checking nothing throws and the results hold together. */
function exercise(text: string, base: string): void {
  const d = timed('parseDiff', () => parseDiff(text));
  timed('splitDescription', () => splitDescription(text));
  for (const fp of d.files) {
    for (const h of fp.hunks) assert.ok(h.lines.every((l) => ' -+\\'.includes(l[0])), 'hunk lines carry a marker');
    const r = timed('applyFilePatch', () => applyFilePatch(base, fp));
    assert.equal(r.hunks.length, r.status === 'binary' ? 0 : fp.hunks.length);
    if (r.status === 'applied') assert.ok(r.after !== undefined || fp.change === 'delete');
    else assert.equal(r.after, undefined);
    timed('applyFilePatch(undefined)', () => applyFilePatch(undefined, fp));
    const img = hunkImages(fp);
    fp.hunks.forEach((h, hi) => h.lines.forEach((_, li) => { mapLine(img, fp.hunks, hi, li); mapLine(r, fp.hunks, hi, li); }));
  }
  const t = timed('applyPatchToTree', () => applyPatchToTree(d, { read: (p) => (p === 'mm/walk.c' ? base : undefined) }));
  if (!t.result.ok) assert.equal(t.texts.size, 0);
}

test('parseDiff and applyFilePatch never throw on arbitrary strings', (t) => {
  let n = 0;
  const diffish = fc.array(fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('diff --git a/x b/x', 'diff --git a/../x b/../x', '--- a/x', '+++ b/x', '--- /dev/null', '+++ /dev/null', '@@ -1,2 +1,2 @@', '@@ -0,0 +1 @@', '@@ -1 +0,0 @@ f',
      ' a', '-a', '+b', '', '\\ No newline at end of file', '-- ', '---', 'new file mode 100644', 'deleted file mode 100644', 'rename from x', 'rename to y',
      'Binary files a/x and b/x differ', 'GIT binary patch', 'similarity index 90%', 'index abc..def 100644'),
  ), { maxLength: 40 });
  fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), diffish.map((l) => l.join('\n')), diffish.map((l) => l.join('\r\n'))), fc.string(), (text, base) => {
    n++;
    exercise(text, base);
  }), { seed: SEED, numRuns: 3000 });
  t.diagnostic(`${n} arbitrary inputs`);
});

test('mutated diffs (lines dropped, duplicated, garbled, renumbered) never throw', (t) => {
  let n = 0;
  let readable = 0;
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (muts, crlf) => {
    n++;
    const text = mutate(SAMPLE, muts).join(crlf ? '\r\n' : '\n');
    exercise(text, WALK);
    if (parseDiff(text).problems.length === 0) readable++;
  }), { seed: SEED, numRuns: 3000 });
  // The unmutated sample is clean and applies.
  const d = parseDiff(SAMPLE.join('\n'));
  assert.deepEqual(d.problems, []);
  const r = applyPatchToTree(d, { read: (p) => (p === 'mm/walk.c' ? WALK : undefined) });
  assert.equal(r.result.ok, true, JSON.stringify(r.result.files.map((f) => f.reason)));
  t.diagnostic(`${n} mutated diffs, ${readable} of them read without problems`);
});

const lineArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', '{', '}', '\treturn 0;', 'a', 'b', '-- ', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '\\ x', ' ') },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)) },
);
/** A text and a version of it with lines removed, inserted and replaced; each with or without a final newline. */
const edited = fc.record({
  lines: fc.array(lineArb, { maxLength: 60 }),
  edits: fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), add: fc.array(lineArb, { maxLength: 3 }) }), { maxLength: 6 }),
  eolOld: fc.boolean(),
  eolNew: fc.boolean(),
  context: fc.integer({ min: 0, max: 5 }),
});

function build(e: { lines: string[]; edits: { at: number; del: number; add: string[] }[]; eolOld: boolean; eolNew: boolean }): { before: string; after: string } {
  const next = [...e.lines];
  for (const x of e.edits) next.splice(next.length ? x.at % (next.length + 1) : 0, x.del, ...x.add);
  const join = (ls: string[], eol: boolean): string => (ls.length ? ls.join('\n') + (eol ? '\n' : '') : '');
  return { before: join(e.lines, e.eolOld), after: join(next, e.eolNew) };
}

test('round trip: createPatch → parseDiff → applyFilePatch gives the new text back, also shifted', (t) => {
  let n = 0;
  let shifted = 0;
  fc.assert(fc.property(edited, (e) => {
    n++;
    const { before, after } = build(e);
    const d = parseDiff(createPatch('mm/f.c', before, after, undefined, undefined, { context: e.context }));
    // jsdiff writes ---/+++ with no hunk for equal texts; parseDiff calls that truncated.
    if (before === after) return;
    assert.deepEqual(d.problems, []);
    assert.equal(d.files.length, 1);
    const r = applyFilePatch(before, d.files[0]);
    assert.equal(r.status, 'applied', r.reason);
    assert.equal(r.after, after);
    assert.ok(r.hunks.every((h) => h.offset === 0 && h.fuzz === 0));
  }), { seed: SEED, numRuns: 3000 });
  // Shifted: unique lines (so a hunk matches one place only), context ≥ 1, lines inserted at the top.
  fc.assert(fc.property(edited, fc.integer({ min: 1, max: 20 }), (e0, k) => {
    const e = { ...e0, lines: e0.lines.map((l, i) => `${i}:${l}`), context: Math.max(1, e0.context) };
    const { before, after } = build(e);
    if (before === after || before === '') return;
    shifted++;
    const top = Array.from({ length: k }, (_, i) => `inserted ${i}\n`).join('');
    const fp = parseDiff(createPatch('mm/f.c', before, after, undefined, undefined, { context: e.context })).files[0];
    const r = applyFilePatch(top + before, fp);
    assert.equal(r.status, 'applied', r.reason);
    assert.equal(r.after, top + after);
    assert.ok(r.hunks.every((h) => h.offset === k && h.fuzz === 0), JSON.stringify(r.hunks));
    // Every hunk line maps to its line in the images.
    const pre = (r.before ?? '').split('\n');
    const post = (r.after ?? '').split('\n');
    fp.hunks.forEach((h, hi) => h.lines.forEach((line, li) => {
      const at = mapLine(r, fp.hunks, hi, li);
      if (line[0] === '\\') return assert.equal(at, undefined);
      assert.ok(at);
      assert.equal((at.side === 'old' ? pre : post)[at.line - 1], line.slice(1));
    }));
  }), { seed: SEED + 1, numRuns: 3000 });
  t.diagnostic(`${n} round trips, ${shifted} shifted ones`);
});
