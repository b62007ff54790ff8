import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseSubject } from '../../../extension/patches/subject';
import type { SubjectInfo } from '../../../extension/patches/types';

function check(subject: string, expected: Partial<SubjectInfo>): void {
  const got = parseSubject(subject);
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(got[k as keyof SubjectInfo], v, `${k} of ${JSON.stringify(subject)}: ${JSON.stringify(got)}`);
}

test('patch brackets: version, index, total, tags, title', () => {
  check('[PATCH] mm: fix it', { isPatch: true, isReply: false, version: 1, index: undefined, total: undefined, tags: [], title: 'mm: fix it' });
  check('[PATCH v11 07/10] mm: Device exclusive memory access', { isPatch: true, version: 11, index: 7, total: 10, tags: [], title: 'mm: Device exclusive memory access' });
  check('[PATCH v1 00/12] mm: fixes for device-exclusive entries (hmm)', { version: 1, index: 0, total: 12, title: 'mm: fixes for device-exclusive entries (hmm)' });
  check('[RFC PATCH v2 0/4] hmm: idea', { isPatch: true, version: 2, index: 0, total: 4, tags: ['RFC'], title: 'hmm: idea' });
  check('[PATCH RESEND v3 1/2] x', { version: 3, index: 1, total: 2, tags: ['RESEND'] });
  check('[PATCH net-next 1/3] net: y', { version: 1, index: 1, total: 3, tags: ['net-next'], title: 'net: y' });
  check('[PATCH 1/2 v2] z', { version: 2, index: 1, total: 2, tags: [] });
  check('[PATCH v1 4/4] mm/memory: document restore_exclusive_pte()', { version: 1, index: 4, total: 4 });
  check('[patch] lower case', { isPatch: true, version: 1, title: 'lower case' });
  check('[PATCHv4 2/5] glued version', { version: 4, index: 2, total: 5, tags: [] });
  check('[PATCH net-next,v2 3/3] comma', { version: 2, index: 3, total: 3, tags: ['net-next'] });
  check('[RFC 1/3] no PATCH word', { isPatch: true, index: 1, total: 3, tags: ['RFC'] });
});

test('reply and forward prefixes, any number, any case', () => {
  check('Re: [PATCH v2 3/12] mm/rmap: x', { isPatch: true, isReply: true, version: 2, index: 3, total: 12, title: 'mm/rmap: x' });
  check('RE: Re: re: [PATCH] y', { isReply: true, isPatch: true, title: 'y' });
  check('Aw: [PATCH 1/2] z', { isReply: true, index: 1 });
  check('Fwd: [PATCH 1/2] z', { isReply: true, index: 1 });
  check('Re[2]: [PATCH] w', { isReply: true, title: 'w' });
  check('[PATCH] Re: not a prefix after the bracket', { isReply: false, title: 'Re: not a prefix after the bracket' });
});

test('list tags before the patch bracket are tags', () => {
  check('[mm-unstable] [PATCH v2 1/3] mm: a', { isPatch: true, version: 2, index: 1, total: 3, tags: ['mm-unstable'], title: 'mm: a' });
  check('Re: [mm-unstable][RFC PATCH 2/2] mm: b', { isReply: true, tags: ['mm-unstable', 'RFC'], index: 2, title: 'mm: b' });
});

test('whitespace and folding are collapsed', () => {
  check('[PATCH v1 03/12] mm/rmap: convert make_device_exclusive_range() to\n make_device_exclusive()', {
    index: 3, total: 12, title: 'mm/rmap: convert make_device_exclusive_range() to make_device_exclusive()',
  });
  check('  Re:   [PATCH   v2   1/2]   spaced   out  ', { isReply: true, version: 2, index: 1, total: 2, title: 'spaced out' });
});

test('plain subjects are not patches and keep their brackets', () => {
  check('Meeting notes', { isPatch: false, isReply: false, version: 1, tags: [], title: 'Meeting notes', index: undefined });
  check('Re: [GIT PULL] mm fixes', { isPatch: false, isReply: true, title: '[GIT PULL] mm fixes', tags: [] });
  check('Re: question about patches', { isPatch: false, isReply: true, title: 'question about patches' });
  check('', { isPatch: false, isReply: false, title: '' });
});
