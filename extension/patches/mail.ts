/**
 * One raw RFC 822 message → MailMessage. MIME (quoted-printable, base64, charsets, multipart,
 * format=flowed) is postal-mime's job; this module checks that the input is a mail at all, picks
 * the fields patch review needs and turns everything survivable into a warning.
 */
import { createHash } from 'node:crypto';
import PostalMime, { addressParser, type Address, type Email } from 'postal-mime';
import type { MailAddress, MailMessage } from './types';

/** The input is not a mail at all (empty, binary, no header). Anything milder is a warning. */
export class MailError extends Error {
  override name = 'MailError';
}

/** How much of the start is examined to decide whether the input is a mail. */
const SNIFF_BYTES = 256 * 1024;
/** RFC 5322 field-name (printable ASCII but ':'), obsolete whitespace before the colon allowed. */
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
/** Headers that say "this is a mail", as opposed to any `Key: value` text file. */
const MAIL_HEADERS = /^(from|to|cc|subject|date|message-id|in-reply-to|references|received|return-path|mime-version|content-type|content-transfer-encoding|delivered-to|sender|reply-to|x-[\w-]+|list-[\w-]+|arc-[\w-]+|dkim-signature|authentication-results)[ \t]*:/i;
/** Text parts that carry a patch when it is sent as an attachment rather than inline. */
const PATCH_TYPES = /^(text\/x-patch|text\/x-diff|text\/x-diff-patch|application\/x-patch|application\/x-diff)$/i;

/**
 * Parses one message. Throws MailError only when the input is not a mail; missing headers, unknown
 * charsets, truncation and the like end up in `warnings`.
 */
export async function parseMessage(raw: Uint8Array | string, source: { file?: string; index: number } = { index: 0 }): Promise<MailMessage> {
  const input = stripEnvelope(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  const warnings: string[] = [];
  // Blank lines before the header would make all of it body; some archive exports have them.
  let skip = 0;
  while (input[skip] === 0x0a || input[skip] === 0x0d) skip++;
  if (skip > 0 && skip < input.length) warnings.push('blank lines before the header: skipped');
  const bytes = skip > 0 && skip < input.length ? input.subarray(skip) : input;
  const head = bytes.subarray(0, SNIFF_BYTES).toString('latin1');
  checkIsMail(bytes, head, source);

  if (bytes.indexOf('\n\n') < 0 && bytes.indexOf('\r\n\r\n') < 0) warnings.push('no blank line after the header: the message is truncated or has no body');
  warnings.push(...charsetWarnings(bytes.toString('latin1')));
  warnings.push(...truncatedMultipart(head, bytes));

  let email: Email;
  try {
    email = await PostalMime.parse(bytes);
  } catch (e) {
    // postal-mime refuses some inputs (header size, nesting limits); the text is still worth reading.
    warnings.push(`the MIME parser failed (${e instanceof Error ? e.message : String(e)}): read as plain text`);
    email = plainFallback(bytes);
  }
  return toMessage(email, bytes, warnings, source);
}

/** A leading mbox `From ` envelope line (git format-patch writes one) is not a header. */
function stripEnvelope(bytes: Buffer): Buffer {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3; // UTF-8 BOM
  if (bytes.subarray(start, start + 5).toString('latin1') === 'From ') {
    const nl = bytes.indexOf(0x0a, start);
    start = nl < 0 ? bytes.length : nl + 1;
  }
  return start === 0 ? bytes : bytes.subarray(start);
}

function checkIsMail(bytes: Buffer, head: string, source: { file?: string; index: number }): void {
  // Counted from 1, as a reader counts the messages of a file.
  const where = source.file !== undefined ? ` (${source.file}, message ${source.index + 1})` : '';
  if (bytes.length === 0 || head.trim() === '') throw new MailError(`empty input${where}: no mail header`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new MailError(`gzip-compressed data${where}, not a mail: decompress it first`);
  const end = head.search(/\r?\n\r?\n/);
  const lines = (end < 0 ? head : head.slice(0, end)).split(/\r?\n/);
  const first = lines[0] ?? '';
  if (!HEADER_LINE.test(first)) {
    throw new MailError(`not a mail${where}: the first line is not a header ("${printable(first)}")`);
  }
  if (!lines.some((l) => MAIL_HEADERS.test(l))) {
    throw new MailError(`not a mail${where}: no mail header (From, Subject, Date, Message-ID, ...) before the first blank line`);
  }
}

function printable(s: string): string {
  const t = s.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
  return s.length > 60 ? `${t}...` : t;
}

/** postal-mime silently decodes an unknown charset as windows-1252; the reader should know. */
function charsetWarnings(text: string): string[] {
  const out = new Set<string>();
  const re = /^content-type:[^\n]*(?:\n[ \t][^\n]*)*/gim;
  for (const m of text.matchAll(re)) {
    const cs = /charset\s*=\s*"?([^";\s]+)/i.exec(m[0]);
    if (cs && !knownCharset(cs[1])) out.add(`unknown charset "${cs[1]}": decoded as windows-1252`);
  }
  return [...out];
}

