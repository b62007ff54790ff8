/**
 * The reviewer's comments on a patch as a reply mail, written the way kernel reviewers write
 * them: only the commented hunks quoted with '> ', trimmed with [...], the remark below the line it
 * is about, trailers at the end. Threaded (In-Reply-To, References) so that b4, lore and mail
 * clients file it under the patch. Pure: no I/O, no vscode.
 *
 * Line ends are '\n': the result is saved as an .eml file, which mail clients, `git am`, b4 and
 * `git send-email` read with either ending (they normalise to CRLF themselves when sending, as
 * SMTP needs); a '\n' file also stays readable and diffable in the editor.
 */
import { randomBytes } from 'node:crypto';
import { encodeWord, encodeWords, foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import type { FilePatch, Hunk, MailAddress, Patch, PlacedComment } from './types';

export interface ReplyInput {
  patch: Patch;
  /** The user's comments; ones that point at no line of the patch join the general remark. */
  comments: PlacedComment[];
  /** A remark on the whole patch. */
  general?: string;
  /** Whole lines, e.g. 'Reviewed-by: Name <addr>'. */
  trailers?: string[];
  from: MailAddress;
  date?: Date;
  /** With or without angle brackets; generated when missing. */
  messageId?: string;
  /** Hunk lines quoted above a commented line at most (default 6); the rest becomes [...]. */
  context?: number;
}

const WRAP = 72;
const DEFAULT_CONTEXT = 6;

export function composeReply(input: ReplyInput): string {
  const { patch, from } = input;
  const msg = patch.message;
  const date = input.date ?? new Date();
  const ownId = input.messageId ? bare(input.messageId) : `${date.getTime()}.${randomBytes(6).toString('hex')}@kpsim.local`;

  const sender = from.address.toLowerCase();
  const author = msg.from.address.toLowerCase();
  const seen = new Set<string>([sender, author]);
  const cc: MailAddress[] = [];
  for (const a of [...msg.to, ...msg.cc]) {
    const key = a.address.trim().toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    cc.push(a);
  }
  const references = unique([...msg.references.map(bare), bare(msg.messageId)]);

  const body = composeBody(input);
  // RFC 5322 caps a line at 998 octets; only then is 8bit not enough.
  const long = body.split('\n').some((l) => Buffer.byteLength(l, 'utf8') > 998);
  const encodedBody = long ? qpWrap(qpEncode(body), 76).replace(/\r\n/g, '\n') : body;

  const headers: [string, string][] = [
    ['From', formatAddress(from)],
    ['To', formatAddress(msg.from)],
  ];
  if (cc.length) headers.push(['Cc', cc.map(formatAddress).join(', ')]);
  headers.push(
    ['Subject', encodeWords(oneLine(replySubject(msg.subject)), 'Q', 52)],
    ['Date', rfc2822Date(date)],
    ['Message-ID', `<${ownId}>`],
    ['In-Reply-To', `<${bare(msg.messageId)}>`],
    ['References', references.map((r) => `<${r}>`).join(' ')],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', long ? 'quoted-printable' : '8bit'],
  );
  const head = headers.map(([k, v]) => foldLines(`${k}: ${v}`, 76).replace(/\r\n/g, '\n')).join('\n');
  return `${head}\n\n${encodedBody}`;
}

/** `Re: <subject>` once, whatever reply prefixes the original already had. */
export function replySubject(subject: string): string {
  let s = subject.trim();
  const prefix = /^(?:re|aw|sv|antw)(?:\[\d+\])?\s*:\s*/i;
  while (prefix.test(s)) s = s.replace(prefix, '');
  return `Re: ${s}`;
}

/** A file name for the reply: `re-v1-04-12-mm-rmap-implement-make-device-exclusive....eml`, ≤ 100 chars. */
export function replyFileName(patch: Patch): string {
  const s = patch.subject;
  const parts = ['re', `v${s.version}`];
  if (s.index !== undefined) {
    const width = Math.max(2, String(s.total ?? s.index).length);
    parts.push(String(s.index).padStart(width, '0'));
    if (s.total !== undefined) parts.push(String(s.total).padStart(width, '0'));
  }
  const prefix = parts.join('-');
  const title = s.title || patch.message.subject;
  let slug = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const room = 100 - prefix.length - 1 - '.eml'.length;
  slug = slug.slice(0, room).replace(/-+$/, '') || 'patch';
  return `${prefix}-${slug}.eml`;
}

// ---------------------------------------------------------------------------------------------

function composeBody(input: ReplyInput): string {
  const { patch } = input;
  const context = Math.max(0, input.context ?? DEFAULT_CONTEXT);
  const out: string[] = [attribution(patch)];

  // Group the comments by file and hunk; the ones pointing nowhere become general remarks.
  const orphans: string[] = [];
  const byFile = new Map<number, Map<number, PlacedComment[]>>();
  for (const c of input.comments) {
    const fi = patch.diff.files.findIndex((f) => f.path === c.path);
    const h = fi >= 0 ? patch.diff.files[fi].hunks[c.hunk] : undefined;
    if (!h || !Number.isInteger(c.line) || c.line < 0 || c.line >= h.lines.length) {
      if (c.text.trim()) orphans.push(`${c.path}: ${c.text.trim()}`);
      continue;
    }
    const hunks = byFile.get(fi) ?? new Map<number, PlacedComment[]>();
    const list = hunks.get(c.hunk) ?? [];
    list.push(c);
    hunks.set(c.hunk, list);
    byFile.set(fi, hunks);
  }
  const general = [input.general?.trim() ?? '', ...orphans].filter((t) => t !== '').join('\n\n');

  // Above a general remark (or a bare tag), the start of the commit message, as reviewers do.
  if (general || !byFile.size) {
    const para = firstParagraph(patch.description);
    if (para.length) out.push(...para.map(quote));
    out.push('');
    if (general) out.push(...wrapText(general), '');
  }

  for (const fi of [...byFile.keys()].sort((a, b) => a - b)) {
    const file = patch.diff.files[fi];
    out.push(...fileHeader(file).map(quote));
    const hunks = byFile.get(fi) ?? new Map<number, PlacedComment[]>();
    for (const hi of [...hunks.keys()].sort((a, b) => a - b)) {
      const h = file.hunks[hi];
      out.push(quote(hunkHeader(h)));
      const comments = (hunks.get(hi) ?? []).slice().sort((a, b) => a.line - b.line);
      let cursor = 0;
      for (let k = 0; k < comments.length;) {
        const line = comments[k].line;
        const here: PlacedComment[] = [];
        while (k < comments.length && comments[k].line === line) here.push(comments[k++]);
        let start = Math.max(cursor, line - context);
        // Quote more when the lines kept also appear earlier in the hunk: a reader (and
        // placeReplies) takes the first place they fit after what was quoted before.
        while (start > cursor && occursEarlier(h.lines, start, line, cursor)) start--;
        if (start > cursor) out.push('> [...]');
        for (let i = start; i <= line; i++) out.push(i === line ? quoteAnchor(h.lines[i]) : quote(h.lines[i]));
        cursor = line + 1;
        out.push('');
        const texts = here.map((c) => c.text.trim()).filter((t) => t !== '');
        out.push(...wrapText(texts.join('\n\n')), '');
      }
    }
  }

  const trailers = (input.trailers ?? []).map(oneLine).filter((t) => t !== '');
  while (out.length && out[out.length - 1] === '') out.pop();
  if (trailers.length) out.push('', ...trailers);
  return out.join('\n') + '\n';
}

/** Whether lines[start..end] also appear, as written, starting somewhere in [from, start). */
function occursEarlier(lines: string[], start: number, end: number, from: number): boolean {
  const t = (l: string): string => l.replace(/\s+$/, '');
  const len = end - start + 1;
  for (let s = from; s < start; s++) {
    let k = 0;
    while (k < len && t(lines[s + k]) === t(lines[start + k])) k++;
    if (k === len) return true;
  }
  return false;
}

function attribution(patch: Patch): string {
  const a = patch.message.from;
  const who = oneLine(a.name.trim() || a.address);
  const t = patch.message.date ? Date.parse(patch.message.date) : NaN;
  return Number.isNaN(t) ? `${who} wrote:` : `On ${rfc2822Date(new Date(t))}, ${who} wrote:`;
}

function firstParagraph(description: string): string[] {
  const lines = description.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  const para: string[] = [];
  while (i < lines.length && lines[i].trim() !== '' && para.length < 6) para.push(lines[i++]);
  return para;
}

function fileHeader(f: FilePatch): string[] {
  const oldPath = f.oldPath ?? f.path;
  const newPath = f.newPath ?? f.path;
  return [
    `diff --git a/${oldPath} b/${newPath}`,
    f.change === 'add' ? '--- /dev/null' : `--- a/${oldPath}`,
    f.change === 'delete' ? '+++ /dev/null' : `+++ b/${newPath}`,
  ];
}

function hunkHeader(h: Hunk): string {
  // git leaves out a count of 1.
  const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);
  return `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@${h.section ? ' ' + h.section : ''}`;
}

