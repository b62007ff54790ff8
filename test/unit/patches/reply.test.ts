import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import PostalMime, { type Address, type Email } from 'postal-mime';
import { placeReplies } from '../../../extension/patches/quotes';
import { composeReply, replyFileName, replySubject } from '../../../extension/patches/reply';
import type { FilePatch, Hunk, MailAddress, MailMessage, Patch, PlacedComment } from '../../../extension/patches/types';

function hunk(oldStart: number, newStart: number, section: string, lines: string[]): Hunk {
  return { oldStart, oldLines: lines.filter((l) => l[0] !== '+').length, newStart, newLines: lines.filter((l) => l[0] !== '-').length, section, lines };
}

const memory: FilePatch = {
  path: 'mm/memory.c', change: 'modify',
  hunks: [
    // Untouched by the review: must not be quoted.
    hunk(741, 741, 'static void restore_exclusive_pte(struct vm_area_struct *vma,', [
      ' \tentry = pte_to_swp_entry(orig_pte);',
      '-\tif (is_writable_device_exclusive_entry(entry))',
      '+\tif (folio_test_dirty(folio))',
      '+\t\tpte = pte_mkdirty(pte);',
      '+\tif (is_writable_device_exclusive_entry(entry))',
      ' \t\tpte = maybe_mkwrite(pte_mkdirty(pte), vma);',
    ]),
    hunk(4016, 4021, 'static vm_fault_t remove_device_exclusive_entry(struct vm_fault *vmf)', [
      /* 0 */ ' \tvmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, vmf->address,',
      /* 1 */ ' \t\t\t\t&vmf->ptl);',
      /* 2 */ ' \tif (likely(vmf->pte && pte_same(ptep_get(vmf->pte), vmf->orig_pte)))',
      /* 3 */ ' \t\trestore_exclusive_pte(vma, vmf->page, vmf->address, vmf->pte);',
      /* 4 */ ' ',
      /* 5 */ '+\t/*',
      /* 6 */ '+\t * The folio was locked above; the CPU fault is served once the',
      /* 7 */ '+\t * device-exclusive entry is replaced by the original PTE.',
      /* 8 */ '+\t */',
      /* 9 */ ' \tif (vmf->pte)',
      /* 10 */ ' \t\tpte_unmap_unlock(vmf->pte, vmf->ptl);',
    ]),
  ],
};

const rmap: FilePatch = {
  path: 'mm/rmap.c', change: 'modify',
  hunks: [
    hunk(2403, 2403, 'struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr,', [
      /* 0 */ ' \tfw_folio = folio_walk_start(&fw, vma, addr, 0);',
      /* 1 */ ' \tif (fw_folio && (fw_folio != folio || fw.page != page ||',
      /* 2 */ ' \t\t\t fw.level != FW_LEVEL_PTE || !pte_write(fw.pte))) {',
      /* 3 */ ' \t\tfolio_walk_end(&fw, vma);',
      /* 4 */ ' \t\tfw_folio = NULL;',
      /* 5 */ ' \t}',
      /* 6 */ '-\tif (!fw_folio) {',
      /* 7 */ '-\t\tfolio_unlock(folio);',
      /* 8 */ '-\t\treturn ERR_PTR(-EBUSY);',
      /* 9 */ '-\t}',
      /* 10 */ '+\tif (!fw_folio) {',
      /* 11 */ '+\t\tmmu_notifier_invalidate_range_end(&range);',
      /* 12 */ '+\t\tfolio_unlock(folio);',
      /* 13 */ '+\t\tfolio_put(folio);',
      /* 14 */ '+\t\tgoto retry;',
      /* 15 */ '+\t}',
      /* 16 */ ' ',
      /* 17 */ ' \t/* Nuke the page table entry so we get the uptodate dirty bit. */',
      /* 18 */ ' \tflush_cache_page(vma, addr, page_to_pfn(page));',
      /* 19 */ ' \tfw.pte = ptep_clear_flush(vma, addr, fw.ptep);',
      /* 20 */ ' ',
      /* 21 */ ' \t/* Set the dirty flag on the folio now the PTE is gone. */',
      /* 22 */ '-\tif (pte_dirty(fw.pte))',
      /* 23 */ '-\t\tfolio_mark_dirty(folio);',
      /* 24 */ '+\tfolio_mark_dirty(folio);',
      /* 25 */ ' ',
      /* 26 */ ' \t/*',
    ]),
    // Untouched as well.
    hunk(2470, 2474, 'int make_device_exclusive_range(struct mm_struct *mm, unsigned long start,', [
      ' \tfor (i = 0; i < npages; i++, start += PAGE_SIZE) {',
      '-\t\tstruct folio *folio = page_folio(pages[i]);',
      '+\t\tpages[i] = make_device_exclusive(mm, start, owner, NULL);',
      ' \t}',
    ]),
  ],
};

