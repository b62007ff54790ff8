import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { buildSeries, buildThreads, type DiffReader } from '../../../extension/patches/series';
import type { MailMessage } from '../../../extension/patches/types';

let counter = 0;
/** A message as the mail reader gives it; minutes after a fixed start. */
function msg(id: string, subject: string, opts: { refs?: string[]; irt?: string; from?: string; minute?: number; body?: string } = {}): MailMessage {
  const from = opts.from ?? 'ann@example.org';
  return {
    messageId: id,
    inReplyTo: opts.irt,
    references: opts.refs ?? [],
    subject,
    from: { name: from.split('@')[0], address: from },
    to: [],
    cc: [],
    date: new Date(Date.UTC(2025, 0, 29, 12, opts.minute ?? 0) + counter++).toISOString(),
    body: opts.body ?? '',
    warnings: [],
    source: { index: counter },
  };
}

function patchBody(file: string, trailer = 'Signed-off-by: Ann <ann@example.org>'): string {
  return `Explain ${file}.\n\n${trailer}\n---\n ${file} | 1 +\n\ndiff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1,2 @@\n a\n+b\n`;
}

/** A shallow-threaded series: cover 0/N, patches replying to it (References and In-Reply-To). */
function series(prefix: string, version: number, total: number, title: string, opts: { skip?: number[]; refs?: string[]; from?: string; minute?: number } = {}): MailMessage[] {
  const v = `v${version} `;
  const cover = msg(`${prefix}-0`, `[PATCH ${v}0/${total}] ${title}`, { refs: opts.refs, irt: opts.refs?.at(-1), from: opts.from, minute: opts.minute });
  const out = [cover];
  for (let i = 1; i <= total; i++) {
    if (opts.skip?.includes(i)) continue;
    out.push(msg(`${prefix}-${i}`, `[PATCH ${v}${i}/${total}] ${title} part ${i}`, {
      refs: [...(opts.refs ?? []), cover.messageId], irt: cover.messageId, from: opts.from, minute: (opts.minute ?? 0) + i, body: patchBody(`mm/f${i}.c`),
    }));
  }
  return out;
}

test('cover letter, three patches and replies: order, trailers from descendants, strays', () => {
  const [cover, p1, p2, p3] = series('s', 1, 3, 'mm: three things');
  const r2 = msg('r2', 'Re: [PATCH v1 2/3] mm: three things part 2', { refs: [cover.messageId, p2.messageId], irt: p2.messageId, from: 'rev@example.org', body: '> quoted\n\nReviewed-by: Rev <rev@example.org>\n' });
  const r2b = msg('r2b', 'Re: [PATCH v1 2/3] mm: three things part 2', { refs: [cover.messageId, p2.messageId, 'r2'], irt: 'r2', from: 'bob@example.org', body: '> Reviewed-by: Rev <rev@example.org>\nAcked-by: Bob <bob@example.org>\n' });
  const rc = msg('rc', 'Re: [PATCH v1 0/3] mm: three things', { refs: [cover.messageId], irt: cover.messageId, body: 'Acked-by: Carl <carl@example.org>\n' });
  const stray = msg('x', 'Re: something else', { refs: ['elsewhere@x'], irt: 'elsewhere@x' });
  const other = msg('y', 'Lunch?');
  // Shuffled input: order must come from the indexes.
  const got = buildSeries([r2b, p3, stray, p1, rc, other, cover, r2, p2]);
  assert.equal(got.series.length, 1);
  const s = got.series[0];
  assert.equal(s.id, cover.messageId);
  assert.equal(s.title, 'mm: three things');
  assert.equal(s.version, 1);
  assert.equal(s.total, 3);
  assert.equal(s.cover, cover);
  assert.deepEqual(s.patches.map((p) => p.subject.index), [1, 2, 3]);
  assert.deepEqual(s.missing, []);
  assert.deepEqual(s.replies.map((r) => r.messageId).sort(), ['r2', 'r2b', 'rc']);
  assert.deepEqual(s.patches[1].trailers.map((t) => `${t.key} ${t.messageId}`), ['Signed-off-by s-2', 'Reviewed-by r2', 'Acked-by r2b']);
  assert.deepEqual(s.patches[0].trailers.map((t) => t.key), ['Signed-off-by']);
  assert.equal(s.patches[0].description, 'Explain mm/f1.c.\n\nSigned-off-by: Ann <ann@example.org>');
  assert.deepEqual(s.patches[0].diff.files.map((f) => f.path), ['mm/f1.c']);
  assert.deepEqual(got.strays.map((m) => m.messageId).sort(), ['x', 'y']);
  assert.deepEqual(got.problems, []);
});

