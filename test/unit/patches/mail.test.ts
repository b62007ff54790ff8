import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MailError, parseMessage } from '../../../extension/patches/mail';

/** A message from header lines and body lines, '\n' line ends. */
function mail(headers: string[], body: string[] | string): string {
  return `${headers.join('\n')}\n\n${Array.isArray(body) ? body.join('\n') : body}`;
}

const BASIC = [
  'From: Ann Reviewer <ann@example.org>',
  'To: linux-mm@kvack.org',
  'Cc: Bob <bob@example.org>, carl@example.org',
  'Subject: [PATCH v2 1/3] mm: do a thing',
  'Date: Wed, 29 Jan 2025 12:54:01 +0100',
  'Message-ID: <20250129115411.1-1-ann@example.org>',
];

test('plain message: ids without brackets, addresses, ISO date, body', async () => {
  const m = await parseMessage(mail([
    ...BASIC,
    'In-Reply-To: <cover@example.org> (Ann\'s message of Wed, 29 Jan 2025)',
    'References: <root@example.org>',
    '  <cover@example.org>',
  ], ['Hello,', '', 'Signed-off-by: Ann <ann@example.org>', '']), { file: 'x.eml', index: 3 });
  assert.equal(m.messageId, '20250129115411.1-1-ann@example.org');
  assert.equal(m.inReplyTo, 'cover@example.org');
  assert.deepEqual(m.references, ['root@example.org', 'cover@example.org']);
  assert.equal(m.subject, '[PATCH v2 1/3] mm: do a thing');
  assert.deepEqual(m.from, { name: 'Ann Reviewer', address: 'ann@example.org' });
  assert.deepEqual(m.to, [{ name: '', address: 'linux-mm@kvack.org' }]);
  assert.deepEqual(m.cc.map((a) => a.address), ['bob@example.org', 'carl@example.org']);
  assert.equal(m.date, '2025-01-29T11:54:01.000Z');
  assert.equal(m.body, 'Hello,\n\nSigned-off-by: Ann <ann@example.org>\n');
  assert.deepEqual(m.warnings, []);
  assert.deepEqual(m.source, { file: 'x.eml', index: 3 });
});

test('quoted-printable body and encoded-word subject', async () => {
  const m = await parseMessage(mail([
    ...BASIC.filter((h) => !h.startsWith('Subject')),
    'Subject: =?UTF-8?Q?[PATCH]_mm:_fix_J=C3=B6rg=27s_bug?=',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
  ], ['caf=C3=A9 a =3D b, a soft =', 'break', '+\tif (x =3D=3D y)', '']));
  assert.equal(m.subject, "[PATCH] mm: fix Jörg's bug");
  assert.equal(m.body, 'café a = b, a soft break\n+\tif (x == y)\n');
});

