/**
 * Applying diffs in memory, the way GNU patch does: each hunk where its header says (moved by the
 * offset the hunks before it landed at), else the nearest exact match, else with fuzz (ignoring up
 * to N context lines at each end). Every hunk reports where it landed so review comments and
 * function lookups can follow it. Nothing is ever half applied: a file with a failed hunk has no
 * post image, and a patch with a failed file changes no text.
 */
import * as fs from 'fs';
import * as nodePath from 'path';
import { checkPath } from './diff';
import type { FilePatch, FileResult, Hunk, HunkResult, ParsedDiff, PatchResult, TreeReader } from './types';

export interface ApplyOptions {
  /** Context lines allowed to differ at each end of a hunk (GNU patch's --fuzz); default 2. */
  fuzz?: number;
  /** Farthest a hunk may move from where it says it goes, in lines; default: the whole file. */
  maxOffset?: number;
}

export interface TreeApplyOptions extends ApplyOptions {
  /**
   * Files the tree lacks do not fail the patch: for trees holding only some of the kernel's files
   * (test data, sparse checkouts). Their results still say 'missing'.
   */
  missingOk?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Texts as lines.

interface Doc {
  lines: string[];
  /** The last line has no line end. */
  noEol: boolean;
  eol: '\n' | '\r\n';
}

function toDoc(text: string): Doc {
  if (text === '') return { lines: [], noEol: false, eol: '\n' };
  // A file whose every line ends in CRLF keeps its CRLFs; the diff's lines (CRLF-free once parsed)
  // are compared without them.
  const eol = text.includes('\r\n') && !/(^|[^\r])\n/.test(text) ? '\r\n' : '\n';
  const lines = text.split(eol);
  let noEol = true;
  if (lines[lines.length - 1] === '') {
    lines.pop();
    noEol = false;
  }
  return { lines, noEol, eol };
}

function fromDoc(d: Doc): string {
  if (!d.lines.length) return '';
  return d.lines.join(d.eol) + (d.noEol ? '' : d.eol);
}

/** A hunk's two sides, and how much context it has at each end. */
interface Sides {
  old: string[];
  new: string[];
  oldNoEol: boolean;
  newNoEol: boolean;
  lead: number;
  trail: number;
}

function sides(h: Hunk): Sides {
  const s: Sides = { old: [], new: [], oldNoEol: false, newNoEol: false, lead: 0, trail: 0 };
  let prev = '';
  let seenChange = false;
  let trail = 0;
  for (const line of h.lines) {
    const mark = line[0] ?? ' ';
    const body = line.slice(1);
    if (mark === '\\') {
      if (prev === '-' || prev === ' ') s.oldNoEol = true;
      if (prev === '+' || prev === ' ') s.newNoEol = true;
      continue;
    }
    if (mark === ' ') {
      s.old.push(body);
      s.new.push(body);
      if (!seenChange) s.lead++;
      trail++;
    } else if (mark === '-' || mark === '+') {
      (mark === '-' ? s.old : s.new).push(body);
      seenChange = true;
      trail = 0;
    } else continue;
    prev = mark;
  }
  s.trail = seenChange ? trail : 0;
  return s;
}

function headerOf(h: Hunk): string {
  // jsdiff stores the start of an empty side one past the header's number.
  const o = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
  const n = h.newLines === 0 ? h.newStart - 1 : h.newStart;
  return `@@ -${o},${h.oldLines} +${n},${h.newLines} @@`;
}

function show(s: string | undefined, max = 72): string {
  if (s === undefined) return '(end of file)';
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return `\`${t}\``;
}

// ---------------------------------------------------------------------------------------------
// Matching one hunk.

interface Match {
  /** 0-based index in the pre image of the first compared line. */
  at: number;
  /** Context lines ignored at the start and the end. */
  pf: number;
  sf: number;
  fuzz: number;
}

function matchesAt(d: Doc, s: Sides, at: number, pf: number, sf: number): boolean {
  const len = s.old.length - pf - sf;
  if (at < 0 || at + len > d.lines.length) return false;
  for (let k = 0; k < len; k++) if (d.lines[at + k] !== s.old[pf + k]) return false;
  // The end of the file: the hunk's last old line must agree on having a line end.
  if (sf === 0 && len > 0 && at + len === d.lines.length && d.noEol !== s.oldNoEol) return false;
  if (sf === 0 && s.oldNoEol && at + len !== d.lines.length) return false;
  return true;
}

/** Searches outward from `expected` (forward first, like GNU patch) within [lo, hi]. */
function search(d: Doc, s: Sides, expected: number, lo: number, pf: number, sf: number, maxOffset: number): number | undefined {
  const hi = d.lines.length - (s.old.length - pf - sf);
  if (hi < lo) return undefined;
  for (let off = 0; off <= maxOffset; off++) {
    const fwd = expected + off;
    const back = expected - off;
    if (fwd > hi && back < lo) break;
    if (fwd >= lo && fwd <= hi && matchesAt(d, s, fwd, pf, sf)) return fwd;
    if (off && back >= lo && back <= hi && matchesAt(d, s, back, pf, sf)) return back;
  }
  return undefined;
}

function locate(d: Doc, s: Sides, stated: number, lo: number, fuzz: number, maxOffset: number): Match | undefined {
  const tried = new Set<string>();
  for (let f = 0; f <= fuzz; f++) {
    const pf = Math.min(f, s.lead);
    const sf = Math.min(f, s.trail);
    const key = `${pf}/${sf}`;
    if (tried.has(key)) continue;
    tried.add(key);
    const at = search(d, s, stated + pf, lo, pf, sf, maxOffset);
    if (at !== undefined) return { at, pf, sf, fuzz: f };
  }
  return undefined;
}

/** Why a hunk does not apply: the first line that differs where it should go, and the closest place. */
function whyNot(d: Doc, s: Sides, stated: number, lo: number): string {
  const n = d.lines.length;
  const len = s.old.length;
  const parts: string[] = [];
  if (len > n) parts.push(`the file has ${n} lines, the hunk needs ${len}`);
  else {
    const at = Math.min(Math.max(stated, 0), n - len);
    let first = -1;
    for (let k = 0; k < len; k++) {
      if (d.lines[at + k] !== s.old[k]) {
        first = k;
        break;
      }
    }
    if (first >= 0) parts.push(`line ${at + first + 1} is ${show(d.lines[at + first])} where the hunk expects ${show(s.old[first])}`);
    else if (at < lo) parts.push(`its lines are at ${at + 1}, inside the hunk before it`);
    else parts.push(`line ${at + len} and the hunk disagree on the missing newline at the end of the file`);
    // The closest candidate: most old lines equal; a window keeps huge files cheap.
    const span = Math.max(0, Math.floor(4_000_000 / Math.max(len, 1)));
    const from = Math.max(0, at - span);
    const to = Math.min(n - len, at + span);
    let best = -1;
    let bestCount = 0;
    for (let p = from; p <= to; p++) {
      let c = 0;
      for (let k = 0; k < len; k++) if (d.lines[p + k] === s.old[k]) c++;
      if (c > bestCount || (c === bestCount && best >= 0 && Math.abs(p - at) < Math.abs(best - at))) {
        best = p;
        bestCount = c;
      }
    }
    if (best >= 0 && bestCount > 0 && len > 0) {
      let diff = -1;
      for (let k = 0; k < len; k++) {
        if (d.lines[best + k] !== s.old[k]) {
          diff = k;
          break;
        }
      }
      const where = `lines ${best + 1}-${best + len} (${bestCount} of ${len} lines match`;
      parts.push(diff >= 0
        ? `closest: ${where}; line ${best + diff + 1} is ${show(d.lines[best + diff])}, the hunk expects ${show(s.old[diff])})`
        : `closest: ${where})`);
    } else if (len > 0) parts.push('no line of it is found in the file');
  }
  // What GNU patch calls "reversed (or previously applied)": the post side is already there.
  const post: Sides = { ...s, old: s.new, oldNoEol: s.newNoEol };
  if (s.new.length > 0 && s.new.join('\n') !== s.old.join('\n')) {
    const at = search(d, post, Math.max(0, stated), 0, 0, 0, Number.POSITIVE_INFINITY);
    if (at !== undefined) parts.push(`its new lines are already at lines ${at + 1}-${at + s.new.length}: applied already?`);
  }
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// A file.

interface Applied {
  results: HunkResult[];
  doc?: Doc;
}

function applyHunks(before: Doc, hunks: readonly Hunk[], opts: ApplyOptions): Applied {
  const fuzz = Math.max(0, Math.floor(opts.fuzz ?? 2));
  const maxOffset = opts.maxOffset === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(opts.maxOffset));
  const results: HunkResult[] = [];
  const pieces: { at: number; len: number; lines: string[]; noEolAtEnd?: boolean }[] = [];
  let lo = 0;
  /** Where the previous hunk landed relative to its header, as GNU patch carries it on. */
  let lastOffset = 0;
  /** Lines the applied hunks added minus those they removed. */
  let delta = 0;
  let failed = false;
  hunks.forEach((h, index) => {
    const s = sides(h);
    const stated = h.oldStart - 1;
    const m = locate(before, s, stated + lastOffset, lo, fuzz, maxOffset);
    if (!m) {
      failed = true;
      results.push({ hunk: index, applied: false, offset: 0, fuzz: 0, reason: `hunk #${index + 1} ${headerOf(h)} does not apply: ${whyNot(before, s, stated + lastOffset, lo)}` });
      return;
    }
    const len = s.old.length - m.pf - m.sf;
    const first = m.at - m.pf;
    const offset = first - stated;
    const oldLine = first + 1;
    results.push({ hunk: index, applied: true, offset, fuzz: m.fuzz, oldLine, newLine: oldLine + delta });
    const replacement = s.new.slice(m.pf, s.new.length - m.sf);
    pieces.push({ at: m.at, len, lines: replacement, noEolAtEnd: m.sf === 0 && m.at + len === before.lines.length ? s.newNoEol : undefined });
    delta += replacement.length - len;
    lastOffset = offset;
    lo = m.at + len;
  });
  if (failed) return { results };
  const out: string[] = [];
  let pos = 0;
  let noEol = before.noEol;
  for (const p of pieces) {
    for (let k = pos; k < p.at; k++) out.push(before.lines[k]);
    for (const l of p.lines) out.push(l);
    pos = p.at + p.len;
    if (p.noEolAtEnd !== undefined) noEol = p.noEolAtEnd;
  }
  for (let k = pos; k < before.lines.length; k++) out.push(before.lines[k]);
  return { results, doc: { lines: out, noEol: out.length ? noEol : false, eol: before.eol } };
}

function notTried(fp: FilePatch, reason: string): HunkResult[] {
  return fp.hunks.map((_, hunk) => ({ hunk, applied: false, offset: 0, fuzz: 0, reason }));
}

function summary(fp: FilePatch, results: HunkResult[]): string {
  const bad = results.filter((r) => !r.applied);
  return `${bad.length} of ${fp.hunks.length} hunks do not apply to ${fp.path}; first: ${bad[0]?.reason ?? '?'}`;
}

/**
 * Applies one file's hunks to its text in the tree (undefined when the tree lacks it). Any failed
 * hunk fails the file (no `after`), but every hunk's result is reported.
 */
export function applyFilePatch(text: string | undefined, fp: FilePatch, opts: ApplyOptions = {}): FileResult {
  const base = { path: fp.path, change: fp.change };
  if (fp.change === 'binary') {
    return { ...base, status: 'binary', reason: `binary diff for ${fp.path}: not applied (the mail carries no text hunks for it)`, hunks: [], before: text };
  }
  if (fp.change === 'add') {
    if (text !== undefined) return { ...base, status: 'failed', reason: `${fp.path} is new in the patch but already exists in the tree`, hunks: notTried(fp, 'the file already exists'), before: text };
  } else if (text === undefined) {
    const what = fp.change === 'rename' ? `${fp.oldPath ?? fp.path} (renamed to ${fp.path})` : fp.path;
    return { ...base, status: 'missing', reason: `${what} is not in the tree`, hunks: notTried(fp, 'the file is not in the tree') };
  }
  const before = toDoc(text ?? '');
  const { results, doc } = applyHunks(before, fp.hunks, opts);
  const fr: FileResult = { ...base, status: 'applied', hunks: results };
  if (text !== undefined) fr.before = text;
  if (fp.malformed?.length) {
    return { ...fr, status: 'failed', reason: `the diff of ${fp.path} has ${fp.malformed.length} unreadable hunk(s), so it is not applied: ${fp.malformed[0]}` };
  }
  if (!doc) return { ...fr, status: 'failed', reason: summary(fp, results) };
  if (fp.change === 'delete') {
    if (doc.lines.length) {
      return { ...fr, status: 'failed', reason: `${fp.path} is deleted by the patch but the tree's file has ${doc.lines.length} line(s) the patch does not remove` };
    }
    return fr;
  }
  fr.after = fromDoc(doc);
  return fr;
}

// ---------------------------------------------------------------------------------------------
// A patch, a series.

function refused(path: string, fp: FilePatch | undefined, reason: string): FileResult {
  return { path, change: fp?.change ?? 'modify', status: 'refused', reason, hunks: fp ? notTried(fp, 'refused') : [] };
}

/**
 * Applies every file of a diff on top of `base` (what earlier patches of a series changed; null =
 * deleted) and the tree. `texts` is base plus this patch's files when it applied, else base
 * unchanged. Problems of the diff that no listed file stands for (refused paths, hunks without a
 * file) are reported as refused files and fail the patch.
 */
export function applyPatchToTree(diff: ParsedDiff, tree: TreeReader, base?: ReadonlyMap<string, string | null>, opts: TreeApplyOptions = {}): { result: PatchResult; texts: Map<string, string | null> } {
  const work = new Map<string, string | null>(base ?? []);
  const files: FileResult[] = [];
  let ok = true;
  const read = (p: string): { text?: string; error?: string } => {
    if (work.has(p)) return { text: work.get(p) ?? undefined };
    try {
      return { text: tree.read(p) };
    } catch (e) {
      return { error: `cannot read ${p}: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
  for (const fp of diff.files) {
    const bad = [fp.path, fp.oldPath, fp.newPath].map((p) => (p === undefined ? undefined : { p, c: checkPath(p) })).find((x) => x && (!x.c.ok || x.c.path !== x.p));
    if (bad) {
      files.push(refused(fp.path, fp, `refused ${bad.p}: ${bad.c.ok ? 'the path is not in normal form' : bad.c.reason}`));
      ok = false;
      continue;
    }
    const source = fp.change === 'rename' ? (fp.oldPath ?? fp.path) : fp.path;
    const r = read(source);
    if (r.error) {
      files.push({ path: fp.path, change: fp.change, status: 'failed', reason: r.error, hunks: notTried(fp, r.error) });
      ok = false;
      continue;
    }
    let fr = applyFilePatch(r.text, fp, opts);
    if (fr.status === 'applied' && fp.change === 'rename' && source !== fp.path && read(fp.path).text !== undefined) {
      fr = { ...fr, status: 'failed', reason: `${source} is renamed to ${fp.path}, which already exists in the tree`, after: undefined };
    }
    files.push(fr);
    if (fr.status === 'applied') {
      if (fp.change === 'delete') work.set(fp.path, null);
      else {
        if (fp.change === 'rename' && source !== fp.path) work.set(source, null);
        work.set(fp.path, fr.after ?? '');
      }
    } else if (!(fr.status === 'missing' && opts.missingOk)) ok = false;
  }
  const listed = new Set(diff.files.flatMap((f) => [f.path, f.oldPath, f.newPath]).filter((p): p is string => p !== undefined));
  for (const p of diff.problems) {
    if (p.path !== undefined && listed.has(p.path)) continue;
    files.push(refused(p.path ?? '', undefined, p.message));
    ok = false;
  }
  const result: PatchResult = { ok, files };
  return { result, texts: ok ? work : new Map(base ?? []) };
}

/**
 * Applies patches in order, each on top of the ones before it. Stops at the first that does not
 * apply: `stoppedAt` is its 0-based index, and the later ones are reported as not tried.
 */
export function applySeries(diffs: readonly ParsedDiff[], tree: TreeReader, opts: TreeApplyOptions = {}): { results: PatchResult[]; texts: Map<string, string | null>; stoppedAt?: number } {
  const results: PatchResult[] = [];
  let texts = new Map<string, string | null>();
  let stoppedAt: number | undefined;
  diffs.forEach((d, i) => {
    if (stoppedAt !== undefined) {
      results.push({ ok: false, files: [], notTried: true, reason: `not tried: patch ${stoppedAt + 1} of the series, which it comes after, did not apply` });
      return;
    }
    const r = applyPatchToTree(d, tree, texts, opts);
    results.push(r.result);
    if (r.result.ok) texts = r.texts;
    else stoppedAt = i;
  });
  return stoppedAt === undefined ? { results, texts } : { results, texts, stoppedAt };
}

// ---------------------------------------------------------------------------------------------
// The tree on disk.

/**
 * Reads files under `root`, never outside it: paths are resolved against the root's real path and
 * must stay under it, and so must the file once symlinks are followed. Anything refused, absent or
 * not a regular file reads as undefined.
 */
export function fsTreeReader(root: string): TreeReader {
  let rootReal: string | undefined;
  const realRoot = (): string | undefined => {
    if (rootReal === undefined) {
      try {
        rootReal = fs.realpathSync(nodePath.resolve(root));
      } catch {
        return undefined;
      }
    }
    return rootReal;
  };
  const inside = (p: string, r: string): boolean => p.startsWith(r.endsWith(nodePath.sep) ? r : r + nodePath.sep);
  return {
    read(rel: string): string | undefined {
      if (typeof rel !== 'string' || rel === '' || rel.includes('\0') || nodePath.isAbsolute(rel)) return undefined;
      const r = realRoot();
      if (r === undefined) return undefined;
      const abs = nodePath.resolve(r, rel);
      if (!inside(abs, r)) return undefined;
      try {
        const real = fs.realpathSync(abs);
        if (!inside(real, r)) return undefined;
        if (!fs.statSync(real).isFile()) return undefined;
        return fs.readFileSync(real, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Lines of hunks in images.

/** What mapLine needs: where each hunk landed (a FileResult, or the HunkImages of hunkImages()). */
export interface PlacedHunks {
  hunks: readonly HunkResult[];
  before?: string;
  after?: string;
}

function lineCount(text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

/**
 * The 1-based line of line `lineInHunk` of hunk `hunkIndex` in the image it belongs to: the pre
 * image for '-' lines, the post image for ' ' and '+' lines, using where the hunk actually landed.
 * Undefined for hunks that did not apply, '\' marker lines, and lines outside the images (context
 * ignored by fuzz at a file's edge).
 */
export function mapLine(result: PlacedHunks, hunks: readonly Hunk[], hunkIndex: number, lineInHunk: number): { side: 'old' | 'new'; line: number } | undefined {
  const place = result.hunks.find((h) => h.hunk === hunkIndex);
  const h = hunks[hunkIndex];
  if (!place?.applied || place.oldLine === undefined || place.newLine === undefined || !h) return undefined;
  const target = h.lines[lineInHunk];
  if (target === undefined) return undefined;
  let o = 0;
  let n = 0;
  for (let i = 0; i < lineInHunk; i++) {
    const mark = h.lines[i][0] ?? ' ';
    if (mark === '-' || mark === ' ') o++;
    if (mark === '+' || mark === ' ') n++;
  }
  const mark = target[0] ?? ' ';
  let at: { side: 'old' | 'new'; line: number };
  if (mark === '-') at = { side: 'old', line: place.oldLine + o };
  else if (mark === ' ' || mark === '+') at = { side: 'new', line: place.newLine + n };
  else return undefined;
  if (at.line < 1) return undefined;
  const image = at.side === 'old' ? result.before : result.after;
  if (image !== undefined && at.line > lineCount(image)) return undefined;
  return at;
}

/** The line standing for lines of the file that are not in any hunk. */
export function separatorLine(count?: number): string {
  if (count === undefined || count <= 0) return '⋯ (lines not in the patch) ⋯';
  return `⋯ (${count} line${count === 1 ? '' : 's'} not in the patch) ⋯`;
}

/**
 * Pre and post images made from the hunks alone, for a file the tree lacks (or no tree): the old
 * (' ', '-') and new (' ', '+') lines of each hunk, in order, with a separatorLine() where the
 * headers say lines are skipped (before the first hunk when it starts past line 1, between hunks).
 * It is shaped for mapLine: `mapLine(images, fp.hunks, i, j)` gives the image line of a hunk line.
 */
export interface HunkImages extends PlacedHunks {
  before: string;
  after: string;
  /** Where each hunk sits in these images (oldLine/newLine, 1-based); every hunk counts as applied. */
  hunks: HunkResult[];
  /** The same, as pairs (by hunk index). */
  hunkLines: { oldLine: number; newLine: number }[];
  /** For each image line (index = line - 1), the line of the real file the hunk headers give; 0 for separators. */
  realLines: { old: number[]; new: number[] };
}

export function hunkImages(fp: FilePatch): HunkImages {
  const before: string[] = [];
  const after: string[] = [];
  const realOld: number[] = [];
  const realNew: number[] = [];
  const hunks: HunkResult[] = [];
  const hunkLines: { oldLine: number; newLine: number }[] = [];
  let nextOld = 1;
  let nextNew = 1;
  let oldNoEol = false;
  let newNoEol = false;
  fp.hunks.forEach((h, index) => {
    const gapOld = h.oldStart - nextOld;
    const gapNew = h.newStart - nextNew;
    const first = index === 0;
    // Hunks of an added file start at 1 on the new side and have no old side, and vice versa.
    if ((first && (gapOld > 0 || gapNew > 0)) || (!first && (gapOld !== 0 || gapNew !== 0))) {
      before.push(separatorLine(gapOld));
      after.push(separatorLine(gapNew));
      realOld.push(0);
      realNew.push(0);
    }
    const place = { oldLine: before.length + 1, newLine: after.length + 1 };
    hunkLines.push(place);
    hunks.push({ hunk: index, applied: true, offset: 0, fuzz: 0, ...place });
    const s = sides(h);
    let o = h.oldStart;
    let n = h.newStart;
    for (const line of h.lines) {
      const mark = line[0] ?? ' ';
      const body = line.slice(1);
      if (mark === '-' || mark === ' ') {
        before.push(body);
        realOld.push(o++);
      }
      if (mark === '+' || mark === ' ') {
        after.push(body);
        realNew.push(n++);
      }
    }
    nextOld = h.oldStart + h.oldLines;
    nextNew = h.newStart + h.newLines;
    oldNoEol = s.oldNoEol;
    newNoEol = s.newNoEol;
  });
  const join = (lines: string[], noEol: boolean): string => (lines.length ? lines.join('\n') + (noEol ? '' : '\n') : '');
  return { before: join(before, oldNoEol), after: join(after, newNoEol), hunks, hunkLines, realLines: { old: realOld, new: realNew } };
}
