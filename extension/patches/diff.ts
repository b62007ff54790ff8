/**
 * Diffs found in mail: the commit message split from the diff, and the diff read into files and
 * hunks. jsdiff's parsePatch reads each file header and hunk; around it this module finds where
 * files and hunks begin and end (mail bodies carry prose, diffstats and signatures jsdiff chokes
 * on), strips the a/ b/ or tree-name prefixes, and refuses paths that would leave the tree. It
 * never throws: whatever cannot be read becomes a problem, and the other files are kept.
 */
import { parsePatch, type StructuredPatch } from 'diff';
import type { FileChange, FilePatch, Hunk, ParsedDiff } from './types';

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;
/** git format-patch ends the mail with "-- \n2.48.1\n"; some mailers eat the space. */
const SIGNATURE = /^-- ?$/;
/** ` mm/rmap.c | 12 ++--` and ` 3 files changed, 10 insertions(+)` */
const DIFFSTAT = [/^\s*\S.*\s\|\s+(\d+\s*[+-]*|Bin\b.*)\s*$/, /^\s*\d+ files? changed\b/];

function normalize(text: string): string[] {
  // CRLF from mail transport or Windows editors; lone CRs inside lines are content.
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function isFileHeaderPair(lines: readonly string[], i: number): boolean {
  return lines[i].startsWith('--- ') && i + 1 < lines.length && lines[i + 1].startsWith('+++ ');
}

function isDiffStart(lines: readonly string[], i: number): boolean {
  return lines[i].startsWith('diff --git ') || isFileHeaderPair(lines, i);
}

function quote(s: string, max = 80): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return `\`${t}\``;
}

// ---------------------------------------------------------------------------------------------
// Scanning: where files and hunks are, counting hunk lines the way patch(1) does.

interface RawHunk {
  /** 0-based line of the @@ header in the scanned text. */
  at: number;
  header: string;
  lines: string[];
  /** Why the hunk cannot be trusted (counts do not match, garbage inside). */
  error?: string;
}

interface RawFile {
  at: number;
  git: boolean;
  /** diff --git, extended headers, --- and +++ (what jsdiff reads for names and flags). */
  header: string[];
  binary: boolean;
  hunks: RawHunk[];
}

interface Scan {
  files: RawFile[];
  /** Hunks before any file header, unreadable @@ lines. */
  stray: string[];
  /** First line after the diff (the signature), or the number of lines. */
  end: number;
}

/** Reads the hunk whose header is at line i; returns it and the line after it. */
function scanHunk(lines: readonly string[], i: number): { hunk: RawHunk; next: number } {
  const header = lines[i];
  const m = HUNK_HEADER.exec(header);
  if (!m) return { hunk: { at: i, header, lines: [], error: `unreadable hunk header ${quote(header)}` }, next: i + 1 };
  const wantOld = m[2] === undefined ? 1 : Number(m[2]);
  const wantNew = m[4] === undefined ? 1 : Number(m[4]);
  const body: string[] = [];
  let o = 0;
  let n = 0;
  let j = i + 1;
  let stop: string | undefined;
  for (; j < lines.length; j++) {
    const line = lines[j];
    if (o >= wantOld && n >= wantNew) {
      // "\ No newline at end of file" follows the last line it is about.
      if (line.startsWith('\\')) {
        body.push(line);
        continue;
      }
      break;
    }
    // A new file's header ends a hunk that is short of lines (a miscounted hunk, not content).
    if (line.startsWith('diff --git ') || (isFileHeaderPair(lines, j) && j + 2 < lines.length && lines[j + 2].startsWith('@@ '))) {
      stop = line;
      break;
    }
    // Mailers strip the space of empty context lines.
    const mark = line === '' ? ' ' : line[0];
    if (mark === ' ') {
      o++;
      n++;
    } else if (mark === '-') o++;
    else if (mark === '+') n++;
    else if (mark !== '\\') {
      stop = line;
      break;
    }
    body.push(line === '' ? ' ' : line);
  }
  const hunk: RawHunk = { at: i, header, lines: body };
  if (o !== wantOld || n !== wantNew) {
    const why = stop !== undefined ? `line ${j + 1} ${quote(stop)} is not a diff line` : j >= lines.length ? 'the text ends inside it' : 'its lines do not add up';
    hunk.error = `the header says ${wantOld} old and ${wantNew} new lines but the hunk has ${o} and ${n}: ${why}`;
  } else if (j < lines.length && /^[-+ ]/.test(lines[j]) && !SIGNATURE.test(lines[j]) && !isFileHeaderPair(lines, j)) {
    hunk.error = `line ${j + 1} ${quote(lines[j])} follows the hunk but its header counts ${wantOld} old and ${wantNew} new lines`;
  }
  return { hunk, next: j };
}

