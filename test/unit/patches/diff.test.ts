import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkPath, parseDiff, splitDescription } from '../../../extension/patches/diff';

/** Lines joined with \n and a final \n: diffs written one line per string keep their spaces visible. */
const L = (...lines: string[]): string => `${lines.join('\n')}\n`;

const MAIL = L(
  'The rmap walk is not needed any more: use folio_walk.',
  '',
  'Signed-off-by: A Hacker <a@example.org>',
  '---',
  'v1 -> v2: rebased',
  '',
  ' mm/rmap.c | 3 ++-',
  ' 1 file changed, 2 insertions(+), 1 deletion(-)',
  '',
  'diff --git a/mm/rmap.c b/mm/rmap.c',
  'index 1111111..2222222 100644',
  '--- a/mm/rmap.c',
  '+++ b/mm/rmap.c',
  '@@ -10,4 +10,5 @@ static int walk(struct folio *folio)',
  ' a',
  '-b',
  '+B',
  '+C',
  ' c',
  '',
  '-- ',
  '2.47.1',
  '',
);

test('a format-patch mail: description above ---, diff without the signature', () => {
  const s = splitDescription(MAIL);
  assert.equal(s.description, 'The rmap walk is not needed any more: use folio_walk.\n\nSigned-off-by: A Hacker <a@example.org>');
  assert.ok(s.diffText.startsWith('diff --git a/mm/rmap.c b/mm/rmap.c\n'));
  assert.ok(!s.diffText.includes('2.47.1') && !s.diffText.includes('\n-- \n'), 'signature stripped');
  for (const text of [MAIL, s.diffText]) {
    const d = parseDiff(text);
    assert.deepEqual(d.problems, []);
    assert.equal(d.files.length, 1);
    const [f] = d.files;
    assert.equal(f.path, 'mm/rmap.c');
    assert.equal(f.change, 'modify');
    assert.deepEqual(f.hunks, [{ oldStart: 10, oldLines: 4, newStart: 10, newLines: 5, section: 'static int walk(struct folio *folio)', lines: [' a', '-b', '+B', '+C', ' c', ' '] }]);
  }
});

