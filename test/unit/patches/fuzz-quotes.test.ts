// Property tests of reply placement: no body makes placeReplies throw or hang, whatever it places
// is a real line of the patch, and a reply composed by composeReply is placed back exactly.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { placeReplies, type PlacedReplies } from '../../../extension/patches/quotes';
import { composeReply } from '../../../extension/patches/reply';
import type { FilePatch, Hunk, MailAddress, MailMessage, Patch, PlacedComment } from '../../../extension/patches/types';

const SEED = 20250130;
/** Longest any single call may take: a loop that does not end shows up as a failure, not a stuck run. */
const SLOW_MS = 2000;

function timed<T>(what: string, f: () => T): T {
  const t0 = performance.now();
  const r = f();
  const ms = performance.now() - t0;
  assert.ok(ms < SLOW_MS, `${what} took ${ms.toFixed(0)} ms`);
  return r;
}

function hunk(oldStart: number, newStart: number, section: string, lines: string[]): Hunk {
  return { oldStart, oldLines: lines.filter((l) => l[0] !== '+').length, newStart, newLines: lines.filter((l) => l[0] !== '-').length, section, lines };
}

// Small, with the repetitions that make placement ambiguous: '}' and blank lines everywhere,
// the same call added in two hunks, a removed line re-added.
const files: FilePatch[] = [
  {
    path: 'lib/test_hmm.c', change: 'modify',
    hunks: [
      hunk(780, 780, 'static int dmirror_exclusive(struct dmirror *dmirror,', [
        ' \tmmap_read_lock(mm);', ' \tfor (addr = start; addr < end; addr = next) {', '-\t\tunsigned long mapped;',
        '+\t\tunsigned long mapped = 0;', ' \t\tint i;', ' ', '-\t\tmapped = make_device_exclusive_range(mm, addr, next, pages, NULL);',
        '+\t\tfor (i = 0; i < ARRAY_SIZE(pages); i++) {', '+\t\t\tpages[i] = make_device_exclusive(mm, addr + i * PAGE_SIZE, NULL, &folio);',
        '+\t\t\tif (IS_ERR(pages[i]))', '+\t\t\t\tbreak;', '+\t\t\tmapped++;', '+\t\t}', ' ', ' \t}', ' \tmmap_read_unlock(mm);',
      ]),
      hunk(820, 827, 'static int dmirror_exclusive(struct dmirror *dmirror,', [
        ' \t\tfor (i = 0; i < mapped; i++) {', '-\t\t\tunlock_page(pages[i]);', '-\t\t\tput_page(pages[i]);',
        '+\t\t\tfolio_unlock(page_folio(pages[i]));', '+\t\t\tfolio_put(page_folio(pages[i]));', ' \t\t}', ' \t}', ' ',
      ]),
    ],
  },
  {
    path: 'mm/rmap.c', change: 'modify',
    hunks: [
      hunk(2403, 2403, 'struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr,', [
        ' \tif (!fw_folio) {', '-\t\tfolio_unlock(folio);', '-\t\treturn ERR_PTR(-EBUSY);', '+\t\tfolio_unlock(folio);',
        '+\t\tfolio_put(folio);', '+\t\tgoto retry;', ' \t}', ' ', ' \t/* Set the dirty flag on the folio now the PTE is gone. */',
        '-\tif (pte_dirty(fw.pte))', '-\t\tfolio_mark_dirty(folio);', '+\tfolio_mark_dirty(folio);', ' ', ' \t/*',
      ]),
      hunk(2470, 2474, 'int make_device_exclusive_range(struct mm_struct *mm, unsigned long start,', [
        ' \tfor (i = 0; i < npages; i++, start += PAGE_SIZE) {', '-\t\tstruct folio *folio = page_folio(pages[i]);',
        '+\t\tpages[i] = make_device_exclusive(mm, start, owner, NULL);', ' \t}', ' ', ' \treturn npages;',
      ]),
      hunk(2600, 2604, '', ['+\tfolio_put(folio);', ' }', '\\ No newline at end of file']),
    ],
  },
];

const author: MailAddress = { name: 'David Hildenbrand', address: 'david@redhat.com' };
const me: MailAddress = { name: 'Zoë Ó Briain', address: 'zoe@example.org' };
const patch: Patch = {
  message: {
    messageId: 'patch@example.org', references: [], subject: '[PATCH v2 05/12] lib/test_hmm: make dmirror_exclusive() use make_device_exclusive()',
    from: author, to: [], cc: [], date: '2025-01-29T11:54:01.000Z', body: '', warnings: [], source: { index: 0 },
  },
  subject: { isPatch: true, isReply: false, tags: [], version: 2, index: 5, total: 12, title: 'lib/test_hmm: make dmirror_exclusive() use make_device_exclusive()' },
  description: 'Let\'s use make_device_exclusive() directly.\n', diff: { files, problems: [] }, trailers: [],
};

