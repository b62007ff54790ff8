import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { CliError } from '../../extension/cli/common';
import { main } from '../../extension/cli/main';
import type { B4Result } from '../../extension/cli/reviewCommand';
import { EXAMPLES, FIXTURES, REPO } from '../helpers/parser';

/** The module object itself (not the namespace copy of an import): what node:test's mock.method can replace. */
const nodeFs = require('node:fs') as typeof fs;

const REVIEW = path.join(FIXTURES, 'review');
const SERIES = path.join(REVIEW, 'dirty-series.mbox');
/** One patch whose context lines are not in examples/mm/rmap.c. */
const STALE = path.join(REVIEW, 'does-not-apply.patch');
/** One patch whose only file is `../x`. */
const ESCAPE = path.join(REVIEW, 'leaves-tree.patch');

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs kpsim in-process like test/helpers/cli.ts, with `stdin` as standard input; usage errors throw. */
async function run(args: string[], stdin: Buffer | string = Buffer.alloc(0)): Promise<Run> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => void (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t: string) => void (err += t.endsWith('\n') ? t : `${t}\n`),
    stdin: () => Promise.resolve(Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin)),
  };
  const code = await main(args, io);
  return { code, out, err };
}

/** The messages of an mbox, each without its `From ` envelope line. */
function mboxMessages(file: string): string[] {
  return fs.readFileSync(file, 'utf8')
    .split(/^(?=From \S+ .*\d{1,2}:\d{2})/m)
    .filter((m) => m.startsWith('From '))
    .map((m) => m.slice(m.indexOf('\n') + 1));
}