const PATCH_ID = '20250129115411.2077152-5-david@redhat.com';
const COVER_ID = '20250129115411.2077152-1-david@redhat.com';
const author: MailAddress = { name: 'Jörg Rödel', address: 'joro@8bytes.org' };
const me: MailAddress = { name: 'Zoë Ó Briain', address: 'zoe@example.org' };

const patch: Patch = {
  message: {
    messageId: PATCH_ID, inReplyTo: COVER_ID, references: [COVER_ID],
    subject: '[PATCH v1 04/12] mm/rmap: implement make_device_exclusive() using folio_walk instead of rmap walk',
    from: author,
    to: [{ name: '', address: 'linux-kernel@vger.kernel.org' }, { name: 'Zoë', address: 'ZOE@example.org' }],
    cc: [
      { name: '', address: 'linux-mm@kvack.org' },
      { name: 'Müller, Jürgen', address: 'jm@example.de' },
      { name: 'Andrew Morton', address: 'akpm@linux-foundation.org' },
      { name: '', address: 'Linux-MM@kvack.org' },
      { name: 'Jörg', address: 'joro@8bytes.org' },
    ],
    date: '2025-01-29T11:54:01.000Z', body: '', warnings: [], source: { index: 0 },
  },
  subject: { isPatch: true, isReply: false, tags: [], version: 1, index: 4, total: 12, title: 'mm/rmap: implement make_device_exclusive() using folio_walk instead of rmap walk' },
  description: 'We require a writable PTE and only support anonymous folio: we can only\nhave exactly one PTE pointing at that page, which we can just lookup\nusing a folio walk, avoiding the rmap walk and the anon VMA lock.\n\nSo let\'s stop doing an rmap walk.\n',
  diff: { files: [memory, rmap], problems: [] },
  trailers: [],
};

function comment(path: string, hunkIndex: number, line: number, text: string): PlacedComment {
  const h = (path === 'mm/rmap.c' ? rmap : memory).hunks[hunkIndex];
  return { path, hunk: hunkIndex, line, side: h.lines[line][0] === '-' ? 'old' : 'new', author: me, text };
}

const comments = [
  comment('mm/rmap.c', 0, 24, 'Why unconditionally? The PTE was writable, but the device may not have written yet.'),
  comment('mm/rmap.c', 0, 12, 'Drop the reference before unlocking?'),
  comment('mm/memory.c', 1, 8, 'Nit: "served" reads odd, maybe "handled"?'),
];
const DATE = new Date('2025-01-30T09:15:42Z');
const TRAILER = 'Reviewed-by: Zoë Ó Briain <zoe@example.org>';

function split(raw: string): { headers: Map<string, string[]>; body: string } {
  const at = raw.indexOf('\n\n');
  const headers = new Map<string, string[]>();
  // Unfold, then read each header.
  for (const line of raw.slice(0, at).replace(/\n[ \t]/g, ' ').split('\n')) {
    const c = line.indexOf(':');
    const k = line.slice(0, c).toLowerCase();
    headers.set(k, [...(headers.get(k) ?? []), line.slice(c + 1).trim()]);
  }
  return { headers, body: raw.slice(at + 2) };
}

function mailbox(a: Address | undefined): MailAddress {
  return a && a.address !== undefined ? { name: a.name, address: a.address } : { name: '', address: '' };
}