let serial = 0;
function reply(body: string): MailMessage {
  serial++;
  return {
    messageId: `r${serial}@example.org`, inReplyTo: 'patch@example.org', references: ['patch@example.org'], subject: 'Re: x',
    from: { name: 'Jason Gunthorpe', address: 'jgg@nvidia.com' }, to: [], cc: [], body, warnings: [], source: { index: 0 },
  };
}

/** Whatever is placed is a real line of the patch, on its side, with text. */
function checkPlaced(r: PlacedReplies): void {
  for (const c of r.placed) {
    const f = files.find((x) => x.path === c.path);
    assert.ok(f, `placed on a file of the patch: ${c.path}`);
    const line = f.hunks[c.hunk]?.lines[c.line];
    assert.ok(line !== undefined, `placed on a line of the patch: ${c.path} ${c.hunk}:${c.line}`);
    assert.equal(c.side, line[0] === '-' ? 'old' : 'new');
    assert.ok(c.text.trim() !== '');
  }
  for (const u of r.unplaced) assert.ok(u.text.trim() !== '' && u.reason !== '');
}

const allLines = files.flatMap((f) => f.hunks.flatMap((h) => h.lines));
const quotePrefix = fc.constantFrom('> ', '>', '> > ', '>> ', '> > > ', '>>>', ' > ', '');
const bodyLine = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(quotePrefix, fc.constantFrom(...allLines)).map(([q, l]) => q + l) },
  { weight: 2, arbitrary: fc.tuple(quotePrefix, fc.string({ maxLength: 60 })).map(([q, l]) => q + l) },
  { weight: 2, arbitrary: fc.constantFrom('', '>', '[...]', '> [...]', '<snip>', '...', '-- ', 'Thanks,', 'Reviewed-by: A <a@b>',
    'On Wed, Jan 29, 2025 at 12:54:01PM +0100, David Hildenbrand wrote:', '> diff --git a/mm/rmap.c b/mm/rmap.c', '> +++ b/lib/test_hmm.c',
    '> @@ -2470,6 +2474,3 @@', '> @@ -1 +1 @@', '>@@ -820,8 +827,8 @@ x', 'Why?', 'Hi,', '> ---', '>  mm/rmap.c | 2 +-') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
);

test('fuzz: arbitrary bodies never make placeReplies throw or hang', (t) => {
  let runs = 0;
  let placed = 0;
  let unplaced = 0;
  fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 2000 }), fc.array(bodyLine, { maxLength: 120 }).map((ls) => ls.join('\n')),
    fc.array(bodyLine, { maxLength: 60 }).map((ls) => ls.join('\r\n'))), (body) => {
    const r = timed('placeReplies', () => placeReplies(patch, [reply(body)]));
    checkPlaced(r);
    runs++;
    placed += r.placed.length;
    unplaced += r.unplaced.length;
  }), { seed: SEED, numRuns: 600 });
  t.diagnostic(`${runs} bodies: ${placed} remarks placed, ${unplaced} unplaced`);
});

// Comments on random lines with plain prose (nothing that reads as a greeting, closing or tag).
const words = fc.constantFrom('folio', 'lock', 'needs', 'the', 'reference', 'dirty', 'bit', 'device', 'entry', 'why', 'here', 'retry', 'is', 'wrong');
const text = fc.array(words, { minLength: 1, maxLength: 30 }).map((ws) => 'Q: ' + ws.join(' ') + '?');
const sideOf = (l: string): 'old' | 'new' => (l[0] === '-' ? 'old' : 'new');
const target = fc.constantFrom(...files.flatMap((f) => f.hunks.flatMap((h, hi) => h.lines.map((l, li) => ({ path: f.path, hunk: hi, line: li, side: sideOf(l) })))));
const commentSet = fc.uniqueArray(fc.tuple(target, text), { minLength: 1, maxLength: 6, selector: ([t]) => `${t.path}#${t.hunk}:${t.line}` })
  .map((cs) => cs.map(([t, x]): PlacedComment => ({ ...t, author: me, text: x })));