/** Every file under `dir`, by relative path. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs), fs.readFileSync(abs));
  }
  return out;
}

function assertUnchanged(dir: string, before: Map<string, Buffer>): void {
  const after = snapshot(dir);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `files added to or removed from ${dir}`);
  for (const [rel, bytes] of before) assert.ok(bytes.equals(after.get(rel)!), `${rel} changed`);
}

// The JSON `kpsim review --json` prints (reviewCommand.ts reviewJson), as far as these tests read it.
interface JsonApply { applied: boolean; offset: number; fuzz: number; oldLine: number | null; newLine: number | null; reason: string | null }
interface JsonHunk { header: string; before: string[]; after: string[]; via: string; apply: JsonApply | null }
interface JsonFile { path: string; change: string; status: string | null; reason: string | null; hunks: JsonHunk[] }
interface JsonPatch { index: number | null; subject: string; messageId: string; applied: boolean | null; problems: string[]; files: JsonFile[] }
interface JsonSeries { id: string; title: string; version: number; total: number; cover: { messageId: string } | null; missing: number[]; replies: number; patches: JsonPatch[] }
interface ReviewJson { source: string; tree: string | null; messages: number; problems: string[]; series: JsonSeries[] }

function reviewJson(r: Run): ReviewJson {
  return JSON.parse(r.out) as ReviewJson;
}

function b4(r: Run): B4Result[] {
  assert.equal(r.code, 0, 'b4-check always exits 0: b4 takes a non-zero exit without output as a failed check');
  const results = JSON.parse(r.out) as B4Result[];
  assert.ok(Array.isArray(results) && results.length > 0, r.out);
  for (const x of results) {
    assert.deepEqual(Object.keys(x).sort(), ['details', 'status', 'summary', 'tool', 'url']);
    for (const k of ['tool', 'status', 'summary', 'url', 'details'] as const) assert.equal(typeof x[k], 'string', `${k} of ${JSON.stringify(x)}`);
    assert.match(x.status, /^(pass|warn|fail)$/);
  }
  return results;
}

function tool(results: B4Result[], name: string): B4Result {
  const r = results.find((x) => x.tool === name);
  assert.ok(r, `no ${name} entry in ${JSON.stringify(results)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// kpsim review

test('review --tree: the fixture series applies, hunk by hunk, in make_device_exclusive', async () => {
  const r = await run(['review', SERIES, '--tree', EXAMPLES]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /4 messages, 1 series, applied in memory to .*examples/);
  assert.match(r.out, /^series v1: mm\/rmap: make_device_exclusive\(\) comment cleanups \(2 of 2 patches, cover letter, 1 replies\)$/m);
  assert.match(r.out, /^ {2}\[v1 1\/2\] mm\/rmap: explain which entries the GUP fault undoes {2}\[applies\]$/m);
  assert.match(r.out, /^ {2}\[v1 2\/2\] mm\/rmap: stop marking the folio dirty in make_device_exclusive\(\) {2}\[applies\]$/m);
  assert.equal(r.out.match(/\[applies\]/g)?.length, 2);
  assert.doesNotMatch(r.out, /DOES NOT APPLY|does not apply/);
  assert.match(r.out, /^ {4}mm\/rmap\.c \(modify, applied\)$/m);
  assert.match(r.out, /^ {6}@@ -33,7 \+33,10 @@ {2}make_device_exclusive {2}applies at line 33$/m);
  assert.match(r.out, /^ {6}@@ -69,11 \+69,9 @@ {2}make_device_exclusive {2}applies at line 69$/m);
});

test('review --tree --json: applied patches, functions before/after, where each hunk landed', async () => {
  const r = await run(['review', SERIES, '--tree', EXAMPLES, '--json']);
  assert.equal(r.code, 0, r.err);
  const j = reviewJson(r);
  assert.equal(j.tree, path.resolve(EXAMPLES));
  assert.equal(j.messages, 4);
  assert.deepEqual(j.problems, []);
  assert.equal(j.series.length, 1);
  const s = j.series[0];
  assert.equal(s.title, 'mm/rmap: make_device_exclusive() comment cleanups');
  assert.deepEqual([s.version, s.total, s.missing, s.replies], [1, 2, [], 1]);
  assert.equal(s.cover?.messageId, 'series-0@example.org');
  assert.deepEqual(s.patches.map((p) => [p.index, p.messageId, p.applied, p.problems]), [
    [1, 'series-1@example.org', true, []],
    [2, 'series-2@example.org', true, []],
  ]);
  for (const p of s.patches) {
    assert.deepEqual(p.files.map((f) => [f.path, f.change, f.status, f.reason]), [['mm/rmap.c', 'modify', 'applied', null]]);
    for (const h of p.files[0].hunks) {
      assert.deepEqual([h.before, h.after, h.via], [['make_device_exclusive'], ['make_device_exclusive'], 'images']);
    }
  }
  const apply = s.patches.map((p) => p.files[0].hunks.map((h) => h.apply));
  // Patch 2 is written on top of patch 1 (3 lines longer there): it lands where it says, no offset.
  assert.deepEqual(apply, [
    [{ applied: true, offset: 0, fuzz: 0, oldLine: 33, newLine: 33, reason: null }],
    [{ applied: true, offset: 0, fuzz: 0, oldLine: 69, newLine: 69, reason: null }],
  ]);
});

test('review without --tree: the series and hunks, no apply status, exit 0', async () => {
  const text = await run(['review', SERIES]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /4 messages, 1 series$/m);
  assert.doesNotMatch(text.out, /applied in memory|\[applies\]|DOES NOT APPLY|applies at line|does not apply/);
  assert.match(text.out, /^ {2}\[v1 1\/2\] mm\/rmap: explain which entries the GUP fault undoes$/m);
  assert.match(text.out, /^ {4}mm\/rmap\.c \(modify\)$/m);
  const json = await run(['review', SERIES, '--json']);
  assert.equal(json.code, 0, json.err);
  const j = reviewJson(json);
  assert.equal(j.tree, null);
  const patches = j.series[0].patches;
  assert.equal(patches.length, 2);
  for (const p of patches) {
    assert.equal(p.applied, null);
    for (const f of p.files) {
      assert.equal(f.status, null);
      assert.equal(f.reason, null);
      for (const h of f.hunks) assert.equal(h.apply, null);
    }
  }
  assert.deepEqual(patches.map((p) => p.files[0].hunks.map((h) => h.header)), [['@@ -33,7 +33,10 @@'], ['@@ -69,11 +69,9 @@']]);
});

test('review: a patch whose context is not in the tree does not apply (exit 1, why), and the tree is left alone', async () => {
  const before = snapshot(EXAMPLES);
  const r = await run(['review', STALE, '--tree', EXAMPLES]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /^ {2}\[v1\] mm\/rmap: take the folio lock without trying first {2}\[DOES NOT APPLY\]$/m);
  assert.match(r.out, /^ {4}mm\/rmap\.c \(modify, failed\)$/m);
  // The reason: which line differs, and the closest place the hunk nearly matches.
  assert.match(r.out, /^ {4}! mm\/rmap\.c: 1 of 1 hunks do not apply to mm\/rmap\.c; first: hunk #1 @@ -49,7 \+49,6 @@ does not apply: line 49 is `\tif \(!folio_trylock\(folio\)\)` where the hunk expects /m);
  assert.match(r.out, /@@ -49,7 \+49,6 @@ .* {2}does not apply: .*closest: lines 46-52 \(4 of 7 lines match; .*the hunk expects `\tif \(!folio_trylock_stale\(folio\)\)`/);
  const json = await run(['review', STALE, '--tree', EXAMPLES, '--json']);
  assert.equal(json.code, 1);
  const p = reviewJson(json).series[0].patches[0];
  assert.equal(p.applied, false);
  assert.equal(p.files[0].status, 'failed');
  assert.match(p.files[0].reason ?? '', /1 of 1 hunks do not apply/);
  const h = p.files[0].hunks[0].apply;
  assert.ok(h && !h.applied && h.oldLine === null);
  assert.match(h.reason ?? '', /^hunk #1 @@ -49,7 \+49,6 @@ does not apply: line 49 is /);
  assertUnchanged(EXAMPLES, before);
});

test('review: a diff naming ../x is refused, nothing outside the tree is read or written, exit 1', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-review-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'mm'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'mm/keep.c'), 'int keep;\n');
  // What the patch's context expects: were it followed out of the tree, it would apply.
  const outside = path.join(dir, 'x');
  fs.writeFileSync(outside, 'first line\n');
  const treeBefore = snapshot(tree);
  const dirBefore = snapshot(dir);

  const touched: string[] = [];
  const spy = (name: string) => (p: unknown) => {
    if (typeof p === 'string' || p instanceof URL || Buffer.isBuffer(p)) touched.push(`${name} ${path.resolve(String(p))}`);
  };
  for (const name of ['readFileSync', 'openSync', 'createReadStream', 'writeFileSync', 'appendFileSync', 'createWriteStream', 'statSync', 'lstatSync', 'realpathSync', 'existsSync'] as const) {
    const original = nodeFs[name] as (...a: unknown[]) => unknown;
    const record = spy(name);
    t.mock.method(nodeFs, name, function (this: unknown, ...a: unknown[]) {
      record(a[0]);
      return original.apply(this, a);
    });
  }
  let text: Run;
  let json: Run;
  try {
    text = await run(['review', ESCAPE, '--tree', tree]);
    json = await run(['review', ESCAPE, '--tree', tree, '--json']);
  } finally {
    t.mock.restoreAll();
  }
  // The spies saw the mail being read, so they would have seen ../x too.
  assert.ok(touched.some((x) => x.endsWith(` ${ESCAPE}`)), `the fs spies recorded nothing useful: ${touched.join(', ')}`);
  assert.deepEqual(touched.filter((x) => x.endsWith(` ${outside}`) || x.startsWith('write') || x.startsWith('append') || x.startsWith('createWrite')), []);

  assert.equal(text.code, 1, text.out);
  assert.match(text.out, /^ {2}\[v1\] write next to the tree {2}\[DOES NOT APPLY\]$/m);
  assert.match(text.out, /^ {4}! \.\.\/x: refused `\.\.\/x`: the path leaves the tree \(`\.\.`\); the file is not applied$/m);
  assert.doesNotMatch(text.out, /applies at line|\[applies\]/);
  assert.equal(json.code, 1);
  const p = reviewJson(json).series[0].patches[0];
  assert.equal(p.applied, false);
  assert.deepEqual(p.files, []);
  assert.ok(p.problems.length > 0 && p.problems.every((x) => /refused `\.\.\/x`: the path leaves the tree/.test(x)), JSON.stringify(p.problems));
  assertUnchanged(tree, treeBefore);
  assertUnchanged(dir, dirBefore);
  assert.equal(fs.readFileSync(outside, 'utf8'), 'first line\n');

  // Without a tree there is nothing to apply to, but the refusal is still reported.
  const bare = reviewJson(await run(['review', ESCAPE, '--json']));
  assert.deepEqual(bare.series[0].patches[0].problems, ['../x: refused `../x`: the path leaves the tree (`..`); the file is not applied']);
});

test('review: a refused path is reported once per patch', async () => {
  const p = reviewJson(await run(['review', ESCAPE, '--tree', EXAMPLES, '--json'])).series[0].patches[0];
  assert.deepEqual(p.problems, ['../x: refused `../x`: the path leaves the tree (`..`); the file is not applied']);
});

test('review: a file that is not a mail is a problem (exit 1); a missing file or tree is a usage error', async () => {
  const c = await run(['review', path.join(EXAMPLES, 'mm/rmap.c'), '--tree', EXAMPLES]);
  assert.equal(c.code, 1, c.out);
  assert.match(c.out, /rmap\.c: 0 messages, 0 series/);
  assert.match(c.out, /^ {2}! not a mail \(.*rmap\.c, message 1\): the first line is not a header \("\/\/ SPDX-License-Identifier: MIT"\)$/m);
  assert.match(c.out, /^ {2}! no mail messages found$/m);
  const j = reviewJson(await run(['review', path.join(EXAMPLES, 'mm/rmap.c'), '--json']));
  assert.deepEqual(j.series, []);
  assert.equal(j.messages, 0);
  assert.ok(j.problems.some((p) => /not a mail/.test(p)), JSON.stringify(j.problems));

  const missing = path.join(REVIEW, 'no-such-series.mbox');
  await assert.rejects(run(['review', missing]), (e: unknown) => e instanceof CliError && e.message === `${missing}: no such file`);
  await assert.rejects(run(['review']), (e: unknown) => e instanceof CliError && /^usage: kpsim review FILE/.test(e.message));
  await assert.rejects(run(['review', SERIES, '--tree', path.join(REPO, 'no-such-tree')]), (e: unknown) => e instanceof CliError && /no such directory/.test(e.message));
});

test('review: a message is numbered once, from 1', async () => {
  const c = await run(['review', path.join(EXAMPLES, 'mm/rmap.c')]);
  assert.match(c.out, /! not a mail \(.*rmap\.c, message 1\)/);
  assert.doesNotMatch(c.out, /message 0/);
});

test('the built kpsim: review of a missing file exits 64, a stale patch exits 1', (t) => {
  const cli = path.join(REPO, 'dist/cli.js');
  if (!fs.existsSync(cli)) {
    t.skip(`${cli} is not built (npm run build)`);
    return;
  }
  const usage = spawnSync(process.execPath, [cli, 'review', path.join(REVIEW, 'no-such-series.mbox')], { encoding: 'utf8' });
  assert.equal(usage.status, 64, usage.stderr);
  assert.match(usage.stderr, /^kpsim: .*no-such-series\.mbox: no such file$/m);
  assert.equal(usage.stdout, '');
  const stale = spawnSync(process.execPath, [cli, 'review', STALE, '--tree', EXAMPLES], { encoding: 'utf8' });
  assert.equal(stale.status, 1, stale.stderr);
  assert.match(stale.stdout, /\[DOES NOT APPLY\]/);
  // b4-check reads the real standard input.
  const patch2 = mboxMessages(SERIES)[2];
  const b4run = spawnSync(process.execPath, [cli, 'b4-check', '--tree', EXAMPLES], { input: patch2, encoding: 'utf8' });
  assert.equal(b4run.status, 0, b4run.stderr);
  assert.equal(tool(JSON.parse(b4run.stdout) as B4Result[], 'kpsim-apply').status, 'pass');
});

// ---------------------------------------------------------------------------------------------
// kpsim b4-check

test('b4-check: patch 2 alone applies to examples (offset -3) and touches make_device_exclusive', async () => {
  const messages = mboxMessages(SERIES);
  assert.equal(messages.length, 4);
  assert.match(messages[2], /^From: Patch Author <author@example\.org>\nTo: /);
  assert.match(messages[2], /^Subject: \[PATCH 2\/2\]/m);
  const results = b4(await run(['b4-check', '--tree', EXAMPLES], messages[2]));
  assert.deepEqual(results.map((x) => x.tool), ['kpsim-apply', 'kpsim-paths']);
  const apply = tool(results, 'kpsim-apply');
  assert.equal(apply.status, 'pass');
  assert.equal(apply.summary, 'applies to examples');
  // Without patch 1 below it, the hunk lands 3 lines higher than its header says.
  const files = JSON.parse(apply.details) as { path: string; status: string; hunks: { applied: boolean; offset: number; oldLine: number }[] }[];
  assert.deepEqual(files.map((f) => [f.path, f.status, f.hunks.map((h) => [h.applied, h.offset, h.oldLine])]), [['mm/rmap.c', 'applied', [[true, -3, 66]]]]);
  const paths = tool(results, 'kpsim-paths');
  assert.equal(paths.status, 'pass');
  assert.match(paths.summary, /^touches make_device_exclusive: simulate before\/after \(\d+ scenarios?\)$/);
  const d = JSON.parse(paths.details) as { functions: string[]; family: string[]; scenarios: string[]; problems: string[] };
  assert.deepEqual([d.functions, d.family, d.problems], [['make_device_exclusive'], ['make_device_exclusive'], []]);
  assert.ok(d.scenarios.includes('exclusive-then-cpu-write'), d.scenarios.join(', '));
  // The mbox envelope line does not matter, and neither do CRLF line ends.
  const envelope = b4(await run(['b4-check', '--tree', EXAMPLES], `From kpsim-fixture Mon Sep 17 00:00:00 2001\n${messages[2]}`));
  assert.deepEqual(envelope.map((x) => [x.tool, x.status]), [['kpsim-apply', 'pass'], ['kpsim-paths', 'pass']]);
  const crlf = b4(await run(['b4-check', '--tree', EXAMPLES], messages[2].replace(/\n/g, '\r\n')));
  assert.deepEqual(crlf.map((x) => [x.tool, x.status]), [['kpsim-apply', 'pass'], ['kpsim-paths', 'pass']]);
});

test('b4-check: garbage or empty input is one "not a mail" failure, still exit 0', async () => {
  const garbage = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) & 0xff));
  const bad = b4(await run(['b4-check', '--tree', EXAMPLES], garbage));
  assert.equal(bad.length, 1);
  assert.deepEqual([bad[0].tool, bad[0].status], ['kpsim', 'fail']);
  assert.match(bad[0].summary, /^not a mail: .*the first line is not a header/);
  const empty = b4(await run(['b4-check', '--tree', EXAMPLES], ''));
  assert.deepEqual(empty.map((x) => [x.tool, x.status]), [['kpsim', 'fail']]);
  assert.match(empty[0].summary, /not a mail.*empty input/);
});

test('b4-check: "not a mail" is said once', async () => {
  const bad = b4(await run(['b4-check', '--tree', EXAMPLES], Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 10])));
  assert.doesNotMatch(bad[0].summary, /not a mail.*not a mail/);
});

test('b4-check: the cover letter has no diff: pass, nothing to check', async () => {
  const cover = mboxMessages(SERIES)[0];
  assert.match(cover, /^Subject: \[PATCH 0\/2\]/m);
  const results = b4(await run(['b4-check', '--tree', EXAMPLES], cover));
  assert.deepEqual(results.map((x) => [x.tool, x.status]), [['kpsim', 'pass']]);
  assert.equal(results[0].summary, 'no diff in "mm/rmap: make_device_exclusive() comment cleanups": nothing to check');
});

test('b4-check: a patch that does not apply is a warning, and the tree is left alone', async () => {
  const before = snapshot(EXAMPLES);
  const stale = fs.readFileSync(STALE, 'utf8');
  const results = b4(await run(['b4-check', '--tree', EXAMPLES], stale.slice(stale.indexOf('\n') + 1)));
  const apply = tool(results, 'kpsim-apply');
  assert.equal(apply.status, 'warn');
  assert.match(apply.summary, /^1 file do(es)? not apply to examples \(it may need earlier patches of the series\)$/);
  const files = JSON.parse(apply.details) as { path: string; status: string; reason: string }[];
  assert.deepEqual(files.map((f) => [f.path, f.status]), [['mm/rmap.c', 'failed']]);
  assert.match(files[0].reason, /hunk #1 @@ -49,7 \+49,6 @@ does not apply: line 49 is /);
  assert.equal(tool(results, 'kpsim-paths').status, 'pass');
  // A diff leaving the tree is a failure, not a read outside it.
  const escape = fs.readFileSync(ESCAPE, 'utf8');
  const refused = b4(await run(['b4-check', '--tree', EXAMPLES], escape.slice(escape.indexOf('\n') + 1)));
  assert.deepEqual(refused.map((x) => [x.tool, x.status]), [['kpsim', 'fail']]);
  assert.match(refused[0].summary, /refused `\.\.\/x`: the path leaves the tree/);
  assertUnchanged(EXAMPLES, before);
});

// ---------------------------------------------------------------------------------------------
// Real patches on a real tree (../shared beside the repository).

test('the built kpsim: `review -` reads standard input, gzip-compressed or not', (t) => {
  const cli = path.join(REPO, 'dist/cli.js');
  if (!fs.existsSync(cli)) {
    t.skip(`${cli} is not built (npm run build)`);
    return;
  }
  for (const input of [fs.readFileSync(SERIES), zlib.gzipSync(fs.readFileSync(SERIES))]) {
    const r = spawnSync(process.execPath, [cli, 'review', '-', '--tree', EXAMPLES], { input, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /4 messages, 1 series/);
    assert.equal((r.stdout.match(/\[applies\]/g) ?? []).length, 2);
  }
});

const SHARED = path.resolve(REPO, '../shared');
const V612 = path.join(SHARED, 'kernel/v6.12.107');
const PATCHES = path.join(SHARED, 'patches');

function sharedPatch(pattern: RegExp): string | undefined {
  if (!fs.existsSync(PATCHES)) return undefined;
  const name = fs.readdirSync(PATCHES).find((n) => pattern.test(n));
  return name && path.join(PATCHES, name);
}

const P03 = sharedPatch(/^2025-01-29_.*PATCH-v1-03-12_.*\.eml$/);
const P04 = sharedPatch(/^2025-01-29_.*PATCH-v1-04-12_.*\.eml$/);
const noShared = !fs.existsSync(path.join(V612, 'mm/rmap.c')) || !P03 || !P04
  ? `real data not present: needs ${V612} and the v1 03/12 and 04/12 .eml files in ${PATCHES}`
  : false;

test('real data: 04/12 alone does not apply to v6.12.107 (it needs 03/12)', { skip: noShared }, async () => {
  const r = await run(['review', P04!, '--tree', V612, '--json']);
  assert.equal(r.code, 1);
  const s = reviewJson(r).series[0];
  assert.equal(s.total, 12);
  assert.ok(s.missing.includes(3));
  const p = s.patches[0];
  assert.equal(p.index, 4);
  assert.equal(p.applied, false);
  const rmap = p.files.find((f) => f.path === 'mm/rmap.c');
  assert.ok(rmap, JSON.stringify(p.files.map((f) => f.path)));
  assert.equal(rmap.status, 'failed');
  assert.ok(rmap.hunks.length > 0);
  for (const h of rmap.hunks) {
    assert.equal(h.apply?.applied, false);
    assert.match(h.apply?.reason ?? '', /does not apply: line \d+ is /);
  }
  assert.ok(p.problems.some((x) => x.startsWith('mm/rmap.c: ')), JSON.stringify(p.problems));
});

test('real data: 03/12 applies to v6.12.107, dmirror_exclusive in lib/test_hmm.c, zh_CN docs missing', { skip: noShared }, async () => {
  const r = await run(['review', P03!, '--tree', V612, '--json']);
  assert.equal(r.code, 0, JSON.stringify(reviewJson(r).series[0]?.patches[0]?.problems));
  const p = reviewJson(r).series[0].patches[0];
  assert.equal(p.index, 3);
  assert.equal(p.applied, true);
  const byPath = new Map(p.files.map((f) => [f.path, f]));
  const hmm = byPath.get('lib/test_hmm.c');
  assert.ok(hmm, [...byPath.keys()].join(', '));
  assert.equal(hmm.status, 'applied');
  assert.ok(hmm.hunks.length > 0);
  for (const h of hmm.hunks) {
    assert.ok([...h.before, ...h.after].includes('dmirror_exclusive'), JSON.stringify(h));
    assert.equal(h.apply?.applied, true);
  }
  const zh = byPath.get('Documentation/translations/zh_CN/mm/hmm.rst');
  assert.ok(zh, [...byPath.keys()].join(', '));
  assert.equal(zh.status, 'missing');
  assert.match(zh.reason ?? '', /not in the tree/);
  assert.equal(byPath.get('mm/rmap.c')?.status, 'applied');
  const text = await run(['review', P03!, '--tree', V612]);
  assert.equal(text.code, 0);
  assert.match(text.out, /\[v1 03\/12\] .* {2}\[applies\]/);
  assert.match(text.out, /^ {4}Documentation\/translations\/zh_CN\/mm\/hmm\.rst \(modify, not in the tree\)$/m);
  assert.match(text.out, /^ {6}@@ .* {2}dmirror_exclusive {2}applies at line \d+, offset \+\d+$/m);
});
