// The mail readers on real patch mails from the lists (../shared/patches, GPL test data read in
// place, never copied here).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readMailFile } from '../../extension/patches/mbox';
import { buildSeries } from '../../extension/patches/series';
import { parseSubject } from '../../extension/patches/subject';
import type { MailMessage } from '../../extension/patches/types';
import { REPO } from '../helpers/parser';

const DIR = path.resolve(REPO, '../shared/patches');
const present = fs.existsSync(DIR);
const skip = present ? false : `${DIR} is not present: no real patch mails to read`;

const APOPPLE = { name: 'Alistair Popple', address: 'apopple@nvidia.com' };
const DAVID = { name: 'David Hildenbrand', address: 'david@redhat.com' };
const V11_COVER = '20210616105937.23201-1-apopple@nvidia.com';
const V1_COVER = '20250129115411.2077152-1-david@redhat.com';

/** What each file says, from its headers (see MANIFEST.md). */
const TRUTH: Record<string, { id: string; from: typeof APOPPLE; version: number; index: number; total: number; inReplyTo?: string; title: string; date: string }> = {
  '2021-06-16_apopple_PATCH-v11-00-10_Add-support-for-SVM-atomics-in-Nouveau_cover-letter.eml':
    { id: V11_COVER, from: APOPPLE, version: 11, index: 0, total: 10, title: 'Add support for SVM atomics in Nouveau', date: '2021-06-16T10:59:27.000Z' },
  '2021-06-16_apopple_PATCH-v11-07-10_mm-Device-exclusive-memory-access.eml':
    { id: '20210616105937.23201-8-apopple@nvidia.com', from: APOPPLE, version: 11, index: 7, total: 10, inReplyTo: V11_COVER, title: 'mm: Device exclusive memory access', date: '2021-06-16T10:59:34.000Z' },
  '2021-06-16_apopple_PATCH-v11-10-10_nouveau-svm-Implement-atomic-SVM-access.eml':
    { id: '20210616105937.23201-11-apopple@nvidia.com', from: APOPPLE, version: 11, index: 10, total: 10, inReplyTo: V11_COVER, title: 'nouveau/svm: Implement atomic SVM access', date: '2021-06-16T10:59:37.000Z' },
  '2025-01-29_david_PATCH-v1-00-12_mm-fixes-for-device-exclusive-entries-hmm_cover-letter.eml':
    { id: V1_COVER, from: DAVID, version: 1, index: 0, total: 12, title: 'mm: fixes for device-exclusive entries (hmm)', date: '2025-01-29T11:53:58.000Z' },
  '2025-01-29_david_PATCH-v1-03-12_mm-rmap-convert-make_device_exclusive_range-to-make_device_exclusive.eml':
    { id: '20250129115411.2077152-4-david@redhat.com', from: DAVID, version: 1, index: 3, total: 12, inReplyTo: V1_COVER, title: 'mm/rmap: convert make_device_exclusive_range() to make_device_exclusive()', date: '2025-01-29T11:54:01.000Z' },
  '2025-01-29_david_PATCH-v1-04-12_mm-rmap-implement-make_device_exclusive-using-folio_walk-instead-of-rmap-walk.eml':
    { id: '20250129115411.2077152-5-david@redhat.com', from: DAVID, version: 1, index: 4, total: 12, inReplyTo: V1_COVER, title: 'mm/rmap: implement make_device_exclusive() using folio_walk instead of rmap walk', date: '2025-01-29T11:54:02.000Z' },
  '2025-01-29_david_PATCH-v1-4-4_mm-memory-document-restore_exclusive_pte.eml':
    { id: '20250129115803.2084769-5-david@redhat.com', from: DAVID, version: 1, index: 4, total: 4, inReplyTo: '20250129115803.2084769-1-david@redhat.com', title: 'mm/memory: document restore_exclusive_pte()', date: '2025-01-29T11:58:02.000Z' },
};

async function readAll(): Promise<Map<string, MailMessage>> {
  const out = new Map<string, MailMessage>();
  for (const name of fs.readdirSync(DIR).filter((f) => f.endsWith('.eml')).sort()) {
    const entries = [];
    for await (const e of readMailFile(path.join(DIR, name))) entries.push(e);
    assert.equal(entries.length, 1, `${name}: one message`);
    const [e] = entries;
    assert.ok('message' in e, `${name}: ${'error' in e ? e.error : ''}`);
    out.set(name, e.message);
  }
  return out;
}

