// Property tests: the mail readers take whatever a mailbox holds and answer, or refuse with
// MailError, in bounded time. Fixed seed, so CI sees the same inputs every run.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { LoreError, loreThreadUrl } from '../../../extension/patches/lore';
import { MailError, parseMessage } from '../../../extension/patches/mail';
import { readMbox } from '../../../extension/patches/mbox';
import { parseSubject } from '../../../extension/patches/subject';
import { collectTrailers } from '../../../extension/patches/trailers';

const SEED = 20250129;
/** Per run: a hang shows up as a failure instead of a stuck CI job. */
const PER_RUN_MS = 2000;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns, plugins: [fc.timeout(PER_RUN_MS)] });

/** parseMessage either answers with a well-formed message or rejects with MailError. */
async function parsesOrRefuses(input: Uint8Array | string): Promise<void> {
  try {
    const m = await parseMessage(input);
    assert.equal(typeof m.messageId, 'string');
    assert.ok(m.messageId.length > 0 && !/[<>]/.test(m.messageId), `id ${m.messageId}`);
    assert.ok(!m.body.includes('\r'), 'body has \\n line ends only');
    assert.ok(Array.isArray(m.references) && Array.isArray(m.warnings));
  } catch (e) {
    if (!(e instanceof MailError)) throw e;
  }
}

const TEMPLATES = [
  'From: Ann <ann@example.org>\nTo: list@example.org\nSubject: [PATCH v2 1/3] mm: x\nDate: Wed, 29 Jan 2025 12:54:01 +0100\nMessage-ID: <a@b>\nIn-Reply-To: <c@d>\nReferences: <c@d>\n <e@f>\n\nText.\n\nSigned-off-by: Ann <ann@example.org>\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
  'From: =?UTF-8?B?SsO2cmc=?= <j@x>\nSubject: =?iso-8859-1?q?Re=3A_[PATCH]_caf=E9?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 soft =\nbreak =3D\n',
  'From: b@x\nSubject: b64\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\nY2Fm6SBhdSBsYWl0Cg==\n',
  'From: m@x\nSubject: multipart\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\npreamble\n--b1\nContent-Type: multipart/alternative; boundary=b2\n\n--b2\nContent-Type: text/plain; format=flowed; delsp=yes\n\nsoft \nline\n--b2\nContent-Type: text/html\n\n<p>x</p>\n--b2--\n--b1\nContent-Type: text/x-patch; name=a.patch\nContent-Disposition: attachment; filename=a.patch\nContent-Transfer-Encoding: base64\n\nZGlmZiAtLWdpdCBhL3ggYi94Cg==\n--b1\nContent-Type: message/rfc822\n\nFrom: inner@x\nSubject: inner\n\ninner body\n--b1--\n',
  'Return-Path: <x@y>\r\nFrom: crlf@x\r\nSubject: CRLF\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nline\r\n',
];

