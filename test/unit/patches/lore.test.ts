import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fetchLoreThread, LoreError, loreThreadUrl } from '../../../extension/patches/lore';
import { parseMessage } from '../../../extension/patches/mail';
import { readMbox } from '../../../extension/patches/mbox';
import { buildSeries } from '../../../extension/patches/series';

const ID = '20250129115411.2077152-1-david@redhat.com';
const THREAD = `https://lore.kernel.org/all/${ID}/t.mbox.gz`;

test('loreThreadUrl: Message-IDs and the URL forms people paste', () => {
  for (const input of [
    ID, `<${ID}>`, `  <${ID}>\n`, `id:${ID}`,
    `https://lore.kernel.org/all/${ID}/`,
    `https://lore.kernel.org/all/${ID}`,
    `https://lore.kernel.org/linux-mm/${ID}/T/#u`,
    `https://lore.kernel.org/dri-devel/${ID}/raw`,
    `https://lore.kernel.org/all/${ID}/t.mbox.gz`,
    `https://lore.kernel.org/r/${ID}`,
    `https://patch.msgid.link/${ID}`,
    `http://lore.kernel.org/all/%3C${ID}%3E/`,
    `lore.kernel.org/linux-mm/${ID}/`,
  ]) assert.equal(loreThreadUrl(input), THREAD, input);
});

test('loreThreadUrl: the id is encoded but keeps its @; the base is configurable', () => {
  assert.equal(loreThreadUrl('a/b+c%d@host'), 'https://lore.kernel.org/all/a%2Fb%2Bc%25d@host/t.mbox.gz');
  assert.equal(loreThreadUrl('https://lore.kernel.org/all/a%2Fb@host/'), 'https://lore.kernel.org/all/a%2Fb@host/t.mbox.gz');
  assert.equal(loreThreadUrl(ID, 'http://127.0.0.1:8080/'), `http://127.0.0.1:8080/all/${ID}/t.mbox.gz`);
});

test('loreThreadUrl: what it cannot read is a LoreError saying so', () => {
  for (const [input, why] of [
    ['', /no Message-ID/],
    ['hello world', /neither a Message-ID/],
    ['not-an-id', /neither a Message-ID/],
    ['<a b@c>', /neither a Message-ID/],
    ['https://lore.kernel.org/linux-mm/', /no Message-ID in this URL/],
    ['ftp://lore.kernel.org/all/x@y/', /only http and https/],
    ['https://', /not a valid URL/],
  ] as const) {
    assert.throws(() => loreThreadUrl(input), (e: unknown) => e instanceof LoreError && why.test(e.message), input);
  }
});

// ---------------------------------------------------------------------------------------------
// A local lore on 127.0.0.1.

