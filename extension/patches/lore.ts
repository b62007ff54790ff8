/**
 * lore.kernel.org: from whatever the reviewer pastes (a Message-ID, a lore or patch.msgid.link URL)
 * to the thread's mbox, and the download itself (redirects, gzip, progress, cancel, size limit).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { gunzip } from 'node:zlib';

export class LoreError extends Error {
  override name = 'LoreError';
  constructor(message: string, readonly url?: string, readonly status?: number) {
    super(message);
  }
}

export interface FetchOptions {
  signal?: AbortSignal;
  onProgress?: (received: number, total?: number) => void;
  /** Largest body accepted, compressed and decompressed; 200 MiB by default. */
  maxBytes?: number;
  /** A request with no data for this long fails; 30 s by default. */
  timeoutMs?: number;
}

export const DEFAULT_LORE_BASE = 'https://lore.kernel.org';
const MAX_REDIRECTS = 5;

/**
 * The `t.mbox.gz` URL of the thread a Message-ID or lore URL names: `<base>/all/<msgid>/t.mbox.gz`.
 * Accepts `<id@host>`, `id@host`, `https://lore.kernel.org/<list or all>/<id>/[T/#u|raw|t.mbox.gz]`
 * and `https://patch.msgid.link/<id>`.
 */
export function loreThreadUrl(input: string, base = DEFAULT_LORE_BASE): string {
  const msgid = messageIdOf(input);
  return `${base.replace(/\/+$/, '')}/all/${encodeURIComponent(msgid).replace(/%40/g, '@')}/t.mbox.gz`;
}

function messageIdOf(input: string): string {
  const text = input.trim();
  if (text === '') throw new LoreError('no Message-ID or lore URL given');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return fromUrl(text);
  // `lore.kernel.org/all/<id>/` pasted without its scheme.
  if (/^[a-z0-9-]+(?:\.[a-z0-9-]+)+\/[^@]*@/i.test(text)) return fromUrl(`https://${text}`);
  const id = text.replace(/^(?:id|mid):/i, '').replace(/^<(.*)>$/, '$1').trim();
  if (!/^[^\s<>]+@[^\s<>]+$/.test(id)) {
    throw new LoreError(`"${short(text)}" is neither a Message-ID (like <20250129115411.2077152-1-david@redhat.com>) nor a lore URL`);
  }
  return id;
}

function fromUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LoreError(`"${short(text)}" is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new LoreError(`"${short(text)}": only http and https URLs can name a thread`);
  // lore writes '/' inside an id as %2F, so decode segment by segment.
  const segments = url.pathname.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const id = segments.find((s) => s.includes('@'));
  if (id === undefined || /[\s<>]/.test(id.replace(/^<(.*)>$/, '$1'))) {
    throw new LoreError(`"${short(text)}": no Message-ID in this URL (expected something like https://lore.kernel.org/all/<id@host>/)`);
  }
  return id.replace(/^<(.*)>$/, '$1');
}

function short(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Downloads a thread mbox: follows up to 5 redirects, gunzips a gzip body (by its magic bytes, not
 * only the headers), reports progress, and fails with LoreError (HTTP status, network error, too
 * large, timeout) or an error named AbortError when the signal fires.
 */
export async function fetchLoreThread(url: string, options: FetchOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? 200 * 1024 * 1024;
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const res = await request(current, options, maxBytes);
    if ('location' in res) {
      if (redirects >= MAX_REDIRECTS) throw new LoreError(`too many redirects (more than ${MAX_REDIRECTS}) fetching ${url}`, url);
      current = res.location;
      continue;
    }
    let body = res.body;
    // A .gz file served with Content-Encoding: gzip is compressed twice.
    for (let i = 0; i < 2 && body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b; i++) body = await gunzipLimited(body, maxBytes, current);
    return body;
  }
}

function abortError(): Error {
  const e = new Error('Cancelled');
  e.name = 'AbortError';
  return e;
}

function gunzipLimited(data: Buffer, maxBytes: number, url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(data, { maxOutputLength: maxBytes }, (err, out) => {
      if (!err) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(new LoreError(`${url}: the thread is larger than ${maxBytes} bytes once decompressed`, url));
      else reject(new LoreError(`${url}: the gzip data is corrupt or truncated (${err.message})`, url));
    });
  });
}

/** One GET: the body, or where a redirect points. */
function request(url: string, options: FetchOptions, maxBytes: number): Promise<{ body: Buffer } | { location: string }> {
  return new Promise((resolve, reject) => {
    const { signal, onProgress } = options;
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new LoreError(`"${short(url)}" is not a valid URL`, url));
      return;
    }
    const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new LoreError(`${url}: only http and https are supported`, url));
      return;
    }
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = (): void => {
      req.destroy();
      finish(() => reject(abortError()));
    };
    const req = client.get(parsed, { headers: { 'User-Agent': 'kernel-path-sim', Accept: 'application/gzip, application/mbox, */*' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        finish(() => resolve({ location: new URL(res.headers.location!, url).toString() }));
        return;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        finish(() => reject(new LoreError(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} for ${url}`, url, status)));
        return;
      }
      const lengthHeader = Number(res.headers['content-length']);
      const total = Number.isFinite(lengthHeader) && lengthHeader >= 0 ? lengthHeader : undefined;
      if (total !== undefined && total > maxBytes) {
        req.destroy();
        finish(() => reject(new LoreError(`${url}: ${total} bytes is more than the limit of ${maxBytes}`, url)));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          req.destroy();
          finish(() => reject(new LoreError(`${url}: more than the limit of ${maxBytes} bytes`, url)));
          return;
        }
        chunks.push(chunk);
        onProgress?.(received, total);
      });
      res.on('end', () => {
        if (!res.complete) finish(() => reject(new LoreError(`${url}: the connection closed before the end of the body`, url)));
        else finish(() => resolve({ body: Buffer.concat(chunks, received) }));
      });
      res.on('error', (e) => finish(() => reject(signal?.aborted ? abortError() : new LoreError(`${url}: ${e.message}`, url))));
      res.on('aborted', () => finish(() => reject(signal?.aborted ? abortError() : new LoreError(`${url}: the connection closed before the end of the body`, url))));
    });
    const timeoutMs = options.timeoutMs ?? 30_000;
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      finish(() => reject(new LoreError(`${url}: no answer for ${timeoutMs / 1000} s`, url)));
    });
    req.on('error', (e) => finish(() => reject(signal?.aborted ? abortError() : new LoreError(`cannot fetch ${url}: ${e.message}`, url))));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
