import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createTwoFilesPatch } from 'diff';
import { applyFilePatch, applyPatchToTree, applySeries, fsTreeReader, hunkImages, mapLine, separatorLine } from '../../../extension/patches/apply';
import { parseDiff } from '../../../extension/patches/diff';
import type { FilePatch, TreeReader } from '../../../extension/patches/types';

/** `line 1\n` … `line n\n` */
function numbered(n: number, word = 'line'): string[] {
  return Array.from({ length: n }, (_, i) => `${word} ${i + 1}`);
}
const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');

/** A parsed git-style diff of one file from `before` to `after`. */
function diffOf(file: string, before: string, after: string, context = 3): FilePatch {
  const d = parseDiff(createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context }));
  assert.deepEqual(d.problems, []);
  assert.equal(d.files.length, 1);
  return d.files[0];
}

function memTree(files: Record<string, string>): TreeReader {
  return { read: (rel) => files[rel] };
}

const BASE = numbered(40);
/** Line 10 and line 30 changed: two hunks. */
const CHANGED = BASE.map((l, i) => (i === 9 ? 'LINE TEN' : i === 29 ? 'LINE THIRTY' : l));
const FP = diffOf('mm/x.c', text(BASE), text(CHANGED));

test('exact: every hunk where its header says', () => {
  assert.equal(FP.hunks.length, 2);
  const r = applyFilePatch(text(BASE), FP);
  assert.equal(r.status, 'applied');
  assert.equal(r.after, text(CHANGED));
  assert.deepEqual(r.hunks.map((h) => [h.applied, h.offset, h.fuzz, h.oldLine, h.newLine]), [[true, 0, 0, 7, 7], [true, 0, 0, 27, 27]]);
});

test('offset: lines inserted above move every hunk, reported per hunk', () => {
  const shifted = [...numbered(5, 'new'), ...BASE];
  const r = applyFilePatch(text(shifted), FP);
  assert.equal(r.status, 'applied');
  assert.equal(r.after, text([...numbered(5, 'new'), ...CHANGED]));
  assert.deepEqual(r.hunks.map((h) => [h.offset, h.fuzz, h.oldLine, h.newLine]), [[5, 0, 12, 12], [5, 0, 32, 32]]);
  // Lines inserted between the hunks: the second moves further.
  const between = [...BASE.slice(0, 20), ...numbered(3, 'mid'), ...BASE.slice(20)];
  const r2 = applyFilePatch(text(between), FP);
  assert.deepEqual(r2.hunks.map((h) => h.offset), [0, 3]);
  // Lines removed above: a negative offset.
  const fewer = applyFilePatch(text(BASE.slice(3)), FP);
  assert.deepEqual(fewer.hunks.map((h) => [h.offset, h.oldLine]), [[-3, 4], [-3, 24]]);
  assert.equal(fewer.after, text(CHANGED.slice(3)));
  // Limited search.
  const far = applyFilePatch(text(shifted), FP, { maxOffset: 4 });
  assert.equal(far.status, 'failed');
});

test('fuzz 1 and 2: differing context at the hunk ends is ignored, the tree keeps its lines', () => {
  const one = BASE.map((l, i) => (i === 6 ? 'edited 7' : l)); // first context line of hunk 1
  const r1 = applyFilePatch(text(one), FP);
  assert.equal(r1.status, 'applied');
  assert.deepEqual(r1.hunks.map((h) => [h.offset, h.fuzz, h.oldLine]), [[0, 1, 7], [0, 0, 27]]);
  assert.equal(r1.after, text(CHANGED.map((l, i) => (i === 6 ? 'edited 7' : l))));
  const two = BASE.map((l, i) => (i === 7 || i === 31 ? `edited ${i + 1}` : l)); // 2nd context line before hunk 1, 2nd after hunk 2
  const r2 = applyFilePatch(text(two), FP);
  assert.equal(r2.status, 'applied');
  assert.deepEqual(r2.hunks.map((h) => h.fuzz), [2, 2]);
  assert.equal(r2.after, text(CHANGED.map((l, i) => (i === 7 || i === 31 ? `edited ${i + 1}` : l))));
  const strict = applyFilePatch(text(two), FP, { fuzz: 1 });
  assert.equal(strict.status, 'failed');
  assert.equal(applyFilePatch(text(one), FP, { fuzz: 0 }).status, 'failed');
});