test('base64 body', async () => {
  const text = 'diff --git a/mm/rmap.c b/mm/rmap.c\n--- a/mm/rmap.c\n+++ b/mm/rmap.c\n@@ -1 +1 @@\n-a\n+b\n';
  const m = await parseMessage(mail([...BASIC, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
    Buffer.from(text).toString('base64').replace(/(.{76})/g, '$1\n')));
  assert.equal(m.body, text);
});

test('iso-8859-1 body and header', async () => {
  const raw = Buffer.concat([
    Buffer.from(mail([
      ...BASIC.filter((h) => !h.startsWith('From')),
      'From: =?iso-8859-1?q?J=F6rg_R=F6del?= <joerg@example.org>',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: 8bit',
    ], 'Gr'), 'latin1'),
    Buffer.from([0xfc, 0xdf, 0x65, 0x0a]), // "üße\n" in latin1
  ]);
  const m = await parseMessage(raw);
  assert.equal(m.from.name, 'Jörg Rödel');
  assert.equal(m.body, 'Grüße\n');
  assert.deepEqual(m.warnings, []);
});

test('an unknown charset does not throw: decoded as windows-1252, with a warning', async () => {
  const raw = Buffer.concat([
    Buffer.from(mail([...BASIC, 'Content-Type: text/plain; charset="x-klingon-8"', 'Content-Transfer-Encoding: 8bit'], 'caf'), 'latin1'),
    Buffer.from([0xe9, 0x0a]),
  ]);
  const m = await parseMessage(raw);
  assert.equal(m.body, 'café\n');
  assert.ok(m.warnings.some((w) => w.includes('x-klingon-8')), m.warnings.join('; '));
  // A known label spelled with a prefix is not reported.
  const known = await parseMessage(mail([...BASIC, 'Content-Type: text/plain; charset=x-utf-8'], 'ok\n'));
  assert.deepEqual(known.warnings, []);
});

test('multipart/mixed: the text part is the body; a patch attachment is appended', async () => {
  const m = await parseMessage(mail([...BASIC, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="==b=="'], [
    'This is a multi-part message in MIME format.',
    '--==b==',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'See the patch attached.',
    '--==b==',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="x.png"',
    '',
    'iVBORw0KGgo=',
    '--==b==',
    'Content-Type: text/x-patch; charset=us-ascii; name="0001-fix.patch"',
    'Content-Transfer-Encoding: quoted-printable',
    'Content-Disposition: attachment; filename="0001-fix.patch"',
    '',
    'diff --git a/a.c b/a.c',
    '+x =3D 1;',
    '--==b==--',
    '',
  ]));
  assert.equal(m.body, 'See the patch attached.\ndiff --git a/a.c b/a.c\n+x = 1;\n');
  assert.ok(m.warnings.some((w) => w.includes('0001-fix.patch')));
  assert.ok(!m.body.includes('iVBOR'), 'the image is not text');
});

test('format=flowed with and without delsp', async () => {
  const flowed = (delsp: string): string => mail([...BASIC, `Content-Type: text/plain; charset=utf-8; format=flowed${delsp}`],
    ['This line is soft ', 'broken here.', 'Hard line.', '']);
  assert.equal((await parseMessage(flowed(''))).body, 'This line is soft broken here.\nHard line.\n');
  assert.equal((await parseMessage(flowed('; delsp=no'))).body, 'This line is soft broken here.\nHard line.\n');
  assert.equal((await parseMessage(flowed('; delsp=yes'))).body, 'This line is softbroken here.\nHard line.\n');
});

test('CRLF line ends: headers read, body with \\n only', async () => {
  const raw = mail([...BASIC, 'References: <a@x>\r\n <b@x>'], ['line one', 'line two', '']).replace(/\r?\n/g, '\r\n');
  const m = await parseMessage(raw);
  assert.equal(m.body, 'line one\nline two\n');
  assert.deepEqual(m.references, ['a@x', 'b@x']);
  assert.equal(m.subject, '[PATCH v2 1/3] mm: do a thing');
  // A lone CR inside a part (old Mac mail) is a line end too.
  const cr = await parseMessage(mail([...BASIC, 'Content-Transfer-Encoding: base64'], Buffer.from('a\rb\r\n').toString('base64')));
  assert.equal(cr.body, 'a\nb\n');
});

test('missing headers are warnings; a synthetic Message-ID is stable and depends on the bytes', async () => {
  const raw = mail(['X-Mailer: test', 'To: x@example.org'], 'just a body\n');
  const a = await parseMessage(raw);
  const b = await parseMessage(raw);
  const c = await parseMessage(`${raw}more\n`);
  assert.match(a.messageId, /^kpsim-[0-9a-f]{16}@local$/);
  assert.equal(a.messageId, b.messageId);
  assert.notEqual(a.messageId, c.messageId);
  assert.deepEqual(a.from, { name: '', address: '' });
  assert.equal(a.subject, '');
  assert.equal(a.date, undefined);
  for (const w of ['Message-ID', 'From', 'Subject', 'Date']) assert.ok(a.warnings.some((x) => x.includes(w)), `warning for ${w}: ${a.warnings.join('; ')}`);
  const badDate = await parseMessage(mail([...BASIC.filter((h) => !h.startsWith('Date')), 'Date: the day after tomorrow'], 'x\n'));
  assert.equal(badDate.date, undefined);
  assert.ok(badDate.warnings.some((w) => w.includes('unreadable Date')));
});

test('truncated messages: cut mid-header and mid-body still parse, with warnings', async () => {
  const full = mail([...BASIC, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=XYZ'], [
    '--XYZ', 'Content-Type: text/plain', '', 'first line of the text', 'second line', '--XYZ--', '']);
  const midHeader = full.slice(0, full.indexOf('Date:') + 10);
  const h = await parseMessage(midHeader);
  assert.equal(h.subject, '[PATCH v2 1/3] mm: do a thing');
  assert.equal(h.body, '');
  assert.ok(h.warnings.some((w) => w.includes('no blank line')), h.warnings.join('; '));
  assert.ok(h.warnings.some((w) => w.includes('Message-ID')));

  const midBody = full.slice(0, full.indexOf('second') + 3);
  const b = await parseMessage(midBody);
  assert.equal(b.messageId, '20250129115411.1-1-ann@example.org');
  assert.equal(b.body, 'first line of the text\nsec\n');
  assert.ok(b.warnings.some((w) => w.includes('closing boundary')), b.warnings.join('; '));
  assert.deepEqual((await parseMessage(full)).warnings, []);
});

test('an HTML-only message has an empty body and says why', async () => {
  const m = await parseMessage(mail([...BASIC, 'Content-Type: text/html; charset=utf-8'], '<p>Looks <b>good</b></p>\n'));
  assert.equal(m.body, '');
  assert.ok(m.warnings.some((w) => w.includes('no text/plain part')));
});

test('a git format-patch file: the From <sha> line is not a header', async () => {
  const m = await parseMessage(`From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n${mail(BASIC, 'body\n')}`);
  assert.equal(m.messageId, '20250129115411.1-1-ann@example.org');
  assert.deepEqual(m.from, { name: 'Ann Reviewer', address: 'ann@example.org' });
  assert.deepEqual(m.warnings, []);
});

test('blank lines before the header are skipped with a warning', async () => {
  const m = await parseMessage(`\r\n\n${mail(BASIC, 'body\n')}`);
  assert.equal(m.messageId, '20250129115411.1-1-ann@example.org');
  assert.equal(m.body, 'body\n');
  assert.deepEqual(m.warnings, ['blank lines before the header: skipped']);
});

test('input that is not a mail throws MailError saying what is wrong', async () => {
  const cases: [Uint8Array | string, RegExp][] = [
    ['', /empty/],
    ['  \n\n \n', /empty/],
    ['hello world\n\nthis is text', /first line is not a header/],
    ['diff --git a/x b/x\n--- a/x\n+++ b/x\n', /first line is not a header/],
    [Buffer.from([0, 1, 2, 255, 254, 10, 10, 65]), /first line is not a header/],
    [gzipSync(Buffer.from(mail(BASIC, 'x'))), /gzip/],
    ['Note: this is a key-value file\nColor: blue\n\nbody', /no mail header/],
  ];
  for (const [input, why] of cases) {
    await assert.rejects(parseMessage(input), (e: unknown) => {
      assert.ok(e instanceof MailError, `MailError for ${JSON.stringify(String(input).slice(0, 20))}`);
      assert.equal(e.name, 'MailError');
      assert.match(e.message, why);
      return true;
    });
  }
  await assert.rejects(parseMessage('', { file: 'bad.eml', index: 7 }), /bad\.eml, message 8/);
});