function message(i: number, total: number): string {
  const subject = i === 0 ? `[PATCH v1 0/${total}] mm: fixes` : `[PATCH v1 ${i}/${total}] mm: fix ${i}`;
  const threading = i === 0 ? '' : `In-Reply-To: <cover@example.org>\nReferences: <cover@example.org>\n`;
  const id = i === 0 ? 'cover@example.org' : `p${i}@example.org`;
  return `From: Dev <dev@example.org>\nSubject: ${subject}\nDate: Wed, 29 Jan 2025 12:5${i}:00 +0100\nMessage-ID: <${id}>\n${threading}\n` +
    `Fix ${i}.\n\nFrom here on, mboxrd escapes.\n\nSigned-off-by: Dev <dev@example.org>\n---\ndiff --git a/mm/f${i}.c b/mm/f${i}.c\n--- a/mm/f${i}.c\n+++ b/mm/f${i}.c\n@@ -1 +1 @@\n-a\n+b\n`;
}
const MBOX = [0, 1, 2, 3].map((i) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${message(i, 3).replace(/^(>*From )/gm, '>$1')}\n`).join('');
const GZ = gzipSync(MBOX);

let server: http.Server;
let base = '';
const hits: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    hits.push(url);
    if (url === `/all/${encodeURIComponent('cover@example.org').replace(/%40/g, '@')}/t.mbox.gz`) {
      res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': GZ.length });
      // In pieces, so progress has something to report.
      let i = 0;
      const step = (): void => {
        if (res.destroyed) return;
        if (i >= GZ.length) return void res.end();
        res.write(GZ.subarray(i, (i += 100)), () => setTimeout(step, 2));
      };
      step();
    } else if (url === '/moved') {
      res.writeHead(301, { Location: `${base}/all/cover@example.org/t.mbox.gz` }).end();
    } else if (url === '/relative') {
      res.writeHead(302, { Location: '/moved' }).end();
    } else if (url.startsWith('/loop')) {
      res.writeHead(302, { Location: `/loop${url.length}` }).end();
    } else if (url === '/transport-gzip') {
      // A plain mbox compressed only by the transport, with no Content-Length.
      res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(GZ);
    } else if (url === '/plain') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(MBOX);
    } else if (url === '/stall') {
      res.writeHead(200, { 'Content-Length': GZ.length });
      res.write(GZ.subarray(0, 100)); // and nothing more
    } else if (url === '/big') {
      res.writeHead(200, { 'Content-Length': 10_000_000 });
      res.write(Buffer.alloc(64 * 1024));
    } else if (url === '/big-unannounced') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const step = (err?: Error | null): void => {
        if (!err && !res.destroyed) res.write(chunk, (e) => setImmediate(step, e));
      };
      step();
    } else if (url === '/bomb') {
      res.writeHead(200).end(gzipSync(Buffer.alloc(5_000_000, 'a')));
    } else {
      res.writeHead(404, 'Not Found').end('no such thread');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('fetch a gzipped thread, with progress, and read it into a series', async () => {
  const seen: [number, number | undefined][] = [];
  const body = await fetchLoreThread(loreThreadUrl('<cover@example.org>', base), { onProgress: (r, t) => seen.push([r, t]) });
  assert.equal(body.toString('latin1'), MBOX);
  assert.ok(seen.length > 1, 'several progress reports');
  assert.deepEqual(seen.at(-1), [GZ.length, GZ.length]);
  assert.ok(seen.every(([r], i) => i === 0 || r > seen[i - 1][0]));

  const messages = [];
  for await (const e of readMbox([body])) {
    assert.ok('raw' in e);
    messages.push(await parseMessage(e.raw, { index: e.index }));
  }
  assert.ok(messages[1].body.includes('\nFrom here on, mboxrd escapes.\n'));
  const { series } = buildSeries(messages);
  assert.equal(series.length, 1);
  assert.equal(series[0].id, 'cover@example.org');
  assert.deepEqual(series[0].patches.map((p) => p.diff.files[0]?.path), ['mm/f1.c', 'mm/f2.c', 'mm/f3.c']);
});

test('redirects are followed (absolute and relative), up to 5', async () => {
  assert.equal((await fetchLoreThread(`${base}/moved`)).toString('latin1'), MBOX);
  assert.equal((await fetchLoreThread(`${base}/relative`)).toString('latin1'), MBOX);
  await assert.rejects(fetchLoreThread(`${base}/loop`), (e: unknown) => e instanceof LoreError && /too many redirects/.test(e.message));
  assert.equal(hits.filter((h) => h.startsWith('/loop')).length, 6, 'the first request and 5 redirects');
});

test('gzip is recognised by its bytes: transport-compressed or not compressed at all', async () => {
  assert.equal((await fetchLoreThread(`${base}/transport-gzip`)).toString('latin1'), MBOX);
  assert.equal((await fetchLoreThread(`${base}/plain`)).toString('latin1'), MBOX);
});

test('HTTP errors are LoreErrors with the status and the URL', async () => {
  await assert.rejects(fetchLoreThread(`${base}/all/nothing@here/t.mbox.gz`), (e: unknown) => {
    assert.ok(e instanceof LoreError);
    assert.equal(e.status, 404);
    assert.equal(e.url, `${base}/all/nothing@here/t.mbox.gz`);
    assert.match(e.message, /HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/all\/nothing@here\/t\.mbox\.gz/);
    return true;
  });
  // Nothing listens on port 1.
  await assert.rejects(fetchLoreThread('http://127.0.0.1:1/x'), (e: unknown) => e instanceof LoreError && /cannot fetch/.test(e.message));
});

test('abort mid-transfer rejects with an AbortError; so does a signal already aborted', async () => {
  const controller = new AbortController();
  let progress = 0;
  const t0 = Date.now();
  await assert.rejects(fetchLoreThread(`${base}/stall`, { signal: controller.signal, onProgress: () => { progress++; controller.abort(); } }),
    (e: Error) => e.name === 'AbortError');
  assert.equal(progress, 1);
  assert.ok(Date.now() - t0 < 5000);
  await assert.rejects(fetchLoreThread(`${base}/plain`, { signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
});

test('a stalled transfer times out; bodies over the limit are refused, compressed or not', async () => {
  await assert.rejects(fetchLoreThread(`${base}/stall`, { timeoutMs: 200 }), (e: unknown) => e instanceof LoreError && /no answer for 0.2 s/.test(e.message));
  await assert.rejects(fetchLoreThread(`${base}/big`, { maxBytes: 1_000_000 }), (e: unknown) => e instanceof LoreError && /limit of 1000000/.test(e.message));
  await assert.rejects(fetchLoreThread(`${base}/big-unannounced`, { maxBytes: 1_000_000 }), (e: unknown) => e instanceof LoreError && /limit of 1000000/.test(e.message));
  await assert.rejects(fetchLoreThread(`${base}/bomb`, { maxBytes: 1_000_000 }), (e: unknown) => e instanceof LoreError && /decompressed/.test(e.message));
});
