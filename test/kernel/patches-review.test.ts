// The review of real patch mails on real trees: series built, applied in memory in order, and each
// hunk mapped by tree-sitter to the functions it touches in the pre and post images.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fsTreeReader } from '../../extension/patches/apply';
import { type Review, reviewFile } from '../../extension/patches/review';
import { REPO, wasmService } from '../helpers/parser';

const PATCHES = path.resolve(REPO, '../shared/patches');
const TREE = path.resolve(REPO, '../shared/kernel/v6.12.107');
const skip = fs.existsSync(PATCHES) && fs.existsSync(path.join(TREE, 'mm/rmap.c')) ? false : `no ${PATCHES} or ${TREE}`;

function mail(prefix: string): string {
  const f = fs.readdirSync(PATCHES).find((n) => n.startsWith(prefix));
  assert.ok(f, `a mail ${prefix}* in ${PATCHES}`);
  return path.join(PATCHES, f);
}

/** An mbox (mboxrd) of some of the real mails, written to a temporary file: the files stay in ../shared. */
function mbox(prefixes: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-review-'));
  const parts = prefixes.map((p) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${fs.readFileSync(mail(p), 'utf8').replace(/^(>*From )/gm, '>$1')}\n`);
  const file = path.join(dir, 'series.mbox');
  fs.writeFileSync(file, parts.join(''));
  return file;
}

function functionsOf(r: Review, index: number, file: string): { before: string[]; after: string[] }[] {
  const p = r.series.flatMap((s) => s.patches).find((x) => x.patch.subject.index === index);
  assert.ok(p, `patch ${index} in the review`);
  const f = p.files.find((x) => x.path === file);
  assert.ok(f, `${file} in patch ${index}`);
  return f.hunks.map((h) => h.functions);
}

const all = (fs: { before: string[]; after: string[] }[]): Set<string> => new Set(fs.flatMap((f) => [...f.before, ...f.after]));

test('03/12 and 04/12 as a series on v6.12.107: applied in order, hunks mapped to the device-exclusive functions', { skip }, async () => {
  const parser = await wasmService();
  const r = await reviewFile(mbox(['2025-01-29_david_PATCH-v1-00-12', '2025-01-29_david_PATCH-v1-03-12', '2025-01-29_david_PATCH-v1-04-12']), { parser, tree: { root: TREE, reader: fsTreeReader(TREE) } });
  assert.equal(r.series.length, 1);
  const s = r.series[0];
  assert.equal(s.series.title, 'mm: fixes for device-exclusive entries (hmm)');
  assert.ok(s.series.cover, 'the cover letter');
  assert.deepEqual(s.patches.map((p) => p.patch.subject.index), [3, 4]);
  assert.deepEqual(s.series.missing, [1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(s.patches.map((p) => p.applied), [true, true], s.patches.map((p) => p.problems.join('; ')).join(' | '));
  // The zh_CN translation is not among the tree's files: reported, not applied, not fatal.
  assert.ok(s.patches[0].problems.some((p) => /zh_CN.*not in the tree/.test(p)), s.patches[0].problems.join('\n'));

  const p3rmap = functionsOf(r, 3, 'mm/rmap.c');
  assert.ok(all(p3rmap).has('make_device_exclusive_range'), 'the rmap.c hunk of 03/12 touches make_device_exclusive_range (pre image)');
  assert.ok(p3rmap.some((h) => h.after.includes('make_device_exclusive')), 'and make_device_exclusive (post image)');
  assert.ok(all(p3rmap).has('folio_make_device_exclusive'));
  assert.deepEqual([...all(functionsOf(r, 3, 'lib/test_hmm.c'))], ['dmirror_exclusive']);
  assert.deepEqual([...all(functionsOf(r, 3, 'drivers/gpu/drm/nouveau/nouveau_svm.c'))], ['nouveau_atomic_range_fault']);

  const p4 = functionsOf(r, 4, 'mm/rmap.c');
  assert.deepEqual(p4[0].before.sort(), ['folio_make_device_exclusive', 'page_make_device_exclusive_one'], 'the first hunk of 04/12 removes the rmap-walk helpers');
  assert.deepEqual(p4[0].after, [], 'which the post image no longer has');
  for (const h of p4.slice(1)) assert.deepEqual(h.after, ['make_device_exclusive']);

  // Patch 4's post image is patch 3's applied on top: make_device_exclusive uses folio_walk there.
  const texts = s.patches[1].texts;
  assert.ok(texts && typeof texts['mm/rmap.c'] === 'string');
  assert.match(texts['mm/rmap.c'], /folio_walk_start\(&fw, vma, addr, 0\)/);
  assert.doesNotMatch(texts['mm/rmap.c'], /page_make_device_exclusive_one/);
  // Nothing on disk changed.
  assert.match(fs.readFileSync(path.join(TREE, 'mm/rmap.c'), 'utf8'), /page_make_device_exclusive_one/);
});

test('04/12 alone on v6.12.107 does not apply (it needs 03/12): said per hunk, shown from its hunks, nothing applied', { skip }, async () => {
  const parser = await wasmService();
  const r = await reviewFile(mail('2025-01-29_david_PATCH-v1-04-12'), { parser, tree: { root: TREE, reader: fsTreeReader(TREE) } });
  const p = r.series[0].patches[0];
  assert.equal(p.applied, false);
  assert.equal(p.texts, undefined);
  const f = p.files.find((x) => x.path === 'mm/rmap.c');
  assert.ok(f);
  assert.equal(f.imagesFrom, 'hunks');
  assert.ok(f.hunks.some((h) => h.apply && !h.apply.applied && h.apply.reason), 'a hunk that does not apply says why');
  // Even from the hunks alone, tree-sitter finds the functions in the hunk text.
  assert.ok(all(f.hunks.map((h) => h.functions)).has('page_make_device_exclusive_one'));
});

test('without a tree: the v11 series parses, hunks from git section headers or hunk text', { skip: fs.existsSync(PATCHES) ? false : `no ${PATCHES}` }, async () => {
  const parser = await wasmService();
  const r = await reviewFile(mbox(['2021-06-16_apopple_PATCH-v11-00-10', '2021-06-16_apopple_PATCH-v11-07-10', '2021-06-16_apopple_PATCH-v11-10-10']), { parser });
  assert.equal(r.series.length, 1);
  const s = r.series[0];
  assert.equal(s.series.version, 11);
  assert.equal(s.series.total, 10);
  assert.deepEqual(s.patches.map((p) => p.patch.subject.index), [7, 10]);
  assert.equal(s.patches[0].applied, undefined);
  const rmap = all(functionsOf(r, 7, 'mm/rmap.c'));
  assert.ok(rmap.has('make_device_exclusive_range') && rmap.has('page_make_device_exclusive_one'), [...rmap].join(', '));
  assert.ok(all(functionsOf(r, 10, 'drivers/gpu/drm/nouveau/nouveau_svm.c')).has('nouveau_atomic_range_fault'));
});