test('two versions of a series (v2 sent in reply to v1) are two series linked as versions', () => {
  const v1 = series('a', 1, 2, 'mm: rework');
  const v2 = series('b', 2, 2, 'mm: rework', { refs: ['a-0'], minute: 30 });
  // v3 has no cover and a new cover title, but its first patch keeps v2's title.
  const v3 = [msg('c-1', '[PATCH v3 1/2] mm: rework part 1', { minute: 60 }), msg('c-2', '[PATCH v3 2/2] mm: rework differently', { refs: ['c-1'], irt: 'c-1', minute: 61 })];
  const unrelated = series('u', 2, 2, 'mm: something else', { minute: 90 });
  const got = buildSeries([...v2, ...unrelated, ...v1, ...v3]);
  assert.deepEqual(got.series.map((s) => `${s.id} v${s.version} ${s.patches.length}/${s.total}`), ['a-0 v1 2/2', 'b-0 v2 2/2', 'c-1 v3 2/2', 'u-0 v2 2/2']);
  const byId = new Map(got.series.map((s) => [s.id, s]));
  assert.deepEqual(byId.get('a-0')!.otherVersions, [{ version: 2, id: 'b-0' }, { version: 3, id: 'c-1' }]);
  assert.deepEqual(byId.get('b-0')!.otherVersions, [{ version: 1, id: 'a-0' }, { version: 3, id: 'c-1' }]);
  assert.deepEqual(byId.get('u-0')!.otherVersions, []);
  assert.equal(byId.get('c-1')!.title, 'mm: rework part 1');
});

test('a missing patch is listed; a reply to it still reaches the series', () => {
  const msgs = series('m', 1, 4, 'mm: four', { skip: [3] });
  const reply = msg('r3', 'Re: [PATCH v1 3/4] mm: four part 3', { refs: ['m-0', 'm-3'], irt: 'm-3', body: 'Reviewed-by: R <r@x>\n' });
  const { series: [s], strays } = buildSeries([...msgs, reply]);
  assert.deepEqual(s.missing, [3]);
  assert.deepEqual(s.patches.map((p) => p.subject.index), [1, 2, 4]);
  assert.deepEqual(s.replies.map((r) => r.messageId), ['r3']);
  assert.deepEqual(strays, []);
  // Its trailer is for patch 3, which is not there: no other patch gets it.
  assert.ok(s.patches.every((p) => p.trailers.every((t) => t.messageId !== 'r3')));
});

test('duplicates: the same index twice keeps the first; the same Message-ID twice is read once', () => {
  const msgs = series('d', 1, 3, 'mm: dup');
  const again = msg('d-2-resent', '[PATCH v1 2/3] mm: dup part 2', { refs: ['d-0'], irt: 'd-0', body: patchBody('mm/other.c') });
  const reviewOfResent = msg('rv', 'Re: [PATCH v1 2/3] mm: dup part 2', { refs: ['d-0', 'd-2-resent'], irt: 'd-2-resent', body: 'Reviewed-by: R <r@x>\n' });
  const sameId = { ...msgs[1], source: { file: 'copy.mbox', index: 9 } };
  const got = buildSeries([...msgs, again, sameId, reviewOfResent]);
  assert.equal(got.series.length, 1);
  const s = got.series[0];
  assert.deepEqual(s.patches.map((p) => p.message.messageId), ['d-1', 'd-2', 'd-3']);
  assert.equal(got.problems.length, 2, got.problems.join('\n'));
  assert.ok(got.problems.some((p) => p.includes('2/3') && p.includes('<d-2>') && p.includes('<d-2-resent>')));
  assert.ok(got.problems.some((p) => p.includes('<d-1>') && p.includes('copy.mbox')));
  // The review of the resent copy counts for the patch kept.
  assert.ok(s.patches[1].trailers.some((t) => t.messageId === 'rv'));
});

test('threads by References only, by In-Reply-To only, and with a loop', () => {
  const root = msg('root', 'Root');
  const byRefs = msg('a', 'Re: Root', { refs: ['root'] });
  const deeper = msg('b', 'Re: Root', { refs: ['root', 'a', 'not-here'] });
  const byIrt = msg('c', 'Re: Root', { irt: 'b' });
  const refsWin = msg('d', 'Re: Root', { refs: ['root', 'a'], irt: 'c' });
  const loop1 = msg('l1', 'Loop', { refs: ['l2'] });
  const loop2 = msg('l2', 'Loop', { refs: ['l1'] });
  const t = buildThreads([deeper, byIrt, root, byRefs, refsWin, loop1, loop2]);
  const parentOf = (id: string): string | undefined => t.byId.get(id)!.parent?.message.messageId;
  assert.equal(parentOf('a'), 'root');
  assert.equal(parentOf('b'), 'a', 'the last reference present, skipping one that is absent');
  assert.equal(parentOf('c'), 'b');
  assert.equal(parentOf('d'), 'c', 'In-Reply-To not among References is the most direct parent');
  assert.deepEqual(t.roots.map((n) => n.message.messageId).sort(), ['l2', 'root'].sort());
  assert.equal(parentOf('l2'), undefined);
  assert.equal(parentOf('l1'), 'l2');
  assert.deepEqual(t.byId.get('root')!.children.map((n) => n.message.messageId), ['a']);
});

