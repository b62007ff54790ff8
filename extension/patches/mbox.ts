/**
 * Reads mbox files (mboxo / mboxrd, `git format-patch` output, lore's t.mbox.gz) and single
 * messages (.eml, .patch), streaming: only the message being read is held in memory.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { MailError, parseMessage } from './mail';
import type { MailMessage } from './types';

export interface MboxLimits {
  /** A message larger than this is skipped and reported; 64 MiB by default. */
  maxMessageBytes?: number;
}

/** A message's raw bytes (envelope line removed, `>From ` unescaped), or why it was skipped. */
export type MboxEntry = { raw: Buffer; index: number } | { error: string; index: number };

/** One message of a file, parsed, or why it could not be read (not a mail, too large, corrupt gzip). */
export type MailFileEntry = { message: MailMessage; index: number; file: string } | { error: string; index: number; file: string };

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** How many bytes of a line are kept to recognise it, whatever its length. */
const LINE_HEAD = 256;
/** A separator after a blank line must look like an envelope (`From sender date`): it has a time. */
const ENVELOPE = /^From \S*.*\b\d{1,2}:\d{2}/;

/**
 * Splits an mbox stream into messages. A line `From ...` starts a message at the start of the
 * stream or after a blank line; `>From `, `>>From `... lose one '>' (mboxrd). Text before the first
 * separator, if any, is a message of its own.
 */
export function readMbox(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onProgress?: (bytes: number) => void, limits?: MboxLimits): AsyncGenerator<MboxEntry> {
  return splitMessages(stream, 'mbox', onProgress, limits);
}

/**
 * Reads a mail file: an mbox (it starts with `From `) or a single message, gzip-compressed or not
 * (by its magic bytes). Progress counts the file's bytes. Aborting throws an error named AbortError;
 * a file that cannot be opened throws its fs error. Everything else is an entry.
 */
export async function* readMailFile(file: string, onProgress?: (bytes: number) => void, signal?: AbortSignal, limits?: MboxLimits): AsyncGenerator<MailFileEntry> {
  if (signal?.aborted) throw abortError(signal);
  const input = fs.createReadStream(file, { signal, highWaterMark: 256 * 1024 });
  // Gzip is told by the first bytes of the stream itself, so a pipe (/dev/stdin) works too.
  const { gzip, stream: counted } = await sniffGzip(countBytes(input, onProgress));
  let source: AsyncIterable<Uint8Array> = counted;
  const gunzip = gzip ? createGunzip() : undefined;
  if (gunzip) {
    const from = Readable.from(counted);
    // pipe() does not pass errors on: a read error must end the gunzip stream too.
    from.on('error', (e) => gunzip.destroy(e));
    source = from.pipe(gunzip);
  }
  let next = 0;
  try {
    for await (const entry of splitMessages(source, 'auto', undefined, limits)) {
      if (signal?.aborted) throw abortError(signal);
      next = entry.index + 1;
      if ('error' in entry) {
        yield { error: entry.error, index: entry.index, file };
        continue;
      }
      let parsed: MailFileEntry;
      try {
        parsed = { message: await parseMessage(entry.raw, { file, index: entry.index }), index: entry.index, file };
      } catch (e) {
        if (!(e instanceof MailError)) throw e;
        parsed = { error: e.message, index: entry.index, file };
      }
      yield parsed;
    }
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    // A corrupt or truncated .gz: say so after what could be read, rather than losing it all.
    if (gzip && isZlibError(e)) {
      yield { error: `gzip data is corrupt or truncated: ${(e as Error).message}`, index: next, file };
      return;
    }
    throw e;
  } finally {
    input.destroy();
    gunzip?.destroy();
  }
}

function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error && signal.reason.name === 'AbortError') return signal.reason;
  const e = new Error('Cancelled');
  e.name = 'AbortError';
  return e;
}

function isZlibError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** Reads the first chunk to tell gzip by its magic bytes; the stream is returned whole. */
async function sniffGzip(stream: AsyncIterable<Uint8Array>): Promise<{ gzip: boolean; stream: AsyncIterable<Uint8Array> }> {
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? undefined : first.value;
  async function* whole(): AsyncGenerator<Uint8Array> {
    if (head) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  }
  return { gzip: !!head && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b, stream: whole() };
}

async function* countBytes(stream: AsyncIterable<Uint8Array>, onProgress?: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    onProgress?.(total);
    yield chunk;
  }
}

/** The message being assembled: its lines, or only its size once it is too large. */
class Pending {
  parts: Buffer[] = [];
  size = 0;
  oversize = false;
  /** A blank line held back: in an mbox the blank line before a separator is not the message's. */
  heldBlank: Buffer | undefined;

  constructor(readonly max: number) {}

  push(b: Buffer): void {
    this.size += b.length;
    if (this.oversize) return;
    if (this.size > this.max) {
      this.oversize = true;
      this.parts = [];
      return;
    }
    this.parts.push(b);
  }