/** The composed mail read back as the mail reader would: postal-mime, then the shared shape. */
async function readBack(raw: string): Promise<{ msg: MailMessage; email: Email }> {
  const email = await PostalMime.parse(raw);
  const ids = (s: string | undefined): string[] => (s ?? '').match(/<[^>]+>/g)?.map((x) => x.slice(1, -1)) ?? [];
  const msg: MailMessage = {
    messageId: ids(email.messageId)[0] ?? '', inReplyTo: ids(email.inReplyTo)[0], references: ids(email.references),
    subject: email.subject ?? '', from: mailbox(email.from), to: (email.to ?? []).map(mailbox), cc: (email.cc ?? []).map(mailbox),
    date: email.date, body: email.text ?? '', warnings: [], source: { index: 0 },
  };
  return { msg, email };
}

test('headers: threading, Re: once, To the author, Cc the rest without me, encoded names, folded lines', async () => {
  const raw = composeReply({ patch, comments, trailers: [TRAILER], from: me, date: DATE, messageId: 'my-reply@example.org' });
  const { headers } = split(raw);
  const one = (k: string): string => {
    const v = headers.get(k);
    assert.equal(v?.length, 1, `one ${k} header`);
    return v[0];
  };
  assert.equal(one('in-reply-to'), `<${PATCH_ID}>`);
  assert.equal(one('references'), `<${COVER_ID}> <${PATCH_ID}>`);
  assert.equal(one('message-id'), '<my-reply@example.org>');
  assert.equal(one('date'), 'Thu, 30 Jan 2025 09:15:42 +0000');
  assert.equal(one('mime-version'), '1.0');
  assert.equal(one('content-type'), 'text/plain; charset=utf-8');
  assert.equal(one('content-transfer-encoding'), '8bit');
  // Non-ASCII names as RFC 2047 encoded-words: the header block is ASCII only.
  const head = raw.slice(0, raw.indexOf('\n\n'));
  assert.match(head, /^[\x20-\x7e\n]*$/);
  for (const line of head.split('\n')) assert.ok(line.length <= 78, `folded: ${line}`);
  assert.match(one('from'), /^=\?UTF-8\?Q\?.*\?= <zoe@example\.org>$/);
  assert.match(one('to'), /^=\?UTF-8\?Q\?J=C3=B6rg_R=C3=B6del\?= <joro@8bytes\.org>$/);

  const { email, msg } = await readBack(raw);
  assert.equal(email.subject, 'Re: [PATCH v1 04/12] mm/rmap: implement make_device_exclusive() using folio_walk instead of rmap walk');
  assert.deepEqual(msg.from, me);
  assert.deepEqual(msg.to, [author]);
  // The sender (ZOE@ in To) and the author (in Cc) are left out; linux-mm once, case aside.
  assert.deepEqual(msg.cc, [
    { name: '', address: 'linux-kernel@vger.kernel.org' },
    { name: '', address: 'linux-mm@kvack.org' },
    { name: 'Müller, Jürgen', address: 'jm@example.de' },
    { name: 'Andrew Morton', address: 'akpm@linux-foundation.org' },
  ]);
  assert.equal(msg.date, DATE.toISOString());
});

test('a reply to a reply subject gets one Re:', () => {
  assert.equal(replySubject('Re: [PATCH v1 04/12] mm/rmap: x'), 'Re: [PATCH v1 04/12] mm/rmap: x');
  assert.equal(replySubject('RE: Re[2]: AW: [PATCH] y'), 'Re: [PATCH] y');
  const raw = composeReply({ patch: { ...patch, message: { ...patch.message, subject: 'Re: [PATCH] mm: z' } }, comments: [], from: me, date: DATE });
  assert.match(raw, /\nSubject: Re: \[PATCH\] mm: z\n/);
});

