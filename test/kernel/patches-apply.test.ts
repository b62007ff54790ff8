// Diffs on real kernel trees: the reconstructed diffs between two stored versions, and two patches
// of David Hildenbrand's 2025 device-exclusive series, applied in memory.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { applyPatchToTree, applySeries, fsTreeReader } from '../../extension/patches/apply';
import { parseDiff, splitDescription } from '../../extension/patches/diff';
import { parseMessage } from '../../extension/patches/mail';
import type { ParsedDiff, PatchResult } from '../../extension/patches/types';
import { REPO } from '../helpers/parser';

const PATCHES = path.resolve(REPO, '../shared/patches');
const RECONSTRUCTED = path.join(PATCHES, 'reconstructed');
const KERNEL = path.resolve(REPO, '../shared/kernel');

function absent(...dirs: string[]): string | false {
  const missing = dirs.filter((d) => !fs.existsSync(d));
  return missing.length ? `test data not present: ${missing.join(', ')}` : false;
}

function hunkSummary(r: PatchResult): string {
  return r.files.map((f) => `${f.path} ${f.status}${f.hunks.some((h) => h.offset || h.fuzz) ? ` (${f.hunks.map((h) => (h.applied ? `${h.offset >= 0 ? '+' : ''}${h.offset}${h.fuzz ? ` fuzz ${h.fuzz}` : ''}` : 'X')).join(', ')})` : ''}`).join('; ');
}

async function mailDiff(prefix: string): Promise<ParsedDiff> {
  const file = fs.readdirSync(PATCHES).find((f) => f.startsWith(prefix) && f.endsWith('.eml'));
  assert.ok(file, `no mail ${prefix}*.eml in ${PATCHES}`);
  const m = await parseMessage(fs.readFileSync(path.join(PATCHES, file)), { file, index: 0 });
  const { description, diffText } = splitDescription(m.body);
  assert.ok(description.length > 0 && !description.includes('diff --git'), 'description above the diff');
  const d = parseDiff(diffText);
  assert.deepEqual(d.problems, [], prefix);
  return d;
}

test('every reconstructed diff applies to its base tree and gives the other tree\'s file exactly', { skip: absent(RECONSTRUCTED, KERNEL) }, (t) => {
  const files = fs.readdirSync(RECONSTRUCTED).filter((f) => f.endsWith('.diff')).sort();
  assert.ok(files.length > 0);
  let hunks = 0;
  for (const f of files) {
    const m = /^RECONSTRUCTED_(.+?)_to_(.+?)__.+\.diff$/.exec(f);
    assert.ok(m, `name of ${f}`);
    const [, from, to] = m;
    const d = parseDiff(fs.readFileSync(path.join(RECONSTRUCTED, f), 'utf8'));
    assert.deepEqual(d.problems, [], f);
    assert.equal(d.files.length, 1, f);
    const { result, texts } = applyPatchToTree(d, fsTreeReader(path.join(KERNEL, from)));
    assert.equal(result.ok, true, `${f}: ${result.files.map((x) => x.reason).join('; ')}`);
    const [fr] = result.files;
    assert.ok(fr.hunks.every((h) => h.applied && h.offset === 0 && h.fuzz === 0), `${f}: diff -u of the two trees applies exactly`);
    hunks += fr.hunks.length;
    const target = path.join(KERNEL, to, fr.path);
    if (fs.existsSync(target)) assert.equal(texts.get(fr.path), fs.readFileSync(target, 'utf8'), `${f}: ${fr.path} as in ${to}`);
    else t.diagnostic(`${f}: ${to} has no ${fr.path} to compare with`);
  }
  t.diagnostic(`${files.length} reconstructed diffs, ${hunks} hunks, all exact`);
});

const V612 = path.join(KERNEL, 'v6.12.107');