test('the description split: --- followed directly by the diff, no ---, no diff at all', () => {
  const direct = splitDescription(L('Fix it.', '---', 'diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '-a', '+b'));
  assert.equal(direct.description, 'Fix it.');
  assert.equal(direct.diffText, L('diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '-a', '+b'));
  // A --- line with prose but no diffstat after it is part of the message.
  const prose = splitDescription(L('Fix it.', '---', 'just text', '', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '-a', '+b'));
  assert.equal(prose.description, 'Fix it.\n---\njust text');
  const cover = splitDescription(L('Hi all,', '', 'this series fixes things.', '', 'A (1):', '  mm: one', '', '-- ', '2.48.1'));
  assert.equal(cover.description, 'Hi all,\n\nthis series fixes things.\n\nA (1):\n  mm: one');
  assert.equal(cover.diffText, '');
  assert.deepEqual(parseDiff(cover.description), { files: [], problems: [] });
});

test('a removed "- " line (diff line "-- ") inside a hunk is not the signature', () => {
  const d = parseDiff(L('--- a/x', '+++ b/x', '@@ -1,3 +1,2 @@', ' a', '-- ', ' b', '-- ', '2.48.1'));
  assert.deepEqual(d.problems, []);
  assert.deepEqual(d.files[0].hunks[0].lines, [' a', '-- ', ' b']);
  const s = splitDescription(L('msg', '---', ' x | 1 -', '', '--- a/x', '+++ b/x', '@@ -1,3 +1,2 @@', ' a', '-- ', ' b', '-- ', '2.48.1'));
  assert.equal(s.diffText, L('--- a/x', '+++ b/x', '@@ -1,3 +1,2 @@', ' a', '-- ', ' b'));
});

test('git headers: new, deleted, renamed (with and without hunks), mode change, binary', () => {
  const d = parseDiff(L(
    'diff --git a/mm/new.c b/mm/new.c',
    'new file mode 100644',
    'index 0000000..3333333',
    '--- /dev/null',
    '+++ b/mm/new.c',
    '@@ -0,0 +1,2 @@',
    '+int x;',
    '+int y;',
    'diff --git a/mm/old.c b/mm/old.c',
    'deleted file mode 100644',
    'index 4444444..0000000',
    '--- a/mm/old.c',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-int z;',
    'diff --git a/mm/a.c b/mm/b.c',
    'similarity index 90%',
    'rename from mm/a.c',
    'rename to mm/b.c',
    'index 5555555..6666666 100644',
    '--- a/mm/a.c',
    '+++ b/mm/b.c',
    '@@ -1,2 +1,2 @@',
    ' keep',
    '-old',
    '+new',
    'diff --git a/lib/c.c b/lib/d.c',
    'similarity index 100%',
    'rename from lib/c.c',
    'rename to lib/d.c',
    'diff --git a/scripts/run.sh b/scripts/run.sh',
    'old mode 100644',
    'new mode 100755',
    'diff --git a/fw/blob.bin b/fw/blob.bin',
    'index 7777777..8888888 100644',
    'Binary files a/fw/blob.bin and b/fw/blob.bin differ',
    'diff --git a/fw/img.png b/fw/img.png',
    'new file mode 100644',
    'index 0000000..9999999',
    'GIT binary patch',
    'literal 12',
    'TcmZ?wbhEHbRA6A>;0=-',
    '',
    'literal 0',
    'HcmV?d00001',
    '',
  ));
  const byPath = new Map(d.files.map((f) => [f.path, f]));
  assert.deepEqual(d.files.map((f) => `${f.path}:${f.change}:${f.hunks.length}`), [
    'mm/new.c:add:1', 'mm/old.c:delete:1', 'mm/b.c:rename:1', 'lib/d.c:rename:0', 'scripts/run.sh:modify:0', 'fw/blob.bin:binary:0', 'fw/img.png:binary:0',
  ]);
  assert.equal(byPath.get('mm/new.c')?.newPath, 'mm/new.c');
  assert.equal(byPath.get('mm/new.c')?.oldPath, undefined);
  assert.equal(byPath.get('mm/old.c')?.newPath, undefined);
  // jsdiff's convention: an empty side starts one past the header's number.
  assert.deepEqual({ ...byPath.get('mm/new.c')!.hunks[0], lines: [] }, { oldStart: 1, oldLines: 0, newStart: 1, newLines: 2, section: '', lines: [] });
  assert.equal(byPath.get('mm/b.c')?.oldPath, 'mm/a.c');
  assert.equal(byPath.get('lib/d.c')?.oldPath, 'lib/c.c');
  assert.deepEqual(d.problems, [
    { path: 'fw/blob.bin', message: 'binary diff for fw/blob.bin: not applied' },
    { path: 'fw/img.png', message: 'binary diff for fw/img.png: not applied' },
  ]);
});

test('paths leaving the tree are refused; the other files are kept', () => {
  const d = parseDiff(L(
    '--- a/../evil.c',
    '+++ b/../evil.c',
    '@@ -1 +1 @@',
    '-a',
    '+b',
    '--- /etc/passwd',
    '+++ /etc/passwd',
    '@@ -1 +1 @@',
    '-root',
    '+toor',
    'diff --git a/mm/ok.c b/mm/ok.c',
    '--- a/mm/ok.c',
    '+++ b/mm/ok.c',
    '@@ -1 +1 @@',
    '-a',
    '+b',
    'diff --git a/x/../../y b/x/../../y',
    '--- a/x/../../y',
    '+++ b/x/../../y',
    '@@ -1 +1 @@',
    '-a',
    '+b',
    '--- a/.git/config',
    '+++ b/.git/config',
    '@@ -1 +1 @@',
    '-a',
    '+b',
  ));
  assert.deepEqual(d.files.map((f) => f.path), ['mm/ok.c']);
  assert.equal(d.problems.length, 4);
  assert.match(d.problems[0].message, /refused `\.\.\/evil\.c`: the path leaves the tree/);
  assert.match(d.problems[1].message, /refused `\/etc\/passwd`: the path is absolute/);
  assert.match(d.problems[2].message, /refused `x\/\.\.\/\.\.\/y`: the path leaves the tree/);
  assert.match(d.problems[3].message, /inside \.git/);
  assert.deepEqual(checkPath('mm//./rmap.c'), { ok: true, path: 'mm/rmap.c' });
  for (const bad of ['', '..', 'a/..', 'C:/x', 'a\\..\\b', 'a\0b', '/x', 'a/\nb', '.', './']) assert.equal(checkPath(bad).ok, false, JSON.stringify(bad));
});

test('malformed hunks are problems naming file and hunk; the file is kept but marked, others survive', () => {
  const d = parseDiff(L(
    'diff --git a/mm/short.c b/mm/short.c',
    '--- a/mm/short.c',
    '+++ b/mm/short.c',
    '@@ -1,3 +1,3 @@ first',
    ' a',
    '-b',
    '+B',
    '@@ -10,2 +10,2 @@ second',
    ' x',
    '-y',
    '+Y',
    'diff --git a/mm/garbage.c b/mm/garbage.c',
    '--- a/mm/garbage.c',
    '+++ b/mm/garbage.c',
    '@@ -1,3 +1,3 @@',
    ' a',
    'this is not a diff line',
    '-b',
    '+B',
    ' c',
    'diff --git a/mm/long.c b/mm/long.c',
    '--- a/mm/long.c',
    '+++ b/mm/long.c',
    '@@ -1,1 +1,1 @@',
    '-a',
    '+b',
    '+c',
    'diff --git a/mm/badheader.c b/mm/badheader.c',
    '--- a/mm/badheader.c',
    '+++ b/mm/badheader.c',
    '@@ -x,1 +1 @@',
    '-a',
    'diff --git a/mm/fine.c b/mm/fine.c',
    '--- a/mm/fine.c',
    '+++ b/mm/fine.c',
    '@@ -1 +1 @@',
    '-a',
    '+b',
  ));
  assert.deepEqual(d.files.map((f) => `${f.path}:${f.hunks.length}:${f.malformed?.length ?? 0}`), [
    'mm/short.c:1:1', 'mm/garbage.c:0:1', 'mm/long.c:0:1', 'mm/badheader.c:0:1', 'mm/fine.c:1:0',
  ]);
  const msgs = d.problems.map((p) => `${p.path}|${p.message}`);
  assert.equal(msgs.length, 4);
  assert.match(msgs[0], /^mm\/short\.c\|hunk #1 `@@ -1,3 \+1,3 @@ first` of mm\/short\.c \(line 4\) is malformed: the header says 3 old and 3 new lines but the hunk has 2 and 2: line 8 `@@ -10,2 \+10,2 @@ second` is not a diff line/);
  assert.match(msgs[1], /^mm\/garbage\.c\|.*hunk #1 .* line 17 `this is not a diff line` is not a diff line/);
  assert.match(msgs[2], /^mm\/long\.c\|.*hunk #1 .* line 27 `\+c` follows the hunk but its header counts 1 old and 1 new lines/);
  assert.match(msgs[3], /^mm\/badheader\.c\|.*unreadable hunk header `@@ -x,1 \+1 @@`/);
});

test('git prefixes: a/ b/, mnemonic i/ w/, --no-prefix renames keep their directories', () => {
  const mnemonic = parseDiff(L('diff --git i/mm/x.c w/mm/x.c', '--- i/mm/x.c', '+++ w/mm/x.c', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(mnemonic.files.map((f) => f.path), ['mm/x.c']);
  const noPrefix = parseDiff(L('diff --git mm/x.c lib/x.c', 'similarity index 90%', 'rename from mm/x.c', 'rename to lib/x.c', '--- mm/x.c', '+++ lib/x.c', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(noPrefix.files.map((f) => `${f.oldPath}->${f.path}:${f.change}`), ['mm/x.c->lib/x.c:rename']);
  // A file name with parentheses in a git diff is kept whole.
  const parens = parseDiff(L('diff --git a/doc/a (b) b/doc/a (b)', '--- a/doc/a (b)', '+++ b/doc/a (b)', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(parens.files.map((f) => f.path), ['doc/a (b)']);
});

test('a file header with no hunk (a truncated mail) is malformed, not an empty change', () => {
  const d = parseDiff(L('diff --git a/mm/x.c b/mm/x.c', 'index 1..2 100644', '--- a/mm/x.c', '+++ b/mm/x.c', '', '-- ', '2.48.1'));
  assert.equal(d.files[0].malformed?.length, 1);
  assert.match(d.problems[0].message, /no hunk for it/);
});

test('a hunk before any file header is a problem', () => {
  const d = parseDiff(L('@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(d.files, []);
  assert.match(d.problems[0].message, /no file header/);
  const d2 = parseDiff(L('prose', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(d2.problems, []);
  const d3 = parseDiff(L('@@ -5 +5 @@', '-a', '+b', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(d3.files.map((f) => f.path), ['x']);
  assert.deepEqual(d3.problems, [{ message: 'a hunk with no file header at line 1: `@@ -5 +5 @@`' }]);
});

test('CRLF input reads like LF input', () => {
  const lf = L('diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1,2 +1,2 @@ fn', ' a', '-b', '+c');
  assert.deepEqual(parseDiff(lf.replace(/\n/g, '\r\n')), parseDiff(lf));
  assert.deepEqual(splitDescription(`msg\r\n---\r\n${lf}`.replace(/([^\r])\n/g, '$1\r\n')), splitDescription(`msg\n---\n${lf}`));
});

test('"\\ No newline at end of file" stays with its hunk', () => {
  const d = parseDiff(L('--- a/x', '+++ b/x', '@@ -1,2 +1,2 @@', ' a', '-b', '\\ No newline at end of file', '+b', '\\ No newline at end of file', '--- a/y', '+++ b/y', '@@ -1 +1 @@', '-p', '+q'));
  assert.deepEqual(d.problems, []);
  assert.deepEqual(d.files[0].hunks[0].lines, [' a', '-b', '\\ No newline at end of file', '+b', '\\ No newline at end of file']);
  assert.equal(d.files[1].path, 'y');
});

test('plain diff -u: tree-name prefixes, labels after the name, timestamps, -p0', () => {
  const trees = parseDiff(L(
    'diff -u v6.12.107/mm/rmap.c v6.18.15/mm/rmap.c',
    '--- v6.12.107/mm/rmap.c\t2025-01-01 00:00:00.000000000 +0000',
    '+++ v6.18.15/mm/rmap.c\t2025-02-01 00:00:00.000000000 +0000',
    '@@ -1 +1 @@',
    '-a',
    '+b',
    '--- /dev/null',
    '+++ v6.18.15/mm/new.c',
    '@@ -0,0 +1 @@',
    '+n',
  ));
  assert.deepEqual(trees.problems, []);
  assert.deepEqual(trees.files.map((f) => `${f.path}:${f.change}`), ['mm/rmap.c:modify', 'mm/new.c:add']);
  const labels = parseDiff(L('# RECONSTRUCTED diff', '--- a/mm/rmap.c (v6.12.107)', '+++ b/mm/rmap.c (v6.18.15)', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(labels.files.map((f) => f.path), ['mm/rmap.c']);
  const spaces = parseDiff(L('--- mm/rmap.c  2025-01-01 10:00:00 +0100', '+++ mm/rmap.c  2025-01-02 10:00:00 +0100', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(spaces.files.map((f) => f.path), ['mm/rmap.c']);
  const orig = parseDiff(L('--- mm/rmap.c.orig', '+++ mm/rmap.c', '@@ -1 +1 @@', '-a', '+b'));
  assert.deepEqual(orig.files.map((f) => `${f.path}:${f.change}:${f.oldPath}`), ['mm/rmap.c:modify:mm/rmap.c.orig']);
  const quoted = parseDiff(L('diff --git "a/dir/with\\ttab" "b/dir/with\\ttab"', '--- "a/dir/with\\ttab"', '+++ "b/dir/with\\ttab"', '@@ -1 +1 @@', '-a', '+b'));
  assert.equal(quoted.files.length, 0, 'a tab is a control character: refused');
  assert.match(quoted.problems[0].message, /control characters/);
});

test('weird input never throws', () => {
  for (const s of ['', '\n', '---', '--- a', '--- a\n+++', '@@', '@@ -1 +1 @@', 'diff --git ', 'diff --git a/x b/x\n--- a/x\n+++', '--- \n+++ \n@@ -99999999999999999999,1 +1 @@\n-a', '\\', '--- a/x\n+++ b/x\n@@ -1,1000000000 +1 @@\n-a']) {
    assert.doesNotThrow(() => parseDiff(s), JSON.stringify(s));
    assert.doesNotThrow(() => splitDescription(s), JSON.stringify(s));
  }
});