test('body: attribution, only the commented hunks, trimmed, "> " quoting, remarks below, trailers last', () => {
  const raw = composeReply({ patch, comments, trailers: [TRAILER], from: me, date: DATE, messageId: 'x@y' });
  const { body } = split(raw);
  assert.equal(body, [
    'On Wed, 29 Jan 2025 11:54:01 +0000, Jörg Rödel wrote:',
    '> diff --git a/mm/memory.c b/mm/memory.c',
    '> --- a/mm/memory.c',
    '> +++ b/mm/memory.c',
    '> @@ -4016,7 +4021,11 @@ static vm_fault_t remove_device_exclusive_entry(struct vm_fault *vmf)',
    '> [...]',
    '>  \tif (likely(vmf->pte && pte_same(ptep_get(vmf->pte), vmf->orig_pte)))',
    '>  \t\trestore_exclusive_pte(vma, vmf->page, vmf->address, vmf->pte);',
    '>',
    '> +\t/*',
    '> +\t * The folio was locked above; the CPU fault is served once the',
    '> +\t * device-exclusive entry is replaced by the original PTE.',
    '> +\t */',
    '',
    'Nit: "served" reads odd, maybe "handled"?',
    '',
    '> diff --git a/mm/rmap.c b/mm/rmap.c',
    '> --- a/mm/rmap.c',
    '> +++ b/mm/rmap.c',
    '> @@ -2403,20 +2403,21 @@ struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr,',
    '> [...]',
    '> -\tif (!fw_folio) {',
    '> -\t\tfolio_unlock(folio);',
    '> -\t\treturn ERR_PTR(-EBUSY);',
    '> -\t}',
    '> +\tif (!fw_folio) {',
    '> +\t\tmmu_notifier_invalidate_range_end(&range);',
    '> +\t\tfolio_unlock(folio);',
    '',
    'Drop the reference before unlocking?',
    '',
    '> [...]',
    '>  \tflush_cache_page(vma, addr, page_to_pfn(page));',
    '>  \tfw.pte = ptep_clear_flush(vma, addr, fw.ptep);',
    '>',
    '>  \t/* Set the dirty flag on the folio now the PTE is gone. */',
    '> -\tif (pte_dirty(fw.pte))',
    '> -\t\tfolio_mark_dirty(folio);',
    '> +\tfolio_mark_dirty(folio);',
    '',
    'Why unconditionally? The PTE was writable, but the device may not have',
    'written yet.',
    '',
    TRAILER,
    '',
  ].join('\n'));
  assert.ok(!body.includes('@@ -741'), 'the untouched memory.c hunk is not quoted');
  assert.ok(!body.includes('@@ -2470'), 'the untouched rmap.c hunk is not quoted');
});

test('round trip: postal-mime reads the reply back and placeReplies puts every comment on its line', async () => {
  const raw = composeReply({ patch, comments, from: me, date: DATE });
  const { msg, email } = await readBack(raw);
  // A single message, the body as composed (b4 and git am read the same bytes).
  assert.equal(email.text, split(raw).body);
  assert.equal(email.attachments.length, 0);
  assert.equal(msg.inReplyTo, PATCH_ID);
  assert.match(msg.messageId, /^\d+\.[0-9a-f]{12}@kpsim\.local$/);
  assert.ok(msg.messageId.startsWith(`${DATE.getTime()}.`));
  const r = placeReplies(patch, [msg]);
  assert.deepEqual(r.unplaced, []);
  const norm = (cs: PlacedComment[]): string[] => cs.map((c) => `${c.path}#${c.hunk}:${c.line}:${c.side}`).sort();
  assert.deepEqual(norm(r.placed), norm(comments));
  for (const c of r.placed) {
    const mine = comments.find((x) => x.path === c.path && x.hunk === c.hunk && x.line === c.line);
    // Long prose comes back wrapped at 72 columns.
    assert.equal(c.text.replace(/\n/g, ' '), mine?.text);
    assert.deepEqual(c.author, me);
  }
});

test('round trip with a general remark, trailers, a comment on a removed line and on an empty context line', async () => {
  const cs = [
    comment('mm/rmap.c', 0, 8, 'This is where the hmm selftests saw -EBUSY.'),
    comment('mm/rmap.c', 0, 16, 'Stray blank line?'),
    comment('mm/rmap.c', 0, 16, 'Second thought on the same line.'),
  ];
  const raw = composeReply({ patch, comments: cs, general: 'The folio walk is the right tool here.', trailers: [TRAILER, 'Acked-by: Zoë Ó Briain <zoe@example.org>'], from: me, date: DATE });
  const { body } = split(raw);
  assert.ok(body.startsWith('On Wed, 29 Jan 2025 11:54:01 +0000, Jörg Rödel wrote:\n> We require a writable PTE and only support anonymous folio: we can only\n'));
  assert.ok(body.includes('\n> using a folio walk, avoiding the rmap walk and the anon VMA lock.\n\nThe folio walk is the right tool here.\n\n> diff --git a/mm/rmap.c b/mm/rmap.c\n'));
  assert.ok(body.endsWith(`\n\n${TRAILER}\nAcked-by: Zoë Ó Briain <zoe@example.org>\n`));
  const { msg } = await readBack(raw);
  const r = placeReplies(patch, [msg]);
  assert.deepEqual(r.unplaced.map((u) => u.text), ['The folio walk is the right tool here.']);
  assert.deepEqual(r.placed.map((c) => [c.hunk, c.line, c.side, c.text]), [
    [0, 8, 'old', 'This is where the hmm selftests saw -EBUSY.'],
    // The last remark of the mail carries the tags below it: they are the same unquoted text.
    [0, 16, 'new', `Stray blank line?\n\nSecond thought on the same line.\n\n${TRAILER}\nAcked-by: Zoë Ó Briain <zoe@example.org>`],
  ]);
});