test('every real patch mail parses: ids, authors, dates, subjects', { skip }, async (t) => {
  const mails = await readAll();
  t.diagnostic(`${mails.size} .eml files in ${DIR}`);
  assert.deepEqual([...mails.keys()].sort(), Object.keys(TRUTH).sort(), 'the files MANIFEST.md lists');
  for (const [name, m] of mails) {
    const want = TRUTH[name];
    assert.equal(m.messageId, want.id, name);
    assert.deepEqual(m.from, want.from, name);
    assert.equal(m.inReplyTo, want.inReplyTo, name);
    assert.deepEqual(m.references, want.inReplyTo ? [want.inReplyTo] : [], name);
    assert.equal(m.date, want.date, name);
    assert.deepEqual(m.warnings, [], name);
    assert.ok(!m.body.includes('\r'), name);
    const s = parseSubject(m.subject);
    assert.deepEqual({ isPatch: s.isPatch, isReply: s.isReply, version: s.version, index: s.index, total: s.total, title: s.title },
      { isPatch: true, isReply: false, version: want.version, index: want.index, total: want.total, title: want.title }, name);
    if (want.index > 0) assert.match(m.body, /^diff --git a\//m, `${name}: the diff is in the body`);
  }
  // The folded Subject of 03/12 is one line.
  assert.equal(mails.get('2025-01-29_david_PATCH-v1-03-12_mm-rmap-convert-make_device_exclusive_range-to-make_device_exclusive.eml')!.subject,
    '[PATCH v1 03/12] mm/rmap: convert make_device_exclusive_range() to make_device_exclusive()');
  // 04/12 answers the 00/12 cover letter.
  const cover = [...mails.values()].find((m) => m.subject.startsWith('[PATCH v1 00/12]'))!;
  const p4 = [...mails.values()].find((m) => m.subject.startsWith('[PATCH v1 04/12]'))!;
  assert.equal(p4.inReplyTo, cover.messageId);
});

test('buildSeries on all the mails: the 2025 v1 series, the v11 series and the lone 4/4', { skip }, async () => {
  const mails = await readAll();
  const { series, strays, problems } = buildSeries([...mails.values()]);
  assert.deepEqual(problems, []);
  assert.deepEqual(strays, []);
  assert.equal(series.length, 3);
  const [v11, v1, doc] = series; // by date

  assert.equal(v11.id, V11_COVER);
  assert.equal(v11.version, 11);
  assert.equal(v11.total, 10);
  assert.equal(v11.title, 'Add support for SVM atomics in Nouveau');
  assert.equal(v11.cover?.messageId, V11_COVER);
  assert.deepEqual(v11.patches.map((p) => p.subject.index), [7, 10]);
  assert.deepEqual(v11.missing, [1, 2, 3, 4, 5, 6, 8, 9]);
  const p7 = v11.patches[0];
  assert.ok(p7.diff.files.some((f) => f.path === 'mm/rmap.c'));
  assert.ok(p7.diff.files.some((f) => f.path === 'include/linux/swapops.h'));
  assert.deepEqual(p7.trailers.map((t) => `${t.key}: ${t.value}`), ['Signed-off-by: Alistair Popple <apopple@nvidia.com>', 'Reviewed-by: Christoph Hellwig <hch@lst.de>']);
  assert.ok(p7.description.length > 0 && !p7.description.includes('diff --git'));

  assert.equal(v1.id, V1_COVER);
  assert.equal(v1.version, 1);
  assert.equal(v1.total, 12);
  assert.equal(v1.title, 'mm: fixes for device-exclusive entries (hmm)');
  assert.deepEqual(v1.patches.map((p) => p.subject.index), [3, 4]);
  assert.deepEqual(v1.missing, [1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(v1.patches[1].diff.files.map((f) => f.path), ['mm/rmap.c']);
  assert.ok(v1.patches[0].diff.files.some((f) => f.path === 'lib/test_hmm.c'));

  // The companion series: its cover letter is not among the files.
  assert.equal(doc.id, '20250129115803.2084769-5-david@redhat.com');
  assert.equal(doc.cover, undefined);
  assert.equal(doc.total, 4);
  assert.deepEqual(doc.missing, [1, 2, 3]);
  assert.deepEqual(doc.patches[0].diff.files.map((f) => f.path), ['mm/memory.c']);

  for (const s of series) {
    assert.deepEqual(s.otherVersions, []);
    assert.deepEqual(s.replies, []);
    for (const p of s.patches) assert.deepEqual(p.diff.problems, [], `${s.title} ${p.subject.index}`);
  }
});