function knownCharset(label: string): boolean {
  for (const l of [label, label.replace(/^(?:x-ms-|x-|cs)/i, ''), label.replace(/^(?:x-ms-|x-|cs)/i, '').replace(/[\s._-]+/g, '')]) {
    try {
      new TextDecoder(l);
      return true;
    } catch {
      // try the next spelling
    }
  }
  return false;
}

/** A multipart message cut short has no closing boundary; its last part may be incomplete. */
function truncatedMultipart(head: string, bytes: Buffer): string[] {
  const end = head.search(/\r?\n\r?\n/);
  const header = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const ct = /^content-type:[ \t]*multipart\/[^\n]*/im.exec(header);
  if (!ct) return [];
  const b = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(ct[0]);
  const boundary = b?.[1] ?? b?.[2];
  if (!boundary) return ['multipart message without a boundary'];
  return bytes.includes(`--${boundary}--`, 0, 'latin1') ? [] : ['multipart message without its closing boundary: truncated?'];
}

/** Header / body split by hand, for when postal-mime refuses the input. */
function plainFallback(bytes: Buffer): Email {
  const text = decodeText(bytes);
  const sep = /\r?\n\r?\n/.exec(text);
  const headerText = sep ? text.slice(0, sep.index) : text;
  const body = sep ? text.slice(sep.index + sep[0].length) : '';
  const headers = headerText.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/).map((line) => {
    const i = line.indexOf(':');
    return { key: line.slice(0, Math.max(i, 0)).trim().toLowerCase(), originalKey: line.slice(0, Math.max(i, 0)).trim(), value: line.slice(i + 1).trim() };
  }).filter((h) => h.key !== '');
  const get = (k: string): string | undefined => headers.find((h) => h.key === k)?.value;
  const addresses = (k: string): Address[] | undefined => {
    const v = get(k);
    return v === undefined ? undefined : addressParser(v);
  };
  const date = get('date');
  const parsed = date === undefined ? undefined : new Date(date);
  return {
    headers, headerLines: [], attachments: [], text: body,
    subject: get('subject'), messageId: get('message-id'), inReplyTo: get('in-reply-to'), references: get('references'),
    from: addresses('from')?.[0], to: addresses('to'), cc: addresses('cc'),
    date: parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : date,
  };
}

function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function toMessage(email: Email, bytes: Buffer, warnings: string[], source: { file?: string; index: number }): MailMessage {
  let messageId = firstId(email.messageId);
  if (messageId === undefined) {
    messageId = `kpsim-${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}@local`;
    warnings.push(`no Message-ID header: using ${messageId}`);
  }
  const fromList = flatten(email.from ? [email.from] : []);
  const from = fromList[0] ?? { name: '', address: '' };
  if (!email.from) warnings.push('no From header');
  else if (fromList.length === 0) warnings.push('the From header names no address');
  if (email.subject === undefined) warnings.push('no Subject header');
  let date: string | undefined;
  if (email.date === undefined) warnings.push('no Date header');
  else {
    const t = Date.parse(email.date);
    if (Number.isNaN(t)) warnings.push(`unreadable Date header "${printable(email.date)}"`);
    else date = new Date(t).toISOString();
  }

  let body = email.text ?? '';
  if (email.text === undefined && email.html !== undefined) warnings.push('no text/plain part (HTML only): the body is empty');
  for (const a of email.attachments) {
    const name = a.filename ?? '';
    if (!PATCH_TYPES.test(a.mimeType) && !/\.(patch|diff)$/i.test(name)) continue;
    // Some people attach the patch instead of inlining it; review needs it in the body all the same.
    const text = typeof a.content === 'string' ? a.content : decodeText(a.content instanceof Uint8Array ? a.content : new Uint8Array(a.content));
    body += (body === '' || body.endsWith('\n') ? '' : '\n') + text;
    warnings.push(`patch read from the attachment ${name ? `"${name}"` : `(${a.mimeType})`}`);
  }

  return {
    messageId,
    inReplyTo: firstId(email.inReplyTo),
    references: allIds(email.references),
    subject: email.subject ?? '',
    from,
    to: flatten(email.to ?? []),
    cc: flatten(email.cc ?? []),
    date,
    body: body.replace(/\r\n?/g, '\n'),
    warnings,
    source: { ...source },
  };
}

function flatten(list: Address[]): MailAddress[] {
  const out: MailAddress[] = [];
  for (const a of list) {
    if (a.group) for (const m of a.group) out.push({ name: m.name, address: m.address });
    else if (a.address || a.name) out.push({ name: a.name, address: a.address });
  }
  return out;
}

/** The ids of a header, without angle brackets; bare tokens when nobody used brackets. */
function allIds(value: string | undefined): string[] {
  if (value === undefined) return [];
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]);
  if (bracketed.length > 0) return bracketed;
  // Comments like "(Name's message of ...)" are not ids.
  return value.replace(/\([^)]*\)/g, ' ').split(/[\s,]+/).map((s) => s.replace(/^<|>$/g, '')).filter((s) => s !== '');
}

function firstId(value: string | undefined): string | undefined {
  return allIds(value)[0];
}