test('tags alone: the commit message quoted, then the tags; nothing for placeReplies', async () => {
  const raw = composeReply({ patch, comments: [], trailers: [TRAILER], from: me, date: DATE });
  const { body } = split(raw);
  assert.equal(body, [
    'On Wed, 29 Jan 2025 11:54:01 +0000, Jörg Rödel wrote:',
    '> We require a writable PTE and only support anonymous folio: we can only',
    '> have exactly one PTE pointing at that page, which we can just lookup',
    '> using a folio walk, avoiding the rmap walk and the anon VMA lock.',
    '',
    TRAILER,
    '',
  ].join('\n'));
  const { msg } = await readBack(raw);
  assert.deepEqual(placeReplies(patch, [msg]), { placed: [], unplaced: [] });
});

test('a comment pointing at no line joins the general remark; a "-- " line cannot start a signature', () => {
  const raw = composeReply({
    patch, from: me, date: DATE,
    comments: [{ ...comment('mm/rmap.c', 0, 4, 'Here.\n-- \nstill mine'), path: 'mm/rmap.c' }, { path: 'mm/gone.c', hunk: 0, line: 3, side: 'new', author: me, text: 'Lost file.' }],
  });
  const { body } = split(raw);
  assert.ok(body.includes('\n\nmm/gone.c: Lost file.\n\n'));
  assert.ok(body.includes('\nHere.\n--\nstill mine\n'));
  assert.ok(!/\n-- \n/.test(body));
});

test('a line longer than RFC 5322 allows switches the body to quoted-printable, and it reads back', async () => {
  const long = '+\t' + 'x'.repeat(1200) + ';';
  const p: Patch = { ...patch, diff: { files: [{ path: 'lib/test_hmm.c', change: 'modify', hunks: [hunk(10, 10, '', [' a', long, ' b'])] }], problems: [] } };
  const raw = composeReply({ patch: p, comments: [{ path: 'lib/test_hmm.c', hunk: 0, line: 1, side: 'new', author: me, text: 'Long.' }], from: me, date: DATE });
  assert.match(raw, /\nContent-Transfer-Encoding: quoted-printable\n/);
  for (const line of raw.split('\n')) assert.ok(line.length <= 998);
  const { msg } = await readBack(raw);
  assert.ok(msg.body.includes(`> ${long}\n`));
  assert.deepEqual(placeReplies(p, [msg]).placed.map((c) => [c.path, c.line, c.text]), [['lib/test_hmm.c', 1, 'Long.']]);
});

test('replyFileName: safe, ordered, at most 100 characters', () => {
  assert.equal(replyFileName(patch), 're-v1-04-12-mm-rmap-implement-make-device-exclusive-using-folio-walk-instead-of-rmap-walk.eml');
  const odd: Patch = { ...patch, subject: { ...patch.subject, version: 3, index: 7, total: 120, title: '../../etc/passwd: Ünïcödé \\ and / slashes ' + 'y'.repeat(200) } };
  const name = replyFileName(odd);
  assert.ok(name.length <= 100, name);
  assert.match(name, /^re-v3-007-120-etc-passwd-unicode-and-slashes-y+\.eml$/);
  assert.equal(replyFileName({ ...patch, subject: { ...patch.subject, index: undefined, total: undefined, title: '???' } }), 're-v1-patch.eml');
});