/** Finds the files and hunks of a diff starting at line `start`; stops at the mail signature. */
function scan(lines: readonly string[], start: number): Scan {
  const files: RawFile[] = [];
  const stray: string[] = [];
  let cur: RawFile | undefined;
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    if (line.startsWith('diff --git ')) {
      cur = { at: i, git: true, header: [line], binary: false, hunks: [] };
      files.push(cur);
      i++;
      // git's extended headers, up to the --- / +++ pair or the first hunk.
      while (i < lines.length && !lines[i].startsWith('diff --git ') && !lines[i].startsWith('@@ ') && !isFileHeaderPair(lines, i) && !SIGNATURE.test(lines[i])) {
        if (lines[i].startsWith('GIT binary patch') || /^Binary files .* differ$/.test(lines[i])) cur.binary = true;
        // The base85 payload of a binary patch is not header.
        if (!cur.binary || lines[i].startsWith('Binary files')) cur.header.push(lines[i]);
        i++;
      }
      // A binary file has no ---/+++ of its own: a pair after it starts the next file.
      if (!cur.binary && i < lines.length && isFileHeaderPair(lines, i)) {
        cur.header.push(lines[i], lines[i + 1]);
        i += 2;
      }
      continue;
    }
    if (isFileHeaderPair(lines, i)) {
      cur = { at: i, git: false, header: [line, lines[i + 1]], binary: false, hunks: [] };
      files.push(cur);
      i += 2;
      continue;
    }
    if (line.startsWith('@@')) {
      const { hunk, next } = scanHunk(lines, i);
      if (cur) cur.hunks.push(hunk);
      else stray.push(`a hunk with no file header at line ${i + 1}: ${quote(line)}`);
      i = Math.max(next, i + 1);
      continue;
    }
    if (SIGNATURE.test(line) && files.length) return { files, stray, end: i };
    // Anything else between hunks (prose, `Index:`, `diff -u` lines) is skipped like patch(1) does;
    // a stray hunk line is already reported by the hunk before it.
    i++;
  }
  return { files, stray, end: lines.length };
}

// ---------------------------------------------------------------------------------------------
// The commit message and the diff of a mail body.

/** First line of the diff (a `diff --git` or a `---`/`+++` pair), or -1. */
function diffStart(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) if (isDiffStart(lines, i)) return i;
  return -1;
}

function trimBlankLines(lines: string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a].trim() === '') a++;
  while (b > a && lines[b - 1].trim() === '') b--;
  return lines.slice(a, b).join('\n');
}

/** A body without a diff (a cover letter) loses its trailing `-- ` signature if it is short. */
function withoutSignature(lines: string[]): string[] {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!SIGNATURE.test(lines[i])) continue;
    return lines.slice(i + 1).filter((l) => l.trim() !== '').length <= 6 ? lines.slice(0, i) : lines;
  }
  return lines;
}

/**
 * Splits a patch mail's body: the commit message is above the first `---` line followed (before the
 * diff) by a diffstat or directly by the diff; the diff runs from its first header to the last hunk
 * (the `-- ` signature and git's version after it are dropped). A body without a diff is all
 * description.
 */