/** Edits that break mails the way transport, archives and copy-paste do. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('\n', '\r\n', '\n\n', ':', '=', '=?', '?=', '--b1', '--b1--', '--b2', ' ', '\t', '<', '>', '\0', 'From ', 'Content-Type: multipart/mixed; boundary=b1\n', 'charset=klingon', '=\n', '==')) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }), times: fc.integer({ min: 2, max: 50 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, edits: Mutation[]): string {
  let s = text;
  for (const e of edits) {
    const at = s.length === 0 ? 0 : e.at % (s.length + 1);
    if (e.kind === 'cut') s = s.slice(0, at);
    else if (e.kind === 'delete') s = s.slice(0, at) + s.slice(at + e.len);
    else if (e.kind === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
    else s = s.slice(0, at) + s.slice(at, at + e.len).repeat(e.times) + s.slice(at + e.len);
  }
  return s;
}

test('parseMessage: arbitrary strings and bytes', { timeout: 60_000 }, async (t) => {
  let n = 0;
  await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.uint8Array({ maxLength: 400 })), async (input) => {
    n++;
    await parsesOrRefuses(input);
  }), params(1500));
  // Header-shaped noise gets past the "is it a mail" check and into the MIME parser.
  await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (tail) => {
    n++;
    await parsesOrRefuses(`From: a@b\nContent-Type: ${tail}`);
  }), params(1000));
  t.diagnostic(`parseMessage: ${n} arbitrary inputs`);
  assert.equal(n, 2500);
});

test('parseMessage: mutated real-looking messages', { timeout: 60_000 }, async (t) => {
  let n = 0;
  let parsed = 0;
  await fc.assert(fc.asyncProperty(fc.nat({ max: TEMPLATES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), async (which, edits, asBytes) => {
    n++;
    const text = mutate(TEMPLATES[which], edits);
    await parsesOrRefuses(asBytes ? Buffer.from(text, 'latin1') : text);
    if (text.startsWith('From: ') || text.startsWith('Return-Path')) parsed++;
  }), params(2500));
  t.diagnostic(`parseMessage: ${n} mutated messages (${parsed} still starting with a header)`);
  assert.equal(n, 2500);
  assert.ok(parsed > 100, 'the mutations leave many messages readable');
});

async function split(data: Buffer, sizes: number[], limit?: number): Promise<string[]> {
  function* chunks(): Generator<Uint8Array> {
    let pos = 0;
    for (let i = 0; pos < data.length; i++) {
      const size = sizes.length ? Math.max(1, sizes[i % sizes.length]) : data.length;
      yield data.subarray(pos, pos + size);
      pos += size;
    }
  }
  const out: string[] = [];
  for await (const e of readMbox(chunks(), undefined, { maxMessageBytes: limit })) {
    out.push('raw' in e ? `${e.index}:${e.raw.toString('latin1')}` : `${e.index}!${e.error}`);
  }
  return out;
}

test('readMbox: any bytes, any chunking, the same messages', { timeout: 60_000 }, async (t) => {
  let n = 0;
  const mboxish = fc.array(fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom('From mboxrd@z Thu Jan  1 00:00:00 1970\n', 'From x\n', '>From y\n', '>>From z\n', '\n', '\r\n', '\n\n', 'From: a@b\n', 'From ', 'y'.repeat(300), `From ${'z'.repeat(300)} 12:00\n`, `>From ${'w'.repeat(260)}`),
  ), { maxLength: 30 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));
  await fc.assert(fc.asyncProperty(fc.oneof(mboxish, fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 5 }), fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }), async (data, sizes, limit) => {
    n++;
    const whole = await split(data, [], limit);
    const chunked = await split(data, sizes, limit);
    assert.deepEqual(chunked, whole);
    // Nothing is invented: every message is made of the input's bytes, minus separators and escapes.
    const total = whole.filter((m) => /^\d+:/.test(m)).reduce((a, m) => a + m.length - m.indexOf(':') - 1, 0);
    assert.ok(total <= data.length);
  }), params(1500));
  t.diagnostic(`readMbox: ${n} inputs, each read whole and in random chunks`);
  assert.equal(n, 1500);
});

test('parseSubject, collectTrailers, loreThreadUrl: arbitrary strings', { timeout: 60_000 }, (t) => {
  let n = 0;
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
    n++;
    const info = parseSubject(s);
    assert.equal(typeof info.title, 'string');
    assert.ok(Number.isFinite(info.version) || info.version === Infinity);
    collectTrailers(s, 'x');
    try {
      assert.match(loreThreadUrl(s), /^https:\/\/lore\.kernel\.org\/all\/[^/]+\/t\.mbox\.gz$/);
    } catch (e) {
      if (!(e instanceof LoreError)) throw e;
    }
  }), { seed: SEED, numRuns: 3000 });
  // Built subjects read back to what they were built from.
  fc.assert(fc.property(
    fc.constantFrom('', 'Re: ', 'RE: Re: ', 'Aw: ', '[mm-unstable] '), fc.constantFrom('PATCH', 'RFC PATCH', 'PATCH RESEND', 'patch'),
    fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((x) => !/^\s*(\[|\w+\s*(\[\d+\])?\s*:)/.test(x) && x.trim() !== ''),
    (prefix, word, version, total, index, title) => {
      n++;
      const info = parseSubject(`${prefix}[${word} v${version} ${index}/${total}] ${title}`);
      assert.equal(info.isPatch, true);
      assert.equal(info.isReply, /Re|Aw/.test(prefix));
      assert.deepEqual([info.version, info.index, info.total], [version, index, total]);
      assert.equal(info.title, title.replace(/\s+/g, ' ').trim());
    }), { seed: SEED, numRuns: 1000 });
  t.diagnostic(`parseSubject: ${n} subjects (3000 arbitrary also through collectTrailers and loreThreadUrl, 1000 built)`);
  assert.equal(n, 4000);
});
