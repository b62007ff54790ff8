import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { placeReplies } from '../../../extension/patches/quotes';
import type { FilePatch, Hunk, MailAddress, MailMessage, Patch } from '../../../extension/patches/types';

// A hand-built patch modelled on "mm/rmap: implement make_device_exclusive() using folio_walk
// instead of rmap walk" (linux-mm, Jan 2025). Files in git's order: mm/memory.c, mm/rmap.c.

function hunk(oldStart: number, newStart: number, section: string, lines: string[]): Hunk {
  const oldLines = lines.filter((l) => l[0] !== '+').length;
  const newLines = lines.filter((l) => l[0] !== '-').length;
  return { oldStart, oldLines, newStart, newLines, section, lines };
}

const memory: FilePatch = {
  path: 'mm/memory.c', change: 'modify',
  hunks: [
    hunk(741, 741, 'static void restore_exclusive_pte(struct vm_area_struct *vma,', [
      /* 0 */ ' \tpte = pte_mkold(mk_pte(page, READ_ONCE(vma->vm_page_prot)));',
      /* 1 */ ' \tif (pte_swp_soft_dirty(orig_pte))',
      /* 2 */ ' \t\tpte = pte_mksoft_dirty(pte);',
      /* 3 */ ' ',
      /* 4 */ ' \tentry = pte_to_swp_entry(orig_pte);',
      /* 5 */ '-\tif (is_writable_device_exclusive_entry(entry))',
      /* 6 */ '+\tif (folio_test_dirty(folio))',
      /* 7 */ '+\t\tpte = pte_mkdirty(pte);',
      /* 8 */ '+\tif (is_writable_device_exclusive_entry(entry))',
      /* 9 */ ' \t\tpte = maybe_mkwrite(pte_mkdirty(pte), vma);',
      /* 10 */ ' ',
      /* 11 */ ' \tVM_BUG_ON_FOLIO(pte_write(pte) && folio_test_anon(folio) &&',
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
      /* 11 */ ' \tfolio_unlock(folio);',
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
    hunk(2470, 2474, 'int make_device_exclusive_range(struct mm_struct *mm, unsigned long start,', [
      /* 0 */ ' \tfor (i = 0; i < npages; i++, start += PAGE_SIZE) {',
      /* 1 */ '-\t\tstruct folio *folio = page_folio(pages[i]);',
      /* 2 */ '-\t\tif (PageTail(pages[i]) || !folio_trylock(folio)) {',
      /* 3 */ '-\t\t\tfolio_put(folio);',
      /* 4 */ '-\t\t\tpages[i] = NULL;',
      /* 5 */ '-\t\t\tcontinue;',
      /* 6 */ '-\t\t}',
      /* 7 */ '+\t\tpages[i] = make_device_exclusive(mm, start, owner, NULL);',
      /* 8 */ ' \t}',
      /* 9 */ ' ',
      /* 10 */ ' \treturn npages;',
    ]),
  ],
};

const david: MailAddress = { name: 'David Hildenbrand', address: 'david@redhat.com' };
const alistair: MailAddress = { name: 'Alistair Popple', address: 'apopple@nvidia.com' };
const jason: MailAddress = { name: 'Jason Gunthorpe', address: 'jgg@nvidia.com' };
const john: MailAddress = { name: 'John Hubbard', address: 'jhubbard@nvidia.com' };
const simona: MailAddress = { name: 'Simona Vetter', address: 'simona.vetter@ffwll.ch' };

const PATCH_ID = '20250129115411.2077152-5-david@redhat.com';

const description = [
  'We require a writable PTE and only support anonymous folio: we can only',
  'have exactly one PTE pointing at that page, which we can just lookup',
  'using a folio walk, avoiding the rmap walk and the anon VMA lock.',
  '',
  'So let\'s stop doing an rmap walk and perform a folio walk instead, so we',
  'can easily just modify a single PTE and avoid relying on rmap/mapcounts.',
].join('\n');

const patch: Patch = {
  message: {
    messageId: PATCH_ID, references: ['20250129115411.2077152-1-david@redhat.com'],
    subject: '[PATCH v1 04/12] mm/rmap: implement make_device_exclusive() using folio_walk instead of rmap walk',
    from: david, to: [{ name: '', address: 'linux-kernel@vger.kernel.org' }], cc: [{ name: '', address: 'linux-mm@kvack.org' }],
    date: '2025-01-29T11:54:01.000Z', body: '', warnings: [], source: { index: 0 },
  },
  subject: { isPatch: true, isReply: false, tags: [], version: 1, index: 4, total: 12, title: 'mm/rmap: implement make_device_exclusive() using folio_walk instead of rmap walk' },
  description,
  diff: { files: [memory, rmap], problems: [] },
  trailers: [],
};

let serial = 0;
function reply(from: MailAddress, body: string, extra: Partial<MailMessage> = {}): MailMessage {
  serial++;
  return {
    messageId: `reply-${serial}@example.org`, inReplyTo: PATCH_ID, references: [PATCH_ID],
    subject: 'Re: ' + patch.message.subject, from, to: [david], cc: [],
    date: `2025-01-30T0${serial % 10}:00:00.000Z`, body, warnings: [], source: { index: serial }, ...extra,
  };
}

/** Only what placement decides, for exact comparisons. */
function where(r: ReturnType<typeof placeReplies>): { path: string; hunk: number; line: number; side: string; text: string }[] {
  return r.placed.map((c) => ({ path: c.path, hunk: c.hunk, line: c.line, side: c.side, text: c.text }));
}

// Alistair's review: a remark on the commit message, one after a quoted folio_mark_dirty() with
// a [...] cut in the hunk, one at the end of the next hunk (with his tag in the same paragraph).
const alistairReview = reply(alistair, [
  'On Wed, Jan 29, 2025 at 12:54:01PM +0100, David Hildenbrand wrote:',
  '> We require a writable PTE and only support anonymous folio: we can only',
  '> have exactly one PTE pointing at that page, which we can just lookup',
  '> using a folio walk, avoiding the rmap walk and the anon VMA lock.',
  '',
  'Nice, this is much simpler than the rmap walk.',
  '',
  '> diff --git a/mm/rmap.c b/mm/rmap.c',
  '> index 7825707e5ed1..b8ec5a1b8c11 100644',
  '> --- a/mm/rmap.c',
  '> +++ b/mm/rmap.c',
  '> @@ -2403,18 +2403,22 @@ struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr,',
  '',
  '[...]',
  '',
  '>  \t/* Set the dirty flag on the folio now the PTE is gone. */',
  '> -\tif (pte_dirty(fw.pte))',
  '> -\t\tfolio_mark_dirty(folio);',
  '> +\tfolio_mark_dirty(folio);',
  '',
  'Why unconditionally? We only got here with a writable PTE, but it might',
  'not have been written to yet.',
  '',
  '>  ',
  '>  \t/*',
  '> @@ -2470,9 +2474,6 @@ int make_device_exclusive_range(struct mm_struct *mm, unsigned long start,',
  '>  \tfor (i = 0; i < npages; i++, start += PAGE_SIZE) {',
  '> -\t\tstruct folio *folio = page_folio(pages[i]);',
  '[...]',
  '> +\t\tpages[i] = make_device_exclusive(mm, start, owner, NULL);',
  '>  \t}',
  '',
  'Callers still expect the page to come back locked, right?',
  '',
  'Otherwise looks good.',
  '',
  'Reviewed-by: Alistair Popple <apopple@nvidia.com>',
  '',
].join('\n'));

test('a reviewer\'s remarks land on the last quoted line before them', () => {
  const r = placeReplies(patch, [alistairReview]);
  assert.deepEqual(where(r), [
    { path: 'mm/rmap.c', hunk: 0, line: 24, side: 'new', text: 'Why unconditionally? We only got here with a writable PTE, but it might\nnot have been written to yet.' },
    // The remark keeps the tag written in it: trailers are collected elsewhere.
    { path: 'mm/rmap.c', hunk: 1, line: 8, side: 'new', text: 'Callers still expect the page to come back locked, right?\n\nOtherwise looks good.\n\nReviewed-by: Alistair Popple <apopple@nvidia.com>' },
  ]);
  assert.equal(r.placed[0].messageId, alistairReview.messageId);
  assert.deepEqual(r.placed[0].author, alistair);
  assert.equal(r.placed[0].date, alistairReview.date);
  // The remark on the commit message is about the patch as a whole.
  assert.equal(r.unplaced.length, 1);
  assert.equal(r.unplaced[0].text, 'Nice, this is much simpler than the rmap walk.');
  assert.equal(r.unplaced[0].messageId, alistairReview.messageId);
  assert.deepEqual(r.unplaced[0].author, alistair);
  assert.match(r.unplaced[0].reason, /commit message/);
});

test('a reply to a reply (Thunderbird ">>", "schrieb", tabs turned to spaces) places only its own remark', () => {
  const r = placeReplies(patch, [reply(david, [
    'Am 30.01.25 um 01:20 schrieb Alistair Popple:',
    '> On Wed, Jan 29, 2025 at 12:54:01PM +0100, David Hildenbrand wrote:',
    '>> We require a writable PTE and only support anonymous folio: we can only',
    '>> have exactly one PTE pointing at that page, which we can just lookup',
    '',
    '[...]',
    '',
    '>>        /* Set the dirty flag on the folio now the PTE is gone. */',
    '>> -        if (pte_dirty(fw.pte))',
    '>> -                folio_mark_dirty(folio);',
    '>> +        folio_mark_dirty(folio);',
    '> ',
    '> Why unconditionally? We only got here with a writable PTE, but it might',
    '> not have been written to yet.',
    '',
    'The device can write to the page without the PTE dirty bit ever being',
    'set: the PTE is gone while the device has it.',
    '',
    '-- ',
    'Cheers,',
    '',
    'David / dhildenb',
    '',
  ].join('\n'), { inReplyTo: alistairReview.messageId, references: [PATCH_ID, alistairReview.messageId] })]);
  assert.deepEqual(where(r), [
    { path: 'mm/rmap.c', hunk: 0, line: 24, side: 'new', text: 'The device can write to the page without the PTE dirty bit ever being\nset: the PTE is gone while the device has it.' },
  ]);
  assert.deepEqual(r.unplaced, []);
});

test('mutt nesting: "> > >" patch, "> >" first reviewer, "> " second, new remark at depth 0', () => {
  const r = placeReplies(patch, [reply(jason, [
    'On Thu, Jan 30, 2025 at 10:24:37AM +0100, David Hildenbrand wrote:',
    '> On 30.01.25 01:20, Alistair Popple wrote:',
    '> > On Wed, Jan 29, 2025 at 12:54:01PM +0100, David Hildenbrand wrote:',
    '> > > -\tif (pte_dirty(fw.pte))',
    '> > > -\t\tfolio_mark_dirty(folio);',
    '> > > +\tfolio_mark_dirty(folio);',
    '> > ',
    '> > Why unconditionally? We only got here with a writable PTE, but it might',
    '> > not have been written to yet.',
    '> ',
    '> The device can write to the page without the PTE dirty bit ever being',
    '> set: the PTE is gone while the device has it.',
    '',
    'Right, and it matches what GUP does for FOLL_WRITE.',
    '',
    'Jason',
  ].join('\n'))]);
  // The bare sign-off goes; the quoted remarks of the earlier replies are not placed again.
  assert.deepEqual(where(r), [
    { path: 'mm/rmap.c', hunk: 0, line: 24, side: 'new', text: 'Right, and it matches what GUP does for FOLL_WRITE.' },
  ]);
  assert.deepEqual(r.unplaced, []);
});

test('">" without a space: context lines read as "> code"; two remarks in one hunk', () => {
  const r = placeReplies(patch, [reply(john, [
    'John Hubbard <jhubbard@nvidia.com> writes:',
    '>diff --git a/mm/memory.c b/mm/memory.c',
    '>--- a/mm/memory.c',
    '>+++ b/mm/memory.c',
    '>@@ -741,7 +741,8 @@ static void restore_exclusive_pte(struct vm_area_struct *vma,',
    '> \tentry = pte_to_swp_entry(orig_pte);',
    '>-\tif (is_writable_device_exclusive_entry(entry))',
    '>+\tif (folio_test_dirty(folio))',
    '>+\t\tpte = pte_mkdirty(pte);',
    '',
    'So a clean folio maps clean even after the device wrote to it?',
    '>+\tif (is_writable_device_exclusive_entry(entry))',
    '> \t\tpte = maybe_mkwrite(pte_mkdirty(pte), vma);',
    '',
    'The pte_mkdirty() here is then redundant.',
  ].join('\n'))]);
  assert.deepEqual(where(r), [
    { path: 'mm/memory.c', hunk: 0, line: 7, side: 'new', text: 'So a clean folio maps clean even after the device wrote to it?' },
    { path: 'mm/memory.c', hunk: 0, line: 9, side: 'new', text: 'The pte_mkdirty() here is then redundant.' },
  ]);
});

test('remarks in two files, trimmed with <snip> and "...", greeting and closing dropped', () => {
  const r = placeReplies(patch, [reply(simona, [
    'Hi David,',
    '',
    'On Wed, Jan 29, 2025 at 12:54:01PM +0100, David Hildenbrand wrote:',
    '> diff --git a/mm/memory.c b/mm/memory.c',
    '<snip>',
    '> @@ -4016,6 +4021,14 @@ static vm_fault_t remove_device_exclusive_entry(struct vm_fault *vmf)',
    '> <snip>',
    '> +\t/*',
    '> +\t * The folio was locked above; the CPU fault is served once the',
    '> +\t * device-exclusive entry is replaced by the original PTE.',
    '> +\t */',
    '',
    'Nit: "served" reads odd, maybe "handled"?',
    '',
    '> diff --git a/mm/rmap.c b/mm/rmap.c',
    '> ...',
    '> +\t\tmmu_notifier_invalidate_range_end(&range);',
    '> +\t\tfolio_unlock(folio);',
    '',
    'Doesn\'t this need to drop the folio reference before unlocking?',
    '',
    'Thanks,',
    'Simona',
  ].join('\n'))]);
  assert.deepEqual(where(r), [
    { path: 'mm/memory.c', hunk: 1, line: 8, side: 'new', text: 'Nit: "served" reads odd, maybe "handled"?' },
    { path: 'mm/rmap.c', hunk: 0, line: 12, side: 'new', text: 'Doesn\'t this need to drop the folio reference before unlocking?' },
  ]);
  assert.deepEqual(r.unplaced, []);
});

test('a remark after a removed line sits on the old side', () => {
  const r = placeReplies(patch, [reply(jason, [
    '> -\t\tfolio_unlock(folio);',
    '> -\t\treturn ERR_PTR(-EBUSY);',
    '',
    'Returning -EBUSY was what made the hmm selftests flaky.',
  ].join('\n'))]);
  assert.deepEqual(where(r), [
    { path: 'mm/rmap.c', hunk: 0, line: 8, side: 'old', text: 'Returning -EBUSY was what made the hmm selftests flaky.' },
  ]);
});

test('an ambiguous single line goes to the occurrence after the previous match', () => {
  // ' \t}' closes a block in both hunks of mm/rmap.c.
  const later = placeReplies(patch, [reply(jason, [
    '> +\t\tpages[i] = make_device_exclusive(mm, start, owner, NULL);',
    '',
    'This can return an ERR_PTR now.',
    '',
    '>  \t}',
    '',
    'And the loop no longer needs the braces.',
  ].join('\n'))]);
  assert.deepEqual(where(later).map((c) => [c.hunk, c.line]), [[1, 7], [1, 8]]);
  const earlier = placeReplies(patch, [reply(jason, [
    // The context line's own space is lost here ('> ' then a tab): tab-indented is code.
    '> \t\tfw_folio = NULL;',
    '',
    'Why not goto out here?',
    '',
    '>  \t}',
    '',
    'And here.',
  ].join('\n'))]);
  assert.deepEqual(where(earlier).map((c) => [c.hunk, c.line]), [[0, 4], [0, 5]]);
});

test('lines that are not in the patch leave the remark unplaced, with a reason', () => {
  const r = placeReplies(patch, [reply(john, [
    'On Wed, Jan 29, 2025 at 12:54:01PM +0100, David Hildenbrand wrote:',
    '> +\tif (folio_test_large(folio))',
    '> +\t\treturn ERR_PTR(-EINVAL);',
    '',
    'Shouldn\'t this be -EOPNOTSUPP?',
  ].join('\n'))]);
  assert.deepEqual(r.placed, []);
  assert.equal(r.unplaced.length, 1);
  assert.equal(r.unplaced[0].text, 'Shouldn\'t this be -EOPNOTSUPP?');
  assert.match(r.unplaced[0].reason, /not in this patch/);
  assert.match(r.unplaced[0].reason, /folio_test_large/);
});

test('a tag alone is not a comment; a top remark before any quote is unplaced', () => {
  const r = placeReplies(patch, [
    reply(simona, [
      'On Wed, Jan 29, 2025 at 12:54:01PM +0100, David Hildenbrand wrote:',
      '> We require a writable PTE and only support anonymous folio: we can only',
      '',
      'Acked-by: Simona Vetter <simona.vetter@ffwll.ch>',
    ].join('\n')),
    reply(jason, 'Looks fine to me, the folio walk is the right tool here.\n\nReviewed-by: Jason Gunthorpe <jgg@nvidia.com>\n'),
  ]);
  assert.deepEqual(r.placed, []);
  assert.equal(r.unplaced.length, 1);
  assert.equal(r.unplaced[0].text, 'Looks fine to me, the folio walk is the right tool here.\n\nReviewed-by: Jason Gunthorpe <jgg@nvidia.com>');
  assert.match(r.unplaced[0].reason, /not after any quoted line/);
});

test('a quoted @@ line alone anchors on the hunk\'s first line; a file header alone does not', () => {
  const r = placeReplies(patch, [reply(jason, [
    '> @@ -4016,6 +4021,14 @@ static vm_fault_t remove_device_exclusive_entry(struct vm_fault *vmf)',
    '',
    'This whole hunk is only a comment, drop it?',
    '',
    '> diff --git a/mm/rmap.c b/mm/rmap.c',
    '',
    'Please split the rmap.c part out.',
  ].join('\n'))]);
  assert.deepEqual(where(r).map((c) => [c.path, c.hunk, c.line]), [['mm/memory.c', 1, 0]]);
  assert.equal(r.unplaced.length, 1);
  assert.match(r.unplaced[0].reason, /mm\/rmap\.c/);
});

test('a quoted header of the wrong file still finds the lines; CRLF bodies and wrapped quotes', () => {
  const r = placeReplies(patch, [reply(john, [
    '> --- a/mm/memory.c',
    '> +++ b/mm/memory.c',
    '> +\tfolio_mark_dirty(folio);',
    '',
    'Dirty even for a read-only request?',
    '',
    '>  \tif (likely(vmf->pte && pte_same(ptep_get(vmf->pte),',
    '> vmf->orig_pte)))',
    '>  \t\trestore_exclusive_pte(vma, vmf->page, vmf->address, vmf->pte);',
    '',
    'A wrapped quote still counts.',
  ].join('\r\n'))]);
  assert.deepEqual(where(r).map((c) => [c.path, c.hunk, c.line, c.text]), [
    ['mm/rmap.c', 0, 24, 'Dirty even for a read-only request?'],
    ['mm/memory.c', 1, 3, 'A wrapped quote still counts.'],
  ]);
});

test('the patch message itself and replies with nothing quoted place nothing', () => {
  const r = placeReplies(patch, [{ ...patch.message, body: '> +\tfolio_mark_dirty(folio);\n\nnot a reply\n' }, reply(jason, '')]);
  assert.deepEqual(r, { placed: [], unplaced: [] });
});