test('fuzz: a composed reply is placed back on exactly the lines it was written on', (t) => {
  let runs = 0;
  let comments = 0;
  fc.assert(fc.property(commentSet, fc.integer({ min: 0, max: 8 }), (cs, context) => {
    const raw = composeReply({ patch, comments: cs, from: me, date: new Date('2025-01-30T09:15:42Z'), messageId: 'x@y', context });
    const body = raw.slice(raw.indexOf('\n\n') + 2);
    const r = timed('placeReplies', () => placeReplies(patch, [reply(body)]));
    assert.deepEqual(r.unplaced, []);
    const key = (c: PlacedComment): string => `${c.path}#${c.hunk}:${c.line}:${c.side}`;
    assert.deepEqual(r.placed.map(key).sort(), cs.map(key).sort());
    for (const c of r.placed) assert.equal(c.text.replace(/\n/g, ' '), cs.find((x) => key(x) === key(c))?.text);
    runs++;
    comments += cs.length;
  }), { seed: SEED, numRuns: 300 });
  t.diagnostic(`${runs} composed replies, ${comments} comments, all placed back exactly`);
});

type Mutation = { op: 'drop' | 'dup' | 'swap' | 'requote' | 'tabs' | 'cut' | 'insert' | 'truncate'; at: number; arg: number; s: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('drop', 'dup', 'swap', 'requote', 'tabs', 'cut', 'insert', 'truncate'),
  at: fc.nat(), arg: fc.nat(), s: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('[...]', '>', '', '> +}', '>  }', 'Looks wrong.')),
});

function mutate(lines: string[], m: Mutation): string[] {
  const out = lines.slice();
  if (!out.length) return [m.s];
  const i = m.at % out.length;
  switch (m.op) {
    case 'drop': out.splice(i, 1); break;
    case 'dup': out.splice(i, 0, out[i]); break;
    case 'swap': { const j = m.arg % out.length; [out[i], out[j]] = [out[j], out[i]]; break; }
    case 'requote': out[i] = ['>', '> > ', '>>', ''][m.arg % 4] + out[i].replace(/^> ?/, ''); break;
    case 'tabs': out[i] = out[i].replace(/\t/g, ' '.repeat(1 + (m.arg % 8))); break;
    case 'cut': out.splice(i, 0, '[...]'); break;
    case 'insert': out.splice(i, 0, m.s); break;
    case 'truncate': out[i] = out[i].slice(0, m.arg % (out[i].length + 1)); break;
  }
  return out;
}

test('fuzz: mutated quoted replies never throw or hang, and place only real lines', (t) => {
  let runs = 0;
  let placed = 0;
  let unplaced = 0;
  let exact = 0;
  fc.assert(fc.property(commentSet, fc.array(mutation, { minLength: 1, maxLength: 8 }), (cs, muts) => {
    const raw = composeReply({ patch, comments: cs, general: 'Overall fine.', trailers: ['Reviewed-by: Zoë Ó Briain <zoe@example.org>'], from: me, date: new Date(0), messageId: 'x@y' });
    let lines = raw.slice(raw.indexOf('\n\n') + 2).split('\n');
    for (const m of muts) lines = mutate(lines, m);
    const r = timed('placeReplies', () => placeReplies(patch, [reply(lines.join('\n'))]));
    checkPlaced(r);
    runs++;
    placed += r.placed.length;
    unplaced += r.unplaced.length;
    const key = (c: PlacedComment): string => `${c.path}#${c.hunk}:${c.line}`;
    if (r.placed.map(key).sort().join() === cs.map(key).sort().join()) exact++;
  }), { seed: SEED, numRuns: 400 });
  t.diagnostic(`${runs} mutated replies: ${placed} placed, ${unplaced} unplaced; ${exact} still placed exactly as composed`);
});

test('a huge quote of one repeated line against a huge hunk stays fast', (t) => {
  const big: Patch = { ...patch, diff: { files: [{ path: 'a.c', change: 'add', hunks: [hunk(0, 1, '', Array.from({ length: 4000 }, (_, i) => (i % 3 ? '+}' : '+'))) ] }], problems: [] } };
  const body = Array.from({ length: 2000 }, (_, i) => (i % 3 ? '> +}' : '> +')).join('\n') + '\n\nWhich one?\n';
  const t0 = performance.now();
  const r = timed('placeReplies', () => placeReplies(big, [reply(body)]));
  assert.equal(r.placed.length, 1);
  t.diagnostic(`2000 quoted lines on a 4000-line hunk: ${(performance.now() - t0).toFixed(0)} ms`);
  const block = Array.from({ length: 300 }, (_, i) => (i % 3 ? '> +}' : '> +')).join('\n');
  const many = Array.from({ length: 8 }, (_, k) => `${block}\n\nRemark ${k}.\n`).join('\n');
  const t1 = performance.now();
  const r2 = timed('placeReplies', () => placeReplies(big, [reply(many)]));
  assert.equal(r2.placed.length, 8);
  t.diagnostic(`8 runs of 300 quoted lines on a 4000-line hunk: ${(performance.now() - t1).toFixed(0)} ms`);
});