test('a hunk that does not apply: the reason names the line and the closest match; nothing half applied', () => {
  const wrong = BASE.map((l, i) => (i === 29 ? 'someone else changed line 30' : l));
  const r = applyFilePatch(text(wrong), FP);
  assert.equal(r.status, 'failed');
  assert.equal(r.after, undefined);
  assert.equal(r.before, text(wrong));
  assert.deepEqual(r.hunks.map((h) => h.applied), [true, false], 'every hunk reported');
  const why = r.hunks[1].reason ?? '';
  assert.match(why, /^hunk #2 @@ -27,7 \+27,7 @@ does not apply: line 30 is `someone else changed line 30` where the hunk expects `line 30`; closest: lines 27-33 \(6 of 7 lines match; line 30 is/);
  assert.match(r.reason ?? '', /1 of 2 hunks do not apply to mm\/x\.c; first: hunk #2/);
  const twice = applyFilePatch(text(CHANGED), FP);
  assert.equal(twice.status, 'failed');
  assert.match(twice.hunks[0].reason ?? '', /its new lines are already at lines 7-13: applied already\?/);
});

test('applyPatchToTree: wrong base for one file → nothing applied, texts = base', () => {
  const other = diffOf('mm/y.c', 'p\nq\n', 'p\nQ\n');
  const diff = { files: [FP, other], problems: [] };
  const base = new Map<string, string | null>([['mm/z.c', 'z\n']]);
  const good = applyPatchToTree(diff, memTree({ 'mm/x.c': text(BASE), 'mm/y.c': 'p\nq\n' }), base);
  assert.equal(good.result.ok, true);
  assert.deepEqual([...good.texts.keys()].sort(), ['mm/x.c', 'mm/y.c', 'mm/z.c']);
  assert.equal(good.texts.get('mm/y.c'), 'p\nQ\n');
  const bad = applyPatchToTree(diff, memTree({ 'mm/x.c': text(BASE), 'mm/y.c': 'p\nr\n' }), base);
  assert.equal(bad.result.ok, false);
  assert.deepEqual(bad.result.files.map((f) => f.status), ['applied', 'failed']);
  assert.deepEqual([...bad.texts], [...base], 'the first file is not in texts');
  assert.notEqual(bad.texts, base, 'a copy, not the caller\'s map');
});

test('a series: patch 2 needs patch 1; out of order it stops and the rest is not tried', () => {
  const v0 = text(numbered(10));
  const v1 = text([...numbered(10), 'static int added(void)', '{', '\treturn 0;', '}']);
  const v2 = text([...numbered(10), 'static int added(void)', '{', '\treturn 1;', '}']);
  const p1 = { files: [diffOf('mm/x.c', v0, v1)], problems: [] };
  const p2 = { files: [diffOf('mm/x.c', v1, v2)], problems: [] };
  const tree = memTree({ 'mm/x.c': v0 });
  const s = applySeries([p1, p2], tree);
  assert.equal(s.stoppedAt, undefined);
  assert.deepEqual(s.results.map((r) => r.ok), [true, true]);
  assert.equal(s.texts.get('mm/x.c'), v2);
  const alone = applyPatchToTree(p2, tree);
  assert.equal(alone.result.ok, false);
  assert.match(alone.result.files[0].reason ?? '', /does not apply/);
  const wrongOrder = applySeries([p2, p1, p1], tree);
  assert.equal(wrongOrder.stoppedAt, 0);
  assert.deepEqual(wrongOrder.results.map((r) => [r.ok, r.notTried ?? false]), [[false, false], [false, true], [false, true]]);
  assert.match(wrongOrder.results[1].reason ?? '', /not tried: patch 1 /);
  assert.equal(wrongOrder.texts.size, 0);
});

test('a file the tree lacks is missing; missingOk lets the rest apply', () => {
  const r = applyFilePatch(undefined, FP);
  assert.equal(r.status, 'missing');
  assert.match(r.reason ?? '', /mm\/x\.c is not in the tree/);
  assert.deepEqual(r.hunks.map((h) => h.applied), [false, false]);
  const other = diffOf('mm/y.c', 'p\nq\n', 'p\nQ\n');
  const diff = { files: [FP, other], problems: [] };
  const strict = applyPatchToTree(diff, memTree({ 'mm/y.c': 'p\nq\n' }));
  assert.equal(strict.result.ok, false);
  const lenient = applyPatchToTree(diff, memTree({ 'mm/y.c': 'p\nq\n' }), undefined, { missingOk: true });
  assert.equal(lenient.result.ok, true);
  assert.deepEqual(lenient.result.files.map((f) => f.status), ['missing', 'applied']);
  assert.deepEqual([...lenient.texts], [['mm/y.c', 'p\nQ\n']]);
});

test('add, delete and rename', () => {
  const d = parseDiff([
    'diff --git a/mm/new.c b/mm/new.c', 'new file mode 100644', '--- /dev/null', '+++ b/mm/new.c', '@@ -0,0 +1,2 @@', '+int a;', '+int b;',
    'diff --git a/mm/old.c b/mm/old.c', 'deleted file mode 100644', '--- a/mm/old.c', '+++ /dev/null', '@@ -1,2 +0,0 @@', '-x', '-y',
    'diff --git a/mm/a.c b/mm/b.c', 'similarity index 80%', 'rename from mm/a.c', 'rename to mm/b.c', '--- a/mm/a.c', '+++ b/mm/b.c', '@@ -1,2 +1,2 @@', ' keep', '-old', '+new', '',
  ].join('\n'));
  assert.deepEqual(d.problems, []);
  const tree = { 'mm/old.c': 'x\ny\n', 'mm/a.c': 'keep\nold\n' };
  const r = applyPatchToTree(d, memTree(tree));
  assert.equal(r.result.ok, true, JSON.stringify(r.result.files.map((f) => f.reason)));
  assert.deepEqual(Object.fromEntries(r.texts), { 'mm/new.c': 'int a;\nint b;\n', 'mm/old.c': null, 'mm/a.c': null, 'mm/b.c': 'keep\nnew\n' });
  assert.equal(r.result.files[1].after, undefined);
  // A new file that exists, a deleted file with more lines than the patch removes.
  const again = applyPatchToTree(d, memTree({ ...tree, 'mm/new.c': 'int a;\n', 'mm/old.c': 'x\ny\nz\n' }));
  assert.equal(again.result.ok, false);
  assert.match(again.result.files[0].reason ?? '', /already exists/);
  assert.match(again.result.files[1].reason ?? '', /1 line\(s\) the patch does not remove/);
  // On top of a series base where the new file was deleted (null), it can be added again.
  const onBase = applyPatchToTree(d, memTree({ ...tree, 'mm/new.c': 'old\n' }), new Map([['mm/new.c', null]]));
  assert.equal(onBase.result.ok, true);
  // A rename onto an existing file fails.
  const clash = applyPatchToTree(d, memTree({ ...tree, 'mm/b.c': 'there\n' }));
  assert.match(clash.result.files[2].reason ?? '', /already exists/);
});

test('binary, malformed and refused files fail the patch with a reason', () => {
  const d = parseDiff(['diff --git a/fw/b.bin b/fw/b.bin', 'Binary files a/fw/b.bin and b/fw/b.bin differ',
    '--- a/../../etc/x', '+++ b/../../etc/x', '@@ -1 +1 @@', '-a', '+b',
    'diff --git a/mm/m.c b/mm/m.c', '--- a/mm/m.c', '+++ b/mm/m.c', '@@ -1,2 +1,2 @@', '-a', '+b', 'garbage', ''].join('\n'));
  const r = applyPatchToTree(d, memTree({ 'fw/b.bin': 'bin', 'mm/m.c': 'a\nc\n' }));
  assert.equal(r.result.ok, false);
  assert.deepEqual(r.result.files.map((f) => [f.path, f.status]), [['fw/b.bin', 'binary'], ['mm/m.c', 'failed'], ['../../etc/x', 'refused']]);
  assert.match(r.result.files[1].reason ?? '', /unreadable hunk/);
  assert.match(r.result.files[2].reason ?? '', /leaves the tree/);
  // A hand-made FilePatch with a bad path (e.g. from a saved file) is refused too.
  const forged = applyPatchToTree({ files: [{ ...FP, path: '../x' }], problems: [] }, memTree({}));
  assert.equal(forged.result.files[0].status, 'refused');
});

test('"\\ No newline at end of file" on either side, and CRLF files', () => {
  const add = diffOf('f', 'a\nb', 'a\nb\n');
  assert.equal(applyFilePatch('a\nb', add).after, 'a\nb\n');
  assert.equal(applyFilePatch('a\nb\n', add).status, 'failed', 'the tree already ends in a newline');
  const drop = diffOf('f', 'a\nb\n', 'a\nc');
  assert.equal(applyFilePatch('a\nb\n', drop).after, 'a\nc');
  const crlf = diffOf('f', 'a\nb\nc\n', 'a\nB\nc\n');
  assert.equal(applyFilePatch('a\r\nb\r\nc\r\n', crlf).after, 'a\r\nB\r\nc\r\n');
});

test('mapLine: hunk lines to image lines where the hunk landed', () => {
  const shifted = [...numbered(5, 'new'), ...BASE];
  const r = applyFilePatch(text(shifted), FP);
  const pre = (r.before ?? '').split('\n');
  const post = (r.after ?? '').split('\n');
  FP.hunks.forEach((h, hi) => h.lines.forEach((line, li) => {
    const at = mapLine(r, FP.hunks, hi, li);
    assert.ok(at, `${hi}:${li}`);
    const image = at.side === 'old' ? pre : post;
    assert.equal(image[at.line - 1], line.slice(1), `${hi}:${li} ${line}`);
    assert.equal(at.side, line[0] === '-' ? 'old' : 'new');
  }));
  assert.deepEqual(mapLine(r, FP.hunks, 0, 3), { side: 'old', line: 15 });
  assert.deepEqual(mapLine(r, FP.hunks, 0, 4), { side: 'new', line: 15 });
  assert.equal(mapLine(r, FP.hunks, 5, 0), undefined);
  const failed = applyFilePatch(text(numbered(3)), FP);
  assert.equal(mapLine(failed, FP.hunks, 0, 0), undefined);
});

test('hunkImages: pre/post images from the hunks alone, separators, mapLine and real lines', () => {
  const img = hunkImages(FP);
  const pre = img.before.split('\n');
  const post = img.after.split('\n');
  assert.equal(pre[0], separatorLine(6));
  assert.equal(pre[0], '⋯ (6 lines not in the patch) ⋯');
  assert.equal(pre[8], '⋯ (13 lines not in the patch) ⋯');
  assert.deepEqual(img.hunkLines, [{ oldLine: 2, newLine: 2 }, { oldLine: 10, newLine: 10 }]);
  FP.hunks.forEach((h, hi) => h.lines.forEach((line, li) => {
    const at = mapLine(img, FP.hunks, hi, li);
    assert.ok(at);
    assert.equal((at.side === 'old' ? pre : post)[at.line - 1], line.slice(1));
  }));
  assert.equal(img.realLines.old[0], 0);
  assert.equal(img.realLines.old[1], 7);
  assert.equal(img.realLines.new[img.hunkLines[1].newLine - 1], 27);
  // A new file: no separator, no old side.
  const added = hunkImages(parseDiff('--- /dev/null\n+++ b/n.c\n@@ -0,0 +1,2 @@\n+a\n+b\n').files[0]);
  assert.deepEqual([added.before, added.after], ['', 'a\nb\n']);
});

test('fsTreeReader reads inside the root only: no ../, no absolute paths, no symlinks out', () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-tree-'));
  try {
    const root = path.join(top, 'tree');
    fs.mkdirSync(path.join(root, 'mm'), { recursive: true });
    fs.writeFileSync(path.join(root, 'mm/x.c'), 'int x;\n');
    fs.writeFileSync(path.join(top, 'secret'), 'secret\n');
    fs.symlinkSync(path.join(top, 'secret'), path.join(root, 'out'));
    fs.symlinkSync('../..', path.join(root, 'mm/up'));
    fs.symlinkSync('x.c', path.join(root, 'mm/in'));
    const t = fsTreeReader(root);
    assert.equal(t.read('mm/x.c'), 'int x;\n');
    assert.equal(t.read('mm/in'), 'int x;\n', 'a symlink inside the tree is fine');
    assert.equal(t.read('../secret'), undefined);
    assert.equal(t.read('mm/../../secret'), undefined);
    assert.equal(t.read(path.join(top, 'secret')), undefined);
    assert.equal(t.read('out'), undefined, 'symlink to outside');
    assert.equal(t.read('mm/up/secret'), undefined, 'directory symlink to outside');
    assert.equal(t.read('mm'), undefined, 'a directory');
    assert.equal(t.read('mm/absent.c'), undefined);
    assert.equal(t.read('mm/x.c\0'), undefined);
    assert.equal(fsTreeReader(path.join(top, 'nope')).read('x'), undefined);
    // Through a tree given by a symlinked path, the same.
    fs.symlinkSync(root, path.join(top, 'alias'));
    assert.equal(fsTreeReader(path.join(top, 'alias')).read('mm/x.c'), 'int x;\n');
    assert.equal(fsTreeReader(path.join(top, 'alias')).read('out'), undefined);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});
