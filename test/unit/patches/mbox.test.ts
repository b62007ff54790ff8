import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readMailFile, readMbox, type MailFileEntry, type MboxEntry } from '../../../extension/patches/mbox';

const ENVELOPE = 'From mboxrd@z Thu Jan  1 00:00:00 1970';

function message(n: number, body = `Body of message ${n}.\n`): string {
  return `From: Sender ${n} <s${n}@example.org>\nSubject: [PATCH ${n}/3] thing ${n}\nMessage-ID: <m${n}@example.org>\nDate: Wed, 29 Jan 2025 12:5${n}:00 +0100\n\n${body}`;
}

/** An mbox as lore writes it: envelope, message, blank line. */
function mbox(messages: string[]): string {
  return messages.map((m) => `${ENVELOPE}\n${m}\n`).join('');
}

/** The text cut into pieces of `size` bytes, as a stream would deliver them (a tick apart). */
async function* chunks(data: string | Buffer, size: number): AsyncGenerator<Uint8Array> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  for (let i = 0; i < buf.length; i += size) {
    await Promise.resolve();
    yield new Uint8Array(buf.subarray(i, i + size));
  }
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

function raws(entries: MboxEntry[]): string[] {
  return entries.map((e) => ('raw' in e ? e.raw.toString('latin1') : `ERROR ${e.error}`));
}

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-mbox-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function tmpFile(name: string, data: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(TMP, 'f-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

test('several messages, whatever the chunking', async () => {
  const msgs = [message(1), message(2), message(3, 'Last one.\n\n\nWith blank lines inside and at the end.\n\n')];
  const text = mbox(msgs);
  for (const size of [1, 3, 7, 64, 100000]) {
    const entries = await collect(readMbox(chunks(text, size)));
    assert.deepEqual(raws(entries), msgs, `chunks of ${size}`);
    assert.deepEqual(entries.map((e) => e.index), [0, 1, 2]);
  }
});

test('mboxrd: one > is removed from >From lines, not from other quoted lines', async () => {
  const body = 'Hi,\n\n>From the start it was wrong.\n>>From here too.\n> From quoted reply\n>Fromage\n';
  const [e] = await collect(readMbox(chunks(mbox([message(1, body)]), 5)));
  assert.ok('raw' in e);
  assert.ok(e.raw.toString().endsWith('Hi,\n\nFrom the start it was wrong.\n>From here too.\n> From quoted reply\n>Fromage\n'), e.raw.toString());
});

test('a From line is a separator only after a blank line and when it looks like an envelope', async () => {
  const body = 'Text\nFrom this line on, nothing splits.\n\nFrom the maintainers side nothing either.\n';
  const entries = await collect(readMbox(chunks(mbox([message(1, body), message(2)]), 16)));
  assert.deepEqual(raws(entries), [message(1, body), message(2)]);
});

test('CRLF mbox', async () => {
  const msgs = [message(1), message(2)];
  const text = mbox(msgs).replace(/\n/g, '\r\n');
  const entries = await collect(readMbox(chunks(text, 11)));
  assert.deepEqual(raws(entries), msgs.map((m) => m.replace(/\n/g, '\r\n')));
});

test('text before the first separator is a message; blank lines alone are not', async () => {
  const entries = await collect(readMbox(chunks(`${message(1)}\n${mbox([message(2)])}`, 9)));
  assert.deepEqual(raws(entries), [message(1), message(2)]);
  assert.deepEqual(raws(await collect(readMbox(chunks(`\n\n${mbox([message(2)])}`, 9)))), [message(2)]);
  assert.deepEqual(await collect(readMbox(chunks('', 9))), []);
});

test('progress reports the bytes read, growing to the whole stream', async () => {
  const text = mbox([message(1), message(2), message(3)]);
  const seen: number[] = [];
  await collect(readMbox(chunks(text, 50), (b) => seen.push(b)));
  assert.ok(seen.length >= Math.floor(text.length / 50));
  assert.deepEqual([...seen].sort((a, b) => a - b), seen);
  assert.equal(seen.at(-1), Buffer.byteLength(text, 'latin1'));
});

test('a message over the limit is reported and skipped; the next ones keep their index', async () => {
  const big = message(2, `${'x'.repeat(5000)}\n`);
  const oneLine = message(3, `${'y'.repeat(5000)}\n`); // one long line, split across chunks
  const text = mbox([message(1), big, oneLine, message(4)]);
  const entries = await collect(readMbox(chunks(text, 333), undefined, { maxMessageBytes: 1000 }));
  assert.equal(entries.length, 4);
  assert.deepEqual(entries.map((e) => e.index), [0, 1, 2, 3]);
  assert.deepEqual(raws([entries[0], entries[3]]), [message(1), message(4)]);
  for (const e of [entries[1], entries[2]]) {
    assert.ok('error' in e);
    assert.match(e.error, /larger than 1000 bytes .*skipped/);
  }
});

test('readMailFile: mbox, gzip (by magic bytes), single .eml, format-patch files', async () => {
  const msgs = [message(1), message(2)];
  const plain = tmpFile('t.mbox', mbox(msgs));
  const gz = tmpFile('t.mbox.gz', gzipSync(mbox(msgs)));
  const gzNoExt = tmpFile('download', gzipSync(mbox(msgs)));
  for (const f of [plain, gz, gzNoExt]) {
    const entries = await collect(readMailFile(f));
    assert.deepEqual(entries.map((e) => ('message' in e ? e.message.messageId : e.error)), ['m1@example.org', 'm2@example.org'], f);
    assert.deepEqual(entries.map((e) => ('message' in e ? e.message.source : undefined)), [{ file: f, index: 0 }, { file: f, index: 1 }]);
  }
  // A single message is not split at a From line in its body, and keeps its >From lines as written.
  const single = tmpFile('one.eml', message(1, 'a\n\nFrom Bob Thu Jan  1 00:00:00 1970\n>From x\n'));
  const one = await collect(readMailFile(single));
  assert.equal(one.length, 1);
  assert.ok('message' in one[0]);
  assert.equal(one[0].message.body, 'a\n\nFrom Bob Thu Jan  1 00:00:00 1970\n>From x\n');
  // git format-patch output, two patches in one file.
  const fp = (n: number): string => `From ${'abcdef0123456789'.repeat(2)}1234567${n} Mon Sep 17 00:00:00 2001\n${message(n)}`;
  const patches = tmpFile('0001.patch', `${fp(1)}\n${fp(2)}`);
  const got = await collect(readMailFile(patches));
  assert.deepEqual(got.map((e) => ('message' in e ? e.message.subject : e.error)), ['[PATCH 1/3] thing 1', '[PATCH 2/3] thing 2']);
});

test('readMailFile: a message that is not a mail is an error entry; the rest is read', async () => {
  const f = tmpFile('mixed.mbox', mbox([message(1), 'this is not a mail\n\nat all\n', message(3)]));
  const entries: MailFileEntry[] = await collect(readMailFile(f));
  assert.deepEqual(entries.map((e) => ('message' in e ? e.message.messageId : `error ${e.index}`)), ['m1@example.org', 'error 1', 'm3@example.org']);
  const bad = entries[1];
  assert.ok('error' in bad);
  assert.match(bad.error, /not a mail/);
  assert.equal(bad.file, f);
});

test('readMailFile: a truncated .gz yields what it could read, then says so', async () => {
  const msgs = Array.from({ length: 200 }, (_, i) => message(i % 10, `${'z'.repeat(2000)} ${i}\n`));
  const gz = gzipSync(mbox(msgs));
  const f = tmpFile('cut.mbox.gz', gz.subarray(0, Math.floor(gz.length * 0.9)));
  const entries = await collect(readMailFile(f));
  const last = entries.at(-1)!;
  assert.ok('error' in last, 'the last entry is the error');
  assert.match(last.error, /gzip data is corrupt or truncated/);
  assert.ok(entries.length > 20 && entries.length < 200, `${entries.length} entries`);
});

test('readMailFile: aborting stops the read with an AbortError', async () => {
  const f = tmpFile('many.mbox', mbox(Array.from({ length: 2000 }, (_, i) => message(i % 10))));
  const controller = new AbortController();
  let n = 0;
  await assert.rejects(async () => {
    for await (const e of readMailFile(f, undefined, controller.signal)) {
      assert.ok('message' in e);
      if (++n === 5) controller.abort();
    }
  }, (e: Error) => e.name === 'AbortError');
  assert.equal(n, 5);
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(collect(readMailFile(f, undefined, pre.signal)), (e: Error) => e.name === 'AbortError');
});

test('a ~100 MB mbox streams in bounded memory', async (t) => {
  const body = `${'+\tstatic int lines_of_a_diff_that_go_on(void) { return 42; }\n'.repeat(130)}`;
  const one = Buffer.from(`${ENVELOPE}\n${message(1, body)}\n`);
  const target = 100 * 1024 * 1024;
  const count = Math.ceil(target / one.length);
  async function* generate(): AsyncGenerator<Uint8Array> {
    // 256 KiB chunks, cutting messages anywhere, built on the fly: no file, no 100 MB string.
    const per = Math.floor((256 * 1024) / one.length) + 1;
    for (let i = 0; i < count; i += per) {
      await new Promise(setImmediate);
      yield Buffer.concat(Array.from({ length: Math.min(per, count - i) }, () => one));
    }
  }
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  let peakBuffers = before.arrayBuffers;
  let n = 0;
  let bytes = 0;
  const start = performance.now();
  for await (const e of readMbox(generate(), (b) => (bytes = b))) {
    assert.ok('raw' in e);
    if (++n % 500 === 0) {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }
  }
  const ms = performance.now() - start;
  const mb = (x: number): string => (x / 1048576).toFixed(1);
  t.diagnostic(`${n} messages, ${mb(bytes)} MB in ${(ms / 1000).toFixed(2)} s; rss +${mb(peakRss - before.rss)} MB, heap +${mb(peakHeap - before.heapUsed)} MB, buffers +${mb(peakBuffers - before.arrayBuffers)} MB at peak`);
  assert.equal(n, count);
  assert.equal(bytes, count * one.length);
  assert.ok(bytes >= target);
  // A reader that kept what it read would hold 100 MB of buffers; one that streams, a few chunks.
  assert.ok(peakBuffers - before.arrayBuffers < 32 * 1024 * 1024, `buffers grew by ${mb(peakBuffers - before.arrayBuffers)} MB`);
  assert.ok(peakRss - before.rss < 80 * 1024 * 1024, `rss grew by ${mb(peakRss - before.rss)} MB`);
  assert.ok(peakHeap - before.heapUsed < 64 * 1024 * 1024, `heap grew by ${mb(peakHeap - before.heapUsed)} MB`);
});