export function splitDescription(body: string): { description: string; diffText: string } {
  const lines = normalize(body);
  const start = diffStart(lines);
  if (start < 0) return { description: trimBlankLines(withoutSignature(lines)), diffText: '' };
  let cut = start;
  for (let i = 0; i < start; i++) {
    if (lines[i].trimEnd() !== '---') continue;
    const between = lines.slice(i + 1, start);
    if (between.every((l) => l.trim() === '') || between.some((l) => DIFFSTAT.some((r) => r.test(l)))) {
      cut = i;
      break;
    }
  }
  const { end } = scan(lines, start);
  const diff = lines.slice(start, end);
  return { description: trimBlankLines(lines.slice(0, cut)), diffText: diff.length ? `${diff.join('\n')}\n` : '' };
}

// ---------------------------------------------------------------------------------------------
// Paths.

/**
 * Checks a tree-relative path: refused when it is empty, absolute, has a `..` component, a drive
 * letter, a backslash, control characters or a `.git` component (a patch must not reach outside the
 * tree or into git's own files). Returns the path with `.` and empty components removed.
 */
export function checkPath(p: string): { ok: true; path: string } | { ok: false; reason: string } {
  if (p === '') return { ok: false, reason: 'the path is empty' };
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(p)) return { ok: false, reason: 'the path has control characters' };
  if (p.includes('\\')) return { ok: false, reason: 'the path has a backslash' };
  if (p.startsWith('/')) return { ok: false, reason: 'the path is absolute' };
  if (/^[A-Za-z]:/.test(p)) return { ok: false, reason: 'the path has a drive letter' };
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) return { ok: false, reason: 'the path leaves the tree (`..`)' };
  if (parts.some((c) => c.toLowerCase() === '.git')) return { ok: false, reason: 'the path is inside .git' };
  if (!parts.length) return { ok: false, reason: 'the path names no file' };
  return { ok: true, path: parts.join('/') };
}

/** A plain `---`/`+++` name without what some tools put after it with a space instead of a tab. */
function cleanName(name: string, raw: string | undefined, git: boolean): string {
  // git's names are exact (it quotes what needs it); so are quoted names.
  if (git || raw?.trimStart().startsWith('"')) return name;
  let s = name.trim();
  // `a/mm/rmap.c (v6.12.107)`: a label of the tree the file came from.
  s = s.replace(/\s+\([^()/]*\)$/, '');
  // `mm/rmap.c  2025-01-29 12:00:00.000000000 +0100` with spaces.
  s = s.replace(/\s+\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(\s*[+-]\d{4})?$/, '');
  return s;
}

const DEV_NULL = '/dev/null';

function firstComponent(p: string): { first: string; rest: string } | undefined {
  const k = p.indexOf('/');
  return k > 0 ? { first: p.slice(0, k), rest: p.slice(k + 1) } : undefined;
}

/**
 * How many leading components a file's names carry that are not part of the tree (patch -p).
 * git: 1 for its one-letter prefixes (a/ b/, or i/ w/ c/ o/ with diff.mnemonicPrefix), 0 with
 * --no-prefix (a rename across directories must keep its directories). Plain diffs: 1 when the
 * first components differ but the rest is the same path (`v6.12.107/mm/rmap.c` vs
 * `v6.18.15/mm/rmap.c`), or they are a/ b/.
 */
function stripFromPair(oldName: string, newName: string, git: boolean): 0 | 1 {
  const a = firstComponent(oldName);
  const b = firstComponent(newName);
  if (!a || !b || a.first === b.first) return 0;
  if (a.first === 'a' && b.first === 'b') return 1;
  if (git) return /^[a-z]$/.test(a.first) && /^[a-z]$/.test(b.first) ? 1 : 0;
  return a.rest === b.rest ? 1 : 0;
}

function stripOne(p: string): string {
  const k = p.indexOf('/');
  return k > 0 ? p.slice(k + 1) : p;
}

// ---------------------------------------------------------------------------------------------
// Parsing.

interface Named {
  file: RawFile;
  parsed: StructuredPatch | undefined;
  oldName?: string;
  newName?: string;
}