  /** True when nothing but whitespace was read (blank lines before the first separator). */
  isBlank(): boolean {
    return !this.oversize && this.parts.every((p) => /^\s*$/.test(p.toString('latin1')));
  }
}

type Mode = 'mbox' | 'single' | 'auto';

/**
 * The line machine shared by readMbox and readMailFile. Only a line's first LINE_HEAD bytes decide
 * what it is (separator, escaped `>From `, blank); the rest of a long line goes straight to the
 * message, which stops keeping bytes past the limit. So memory stays near one message. Ordinary
 * lines (most of them) are not looked at one by one: a run of them is kept as one slice.
 */
async function* splitMessages(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, startMode: Mode, onProgress?: (bytes: number) => void, limits?: MboxLimits): AsyncGenerator<MboxEntry> {
  const max = limits?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  let mode = startMode;
  let index = 0;
  let current = new Pending(max);
  let started = false; // a message (or text before the first separator) has begun
  let prevBlank = true; // the stream start counts as "after a blank line"
  let firstLine = true;
  // The start of a line cut by the end of a chunk, until it is long enough (or complete) to be recognised.
  let carry: Buffer[] = [];
  let carryLen = 0;
  // Inside a line already recognised: where its remaining bytes go.
  let rest: 'undecided' | 'message' | 'drop' = 'undecided';
  let total = 0;

  const finish = (): MboxEntry | undefined => {
    const msg = current;
    current = new Pending(max);
    if (!started) return undefined;
    started = false;
    if (msg.size === 0 || msg.isBlank()) return undefined;
    if (msg.oversize) return { error: `message ${index} is larger than ${formatBytes(max)} (${formatBytes(msg.size)}): skipped`, index: index++ };
    // concat copies, so the message does not pin the stream's chunks.
    return { raw: Buffer.concat(msg.parts, msg.size), index: index++ };
  };

  const releaseBlank = (): void => {
    if (current.heldBlank) {
      current.push(current.heldBlank);
      current.heldBlank = undefined;
    }
  };

  /** What the line starting with `start` is; `complete` when it holds its '\n' or the stream ended. */
  const decide = (start: Buffer, complete: boolean): MboxEntry | undefined => {
    const text = start.subarray(0, LINE_HEAD).toString('latin1');
    const blank = complete && (text === '\n' || text === '\r\n');
    if (firstLine && mode === 'auto') mode = text.startsWith('From ') ? 'mbox' : 'single';
    if (mode === 'mbox' && text.startsWith('From ') && prevBlank && (firstLine || ENVELOPE.test(text))) {
      const done = finish();
      started = true;
      firstLine = false;
      prevBlank = false;
      rest = 'drop';
      return done;
    }
    firstLine = false;
    started = true;
    releaseBlank();
    // mboxrd: the writer added one '>' to every /^>*From / line; take it back.
    const line = mode === 'mbox' && /^>+From /.test(text) ? start.subarray(1) : start;
    if (blank && mode === 'mbox') current.heldBlank = line;
    else current.push(line);
    prevBlank = blank;
    rest = 'message';
    return undefined;
  };

  /** A line that needs no look: not blank, not possibly `From ` or `>From `. */
  const ordinary = (buf: Buffer, pos: number): boolean => {
    if (firstLine || mode === 'auto') return false;
    if (mode === 'single') return true;
    const c = buf[pos];
    return c !== 0x46 /* F */ && c !== 0x3e /* > */ && c !== 0x0a && c !== 0x0d;
  };

  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += buf.length;
    let pos = 0;
    let run = -1; // start of a run of ordinary lines not yet given to the message
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      const end = nl < 0 ? buf.length : nl + 1;
      if (rest !== 'undecided') {
        // The rest of a long line recognised in an earlier chunk.
        if (rest === 'message') current.push(buf.subarray(pos, end));
      } else if (carryLen === 0 && nl >= 0 && ordinary(buf, pos)) {
        if (run < 0) {
          releaseBlank();
          run = pos;
        }
        started = true;
        prevBlank = false;
      } else {
        if (run >= 0) current.push(buf.subarray(run, pos));
        run = -1;
        carry.push(buf.subarray(pos, end));
        carryLen += end - pos;
        if (nl >= 0 || carryLen >= LINE_HEAD) {
          const done = decide(carry.length === 1 ? carry[0] : Buffer.concat(carry, carryLen), nl >= 0);
          carry = [];
          carryLen = 0;
          if (done) yield done;
        }
      }
      if (nl >= 0) rest = 'undecided';
      pos = end;
    }
    if (run >= 0) current.push(buf.subarray(run, buf.length));
    onProgress?.(total);
  }
  if (rest === 'undecided' && carryLen > 0) {
    const done = decide(Buffer.concat(carry, carryLen), true);
    if (done) yield done;
  }
  if (mode === 'single') releaseBlank();
  const done = finish();
  if (done) yield done;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}