test('[PATCH v1 03/12] and 04/12 apply as a series on v6.12.107 (files the tree lacks: missing)', { skip: absent(PATCHES, V612) }, async (t) => {
  const p3 = await mailDiff('2025-01-29_david_PATCH-v1-03-12_');
  const p4 = await mailDiff('2025-01-29_david_PATCH-v1-04-12_');
  const tree = fsTreeReader(V612);
  const s = applySeries([p3, p4], tree, { missingOk: true });
  assert.equal(s.stoppedAt, undefined, s.results.map(hunkSummary).join(' | '));
  for (const [i, r] of s.results.entries()) {
    assert.equal(r.ok, true);
    for (const f of r.files) {
      const inTree = fs.existsSync(path.join(V612, f.path));
      assert.equal(f.status, inTree ? 'applied' : 'missing', `${f.path}: ${f.reason ?? ''}`);
    }
    t.diagnostic(`patch ${i + 3}/12: ${hunkSummary(r)}`);
  }
  assert.ok(s.results[0].files.some((f) => f.status === 'missing'), 'the zh_CN translation is not in the stored tree');
  // The series' end state: make_device_exclusive() with folio_walk, the rmap-walk helpers gone.
  const rmap = s.texts.get('mm/rmap.c') ?? '';
  assert.match(rmap, /^struct page \*make_device_exclusive\(struct mm_struct \*mm, unsigned long addr,$/m);
  assert.match(rmap, /folio_walk_start\(/);
  assert.doesNotMatch(rmap, /page_make_device_exclusive_one|make_device_exclusive_range/);
  assert.match(s.texts.get('lib/test_hmm.c') ?? '', /make_device_exclusive\(mm, addr, &folio, NULL\)/);
});

test('[PATCH v1 04/12] alone on v6.12.107 fails for mm/rmap.c: it depends on 03/12', { skip: absent(PATCHES, V612) }, async (t) => {
  const p4 = await mailDiff('2025-01-29_david_PATCH-v1-04-12_');
  const { result, texts } = applyPatchToTree(p4, fsTreeReader(V612), undefined, { missingOk: true });
  assert.equal(result.ok, false);
  assert.equal(texts.size, 0);
  const rmap = result.files.find((f) => f.path === 'mm/rmap.c');
  assert.equal(rmap?.status, 'failed');
  assert.equal(rmap.after, undefined);
  assert.match(rmap.reason ?? '', /hunks do not apply to mm\/rmap\.c; first: hunk #1 @@ -\d+,\d+ \+\d+,\d+ @@ does not apply: line \d+ is `.*` where the hunk expects `.*`; closest: lines \d+-\d+ \(\d+ of \d+ lines match/);
  t.diagnostic(rmap.reason ?? '');
});

test('a diff on the wrong base (v6.12.107 → v6.18.15 applied to v6.18.15) fails with reasons, nothing applied', { skip: absent(RECONSTRUCTED, path.join(KERNEL, 'v6.18.15')) }, (t) => {
  const f = 'RECONSTRUCTED_v6.12.107_to_v6.18.15__mm_rmap.c.diff';
  const d = parseDiff(fs.readFileSync(path.join(RECONSTRUCTED, f), 'utf8'));
  const base = new Map<string, string | null>([['mm/other.c', 'kept\n']]);
  const { result, texts } = applyPatchToTree(d, fsTreeReader(path.join(KERNEL, 'v6.18.15')), base);
  assert.equal(result.ok, false);
  assert.deepEqual([...texts], [...base], 'texts are the base, untouched');
  const [fr] = result.files;
  assert.equal(fr.status, 'failed');
  assert.equal(fr.after, undefined);
  const failed = fr.hunks.filter((h) => !h.applied);
  assert.ok(failed.length > 0);
  assert.ok(failed.every((h) => /does not apply: /.test(h.reason ?? '')));
  assert.ok(failed.some((h) => /applied already\?/.test(h.reason ?? '')), 'some hunks are recognised as already there');
  t.diagnostic(`${failed.length} of ${fr.hunks.length} hunks fail; first: ${failed[0].reason ?? ''}`);
});