function headerOf(raw: RawFile): { parsed?: StructuredPatch; error?: string } {
  try {
    const list = parsePatch(`${raw.header.join('\n')}\n`);
    return { parsed: list[0] };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function toHunk(raw: RawHunk): { hunk?: Hunk; error?: string } {
  if (raw.error) return { error: raw.error };
  try {
    const list = parsePatch(`${raw.header}\n${raw.lines.join('\n')}\n`);
    const h = list[0]?.hunks[0];
    if (!h) return { error: 'the diff package found no hunk in it' };
    const m = HUNK_HEADER.exec(raw.header);
    return {
      hunk: {
        oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines,
        section: (m?.[5] ?? '').trim(),
        lines: h.lines.map((l) => (l === '' ? ' ' : l)),
      },
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Reads a diff (git or plain unified, possibly a whole mail body) into files and hunks. Never
 * throws: refused paths, binary diffs, unreadable hunks and stray text become `problems`; a file
 * with an unreadable hunk is kept with its readable hunks and `malformed` set, so it is listed but
 * never applied.
 */
export function parseDiff(text: string): ParsedDiff {
  const out: ParsedDiff = { files: [], problems: [] };
  try {
    parseInto(text, out);
  } catch (e) {
    // Nothing above should throw; if it does, the reader still gets an answer.
    out.problems.push({ message: `the diff could not be read: ${e instanceof Error ? e.message : String(e)}` });
  }
  return out;
}

function parseInto(text: string, out: ParsedDiff): void {
  const lines = normalize(text);
  const start = diffStart(lines);
  if (start < 0) {
    if (lines.some((l) => HUNK_HEADER.test(l))) out.problems.push({ message: 'hunks with no file header (no `diff --git` or `---`/`+++` lines)' });
    return;
  }
  // Hunks above the first file header have nothing to apply to.
  for (let i = 0; i < start; i++) if (HUNK_HEADER.test(lines[i])) out.problems.push({ message: `a hunk with no file header at line ${i + 1}: ${quote(lines[i])}` });
  const s = scan(lines, start);
  for (const m of s.stray) out.problems.push({ message: m });

  const named: Named[] = s.files.map((file) => {
    const { parsed, error } = headerOf(file);
    if (error) out.problems.push({ message: `unreadable file header at line ${file.at + 1}: ${error}` });
    const rawOld = file.header.find((l) => l.startsWith('--- '))?.slice(4);
    const rawNew = file.header.find((l) => l.startsWith('+++ '))?.slice(4);
    const oldName = parsed?.oldFileName === undefined ? undefined : cleanName(parsed.oldFileName, rawOld, file.git);
    const newName = parsed?.newFileName === undefined ? undefined : cleanName(parsed.newFileName, rawNew, file.git);
    return { file, parsed, oldName, newName };
  });

  // The prefix a plain diff's names carry, learnt from files that name both sides, for the files
  // (new or deleted) that name only one.
  let plainStrip: 0 | 1 | undefined;
  for (const n of named) {
    if (n.file.git || !n.oldName || !n.newName || n.oldName === DEV_NULL || n.newName === DEV_NULL) continue;
    plainStrip = stripFromPair(n.oldName, n.newName, false);
    break;
  }

  for (const n of named) {
    const fp = toFilePatch(n, plainStrip, out);
    if (fp) out.files.push(fp);
  }
}

function toFilePatch(n: Named, plainStrip: 0 | 1 | undefined, out: ParsedDiff): FilePatch | undefined {
  const { file, parsed } = n;
  const where = `line ${file.at + 1}`;
  if (!parsed || (n.oldName === undefined && n.newName === undefined)) {
    out.problems.push({ message: `a file at ${where} names no file: ${quote(file.header[0])}` });
    return undefined;
  }
  const oldName = n.oldName ?? n.newName!;
  const newName = n.newName ?? n.oldName!;
  const isAdd = oldName === DEV_NULL || parsed.isCreate === true;
  const isDelete = newName === DEV_NULL || parsed.isDelete === true;
  if (oldName === DEV_NULL && newName === DEV_NULL) {
    out.problems.push({ message: `a file at ${where} is /dev/null on both sides` });
    return undefined;
  }

  // Strip the prefixes: git's a/ and b/ (or whatever differs), a plain diff's tree names.
  let strip: 0 | 1;
  if (oldName !== DEV_NULL && newName !== DEV_NULL) strip = stripFromPair(oldName, newName, file.git);
  else {
    const only = oldName === DEV_NULL ? newName : oldName;
    const gitPrefix = oldName === DEV_NULL ? 'b/' : 'a/';
    if (file.git || plainStrip === undefined) strip = only.startsWith(gitPrefix) || only.startsWith('a/') || only.startsWith('b/') ? 1 : 0;
    else strip = plainStrip;
  }
  const tidy = (p: string): string => (p === DEV_NULL ? p : strip ? stripOne(p) : p);
  const oldRel = tidy(oldName);
  const newRel = tidy(newName);

  for (const p of new Set([oldRel, newRel])) {
    if (p === DEV_NULL) continue;
    const c = checkPath(p);
    if (!c.ok) {
      out.problems.push({ path: p, message: `refused ${quote(p)}: ${c.reason}; the file is not applied` });
      return undefined;
    }
  }
  const oldPath = oldRel === DEV_NULL ? undefined : (checkPath(oldRel) as { path: string }).path;
  const newPath = newRel === DEV_NULL ? undefined : (checkPath(newRel) as { path: string }).path;

  if (parsed.isCopy) {
    out.problems.push({ path: newPath, message: `copy of ${oldPath ?? '?'} to ${newPath ?? '?'}: copies are not supported; the file is not applied` });
    return undefined;
  }

  let change: FileChange;
  let path: string;
  if (file.binary || parsed.isBinary) change = 'binary';
  else if (isAdd) change = 'add';
  else if (isDelete) change = 'delete';
  else if (oldPath !== newPath && (file.git || parsed.isRename)) change = 'rename';
  else change = 'modify';
  if (change === 'add') path = newPath!;
  else if (change === 'delete') path = oldPath!;
  else if (change === 'rename') path = newPath!;
  else if (oldPath === undefined || newPath === undefined || oldPath === newPath) path = (newPath ?? oldPath)!;
  else path = plainChoice(oldPath, newPath);

  const fp: FilePatch = { path, change, hunks: [] };
  if (oldPath !== undefined) fp.oldPath = oldPath;
  if (newPath !== undefined) fp.newPath = newPath;

  if (change === 'binary') {
    out.problems.push({ path, message: `binary diff for ${path}: not applied` });
    return fp;
  }
  const malformed: string[] = [];
  file.hunks.forEach((raw, k) => {
    const r = toHunk(raw);
    if (r.hunk) fp.hunks.push(r.hunk);
    else {
      const msg = `hunk #${k + 1} ${quote(raw.header, 60)} of ${path} (line ${raw.at + 1}) is malformed: ${r.error ?? 'unreadable'}`;
      malformed.push(msg);
      out.problems.push({ path, message: msg });
    }
  });
  // A ---/+++ pair with no hunk after it: a truncated mail, not an empty change.
  if (!file.hunks.length && file.header.some((l) => l.startsWith('+++ '))) {
    const msg = `the diff names ${path} but has no hunk for it (truncated?)`;
    malformed.push(msg);
    out.problems.push({ path, message: msg });
  }
  if (malformed.length) fp.malformed = malformed;
  return fp;
}

/**
 * A plain diff naming two different files for a change (`rmap.c.orig` → `rmap.c`): patch(1) takes
 * the one that exists; without the tree, the one with the fewest components, then the shortest
 * base name, then the shortest.
 */
function plainChoice(a: string, b: string): string {
  const key = (p: string): [number, number, number] => [p.split('/').length, p.slice(p.lastIndexOf('/') + 1).length, p.length];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? a : b;
  return b;
}