function quote(line: string): string {
  return /^\s*$/.test(line) ? '>' : `> ${line}`.replace(/\s+$/, '');
}

/** The commented line: an empty context line keeps its space, so it still reads as one. */
function quoteAnchor(line: string): string {
  return /^\s*$/.test(line) ? '>  ' : quote(line);
}

/** Prose wrapped at 72 columns; code, quotes, lists of tags and URLs left as typed. */
function wrapText(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    // A line of "-- " would start a signature: everything after it would be cut by readers.
    const line = raw.replace(/\s+$/, '') === '--' ? '--' : raw.replace(/\s+$/, '');
    if (line.length <= WRAP || looksLikeCode(line)) {
      out.push(line);
      continue;
    }
    let cur = '';
    for (const word of line.split(/ +/)) {
      if (cur && cur.length + 1 + word.length > WRAP) {
        out.push(cur);
        cur = word;
      } else cur = cur ? `${cur} ${word}` : word;
    }
    if (cur) out.push(cur);
  }
  return out;
}

function looksLikeCode(line: string): boolean {
  return /^\s/.test(line) || /^[>|+\-#*]/.test(line) || /^\/[/*]/.test(line) || /[;{}]\s*$/.test(line)
    || (/^[A-Za-z-]+: \S/.test(line) && /<[^>]+@[^>]+>/.test(line)) || !/ /.test(line.trim());
}

function formatAddress(a: MailAddress): string {
  const name = oneLine(a.name).trim();
  const address = oneLine(a.address).trim();
  if (!name) return address;
  let phrase: string;
  // As nodemailer's own MIME writer does: plain words as they are, other ASCII quoted, the rest RFC 2047.
  if (/^[\w ]*$/.test(name)) phrase = name;
  else if (/^[\x20-\x7e]*$/.test(name)) phrase = quoteString(name);
  else phrase = encodeWord(name, 'Q', 52);
  return `${phrase} <${address}>`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Wed, 29 Jan 2025 11:54:01 +0000`: UTC, so the file does not depend on the machine's zone. */
export function rfc2822Date(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} `
    + `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function bare(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}

/** Header values must not carry line breaks (nor let one inject a header). */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))];
}