test('series threaded by In-Reply-To only or References only', () => {
  const cover = msg('i-0', '[PATCH 0/2] irt only');
  const p1 = msg('i-1', '[PATCH 1/2] one', { irt: 'i-0' });
  const p2 = msg('i-2', '[PATCH 2/2] two', { refs: ['i-0'] });
  const { series: [s] } = buildSeries([p2, p1, cover]);
  assert.equal(s.id, 'i-0');
  assert.deepEqual(s.patches.map((p) => p.message.messageId), ['i-1', 'i-2']);
});

test('deep threading without a cover, cover absent from the input, lone [PATCH], unthreaded patches', () => {
  const chain = [msg('k-1', '[PATCH 1/3] a'), msg('k-2', '[PATCH 2/3] b', { refs: ['k-1'] }), msg('k-3', '[PATCH 3/3] c', { refs: ['k-1', 'k-2'] })];
  const noCover = [msg('n-2', '[PATCH v4 2/2] y', { refs: ['n-0'], minute: 5 }), msg('n-1', '[PATCH v4 1/2] x', { refs: ['n-0'], minute: 4 })];
  const replyToAbsentCover = msg('rn', 'Re: [PATCH v4 0/2] x', { refs: ['n-0'], body: 'Acked-by: Z <z@x>\n' });
  const lone = msg('lone', '[PATCH] mm: single', { refs: ['k-1'] });
  const loose = [msg('l-1', '[PATCH 1/2] loose one', { from: 'bob@x', minute: 20 }), msg('l-2', '[PATCH 2/2] loose two', { from: 'bob@x', minute: 21 })];
  const otherSender = msg('o-2', '[PATCH 2/2] not bob', { from: 'carl@x', minute: 21 });
  const got = buildSeries([...chain, ...noCover, replyToAbsentCover, lone, ...loose, otherSender]);
  const s = (id: string) => got.series.find((x) => x.id === id)!;
  assert.deepEqual(got.series.map((x) => x.id).sort(), ['k-1', 'l-1', 'lone', 'n-1', 'o-2'].sort());
  assert.deepEqual(s('k-1').patches.map((p) => p.message.messageId), ['k-1', 'k-2', 'k-3']);
  assert.deepEqual(s('n-1').patches.map((p) => p.message.messageId), ['n-1', 'n-2']);
  assert.deepEqual(s('n-1').replies.map((r) => r.messageId), ['rn']);
  assert.deepEqual(s('lone').total, 1);
  assert.deepEqual(s('lone').missing, []);
  assert.equal(s('lone').patches[0].subject.index, undefined);
  assert.deepEqual(s('l-1').patches.map((p) => p.message.messageId), ['l-1', 'l-2']);
  assert.deepEqual(s('o-2').missing, [1]);
  assert.deepEqual(got.strays, []);
});

test('the diff reader is a parameter, and one that throws loses only that diff', () => {
  const calls: string[] = [];
  const reader: DiffReader = {
    splitDescription: (body) => ({ description: `desc of ${body.length}`, diffText: '' }),
    parseDiff: (body) => {
      calls.push(body);
      if (body.includes('boom')) throw new Error('boom');
      return { files: [], problems: [] };
    },
  };
  const got = buildSeries([msg('q-1', '[PATCH 1/2] a', { body: 'x' }), msg('q-2', '[PATCH 2/2] b', { refs: ['q-1'], body: 'boom' })], reader);
  assert.equal(calls.length, 2);
  assert.equal(got.series[0].patches[0].description, 'desc of 1');
  assert.match(got.series[0].patches[1].diff.problems[0].message, /boom/);
});

test('patches referencing an absent message before their cover still join the cover', () => {
  const cover = msg('w-0', '[PATCH 0/2] w');
  const p1 = msg('w-1', '[PATCH 1/2] w1', { refs: ['gone@x', 'w-0'], irt: 'w-0' });
  const p2 = msg('w-2', '[PATCH 2/2] w2', { refs: ['gone@x', 'w-0'], irt: 'w-0' });
  const reply = msg('wr', 'Re: [PATCH 0/2] w', { refs: ['gone@x'] });
  const got = buildSeries([p2, reply, cover, p1]);
  assert.deepEqual(got.series.map((s) => [s.id, s.patches.map((p) => p.message.messageId)]), [['w-0', ['w-1', 'w-2']]]);
  assert.deepEqual(got.series[0].replies.map((r) => r.messageId), ['wr']);
});
