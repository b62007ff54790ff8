/**
 * Places reviewers' replies on the patch lines they quote, the way kernel reviewers write them:
 * quoted diff lines ('> ', '>', '> > >', '>>>'), trimmed with [...] / <snip>, then the remark as
 * unquoted text. Pure: no I/O, no vscode.
 */
import type { FilePatch, MailAddress, MailMessage, Patch, PlacedComment } from './types';

export interface UnplacedRemark {
  messageId: string;
  author: MailAddress;
  text: string;
  /** Why it is not on a line: the UI shows it on the patch as a whole. */
  reason: string;
}

export interface PlacedReplies {
  placed: PlacedComment[];
  unplaced: UnplacedRemark[];
}

export function placeReplies(patch: Patch, replies: MailMessage[]): PlacedReplies {
  const index = indexPatch(patch.diff.files);
  const out: PlacedReplies = { placed: [], unplaced: [] };
  for (const reply of replies) {
    // The patch itself is not a reply to itself.
    if (reply.messageId === patch.message.messageId) continue;
    placeOne(index, reply, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The patch, as targets to match quoted lines against.

interface Target {
  file: number;
  hunk: number;
  path: string;
  oldStart: number;
  newStart: number;
  keys: string[];
  /** The lines as written (trailing blanks aside), to prefer over whitespace-blind matches. */
  exact: string[];
  keySet: Set<string>;
  /** Markers of the hunk lines, for the side. */
  markers: string[];
  /** Global ordinal of line 0 over the whole patch, for proximity. */
  base: number;
}

interface PatchIndex {
  files: FilePatch[];
  targets: Target[];
  byFile: Map<number, Target[]>;
  total: number;
}

function indexPatch(files: FilePatch[]): PatchIndex {
  const targets: Target[] = [];
  const byFile = new Map<number, Target[]>();
  let base = 0;
  files.forEach((f, fi) => {
    const list: Target[] = [];
    f.hunks.forEach((h, hi) => {
      const markers = h.lines.map((l) => (l.length ? l[0] : ' '));
      const keys = h.lines.map((l) => lineKey(l.length ? l[0] : ' ', l.slice(1)));
      const exact = h.lines.map((l) => exactKey(l.length ? l[0] : ' ', l.slice(1)));
      const t: Target = { file: fi, hunk: hi, path: f.path, oldStart: h.oldStart, newStart: h.newStart, keys, exact, keySet: new Set(keys), markers, base };
      base += h.lines.length + 1;
      list.push(t);
      targets.push(t);
    });
    byFile.set(fi, list);
  });
  return { files, targets, byFile, total: base };
}

/** Whitespace-insensitive: mail clients turn tabs into spaces and drop trailing blanks. */
function lineKey(marker: string, content: string): string {
  return marker + content.replace(/\s+/g, ' ').trim();
}

function exactKey(marker: string, content: string): string {
  return marker + content.replace(/\s+$/, '');
}

function fileMatches(f: FilePatch, path: string): boolean {
  return f.path === path || f.oldPath === path || f.newPath === path;
}

// ---------------------------------------------------------------------------------------------
// Reading a reply's body.

type Kind =
  | { k: 'blank' }
  | { k: 'snip' }
  | { k: 'file'; path?: string }
  | { k: 'meta' }
  | { k: 'hunk'; oldStart: number; newStart: number }
  | { k: 'diff'; marker: string; content: string }
  | { k: 'text' };

const QUOTE = /^>(?:[ \t]?>)*/;
const SNIP = /^\s*(?:\[\s*(?:\.{2,}|…|snip(?:ped)?|trim(?:med)?|cut)[^\]]*\]|<\s*(?:snip(?:ped)?|\.{2,}|…)[^>]*>|\.{3,}|…|-+\s*snip\s*-+|8<-*)\s*$/i;
const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;
const META = /^(?:index [0-9a-f]+\.\.[0-9a-f]+|new file mode |deleted file mode |old mode |new mode |similarity index |dissimilarity index |rename (?:from|to) |copy (?:from|to) |Binary files )/;
const DIFFSTAT = /^ \S.*\|\s+(?:\d+ ?[+-]*|Bin\b.*)$|^ \d+ files? changed\b/;

function classify(content: string): Kind {
  if (/^\s*$/.test(content)) {
    // ' ' alone is git's empty context line when the quoting kept it; '' is a paragraph break.
    return content === ' ' ? { k: 'diff', marker: ' ', content: '' } : { k: 'blank' };
  }
  if (SNIP.test(content)) return { k: 'snip' };
  let m = /^diff --git (\S+) (\S+)\s*$/.exec(content);
  if (m) return { k: 'file', path: stripPrefix(m[2]) };
  if (content.startsWith('diff --git ')) return { k: 'file' };
  m = /^(?:---|\+\+\+) (\S+)/.exec(content);
  if (m && (m[1] === '/dev/null' || /^[ab]\//.test(m[1]))) return { k: 'file', path: m[1] === '/dev/null' ? undefined : stripPrefix(m[1]) };
  m = HUNK.exec(content);
  if (m) return { k: 'hunk', oldStart: Number(m[1]), newStart: Number(m[2]) };
  if (META.test(content)) return { k: 'meta' };
  // The commit message separator and a quoted signature are not removals.
  if (/^---\s*$/.test(content) || /^-- ?$/.test(content)) return { k: 'text' };
  if (DIFFSTAT.test(content)) return { k: 'text' };
  if (/^[+\- \\]/.test(content)) return { k: 'diff', marker: content[0], content: content.slice(1) };
  // Kernel code is indented with tabs, prose never: a context line whose space the quoting ate.
  if (content.startsWith('\t')) return { k: 'diff', marker: ' ', content };
  return { k: 'text' };
}

function stripPrefix(p: string): string {
  return /^[abciwo12]\//.test(p) ? p.slice(2) : p;
}

interface BodyLine {
  depth: number;
  /** After the quote markers, before the separating space. */
  rest: string;
  raw: string;
}

function readLines(body: string): BodyLine[] {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const out: BodyLine[] = [];
  for (const raw of lines) {
    const m = QUOTE.exec(raw);
    if (!m) {
      // The signature: nothing below it is a remark.
      if (raw === '-- ' || raw === '--') break;
      out.push({ depth: 0, rest: raw, raw });
      continue;
    }
    const depth = (m[0].match(/>/g) ?? []).length;
    out.push({ depth, rest: raw.slice(m[0].length), raw });
  }
  return out;
}

/**
 * Whether the quoting at each depth puts a space after the last '>'. Clients that quote with a
 * bare '>' turn a context line ' x' into '> x', which reads as text when a space is expected.
 */
function spaceStyles(lines: BodyLine[]): Map<number, boolean> {
  const votes = new Map<number, { bare: number; spaced: number }>();
  for (const l of lines) {
    if (l.depth === 0) continue;
    const v = votes.get(l.depth) ?? { bare: 0, spaced: 0 };
    if (/^(?:[+-]|@@ |diff --git )/.test(l.rest)) v.bare++;
    else if (/^ (?:[+-]|@@ |diff --git | )/.test(l.rest)) v.spaced++;
    votes.set(l.depth, v);
  }
  const spaced = new Map<number, boolean>();
  for (const [d, v] of votes) spaced.set(d, !(v.bare > v.spaced));
  return spaced;
}

// ---------------------------------------------------------------------------------------------
// Remarks: the unquoted text, without attribution, snips, greetings, closings and bare trailers.

/** "X wrote:", "X <x@y> writes:", "Am <date> schrieb X:", "Quoting X (<date>):". */
const WROTE = /(?:\b(?:wrote|writes|said)\s*:|(?:\bschrieb|a écrit|escribió|ha scritto|\bskrev|napisał|kirjoitti|написал)[^:]*:)\s*$|^Quoting\s.*:\s*$/i;
const ATTR_START = /^(?:On|Am|Le|El|Il|Em|Op|Dnia|Quoting|At)\s/;
const GREETING = /^(?:hi|hello|hey|dear|hallo|ahoj|moin|howdy)\b.{0,40}$/i;
const CLOSING = /^(?:many |best |kind |warm )?(?:thanks|thank you|thx|cheers|regards|best|br|ciao|greetings|sincerely)(?: again| a lot| in advance)?[\s,.!~-]*$/i;
const TRAILER = /^(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*-by|Fixes|Link|Closes|Cc):\s+\S/i;

/** The remark in an unquoted run; '' when it held only an attribution, a [...], a greeting, trailers. */
function remarkOf(lines: string[], beforeQuote: boolean, atStart: boolean, author: MailAddress): string {
  let ls = lines.map((l) => l.replace(/\s+$/, ''));
  // The attribution closing the run that precedes a quote, possibly wrapped over two lines.
  if (beforeQuote) {
    let last = ls.length - 1;
    while (last >= 0 && ls[last] === '') last--;
    if (last >= 0 && WROTE.test(ls[last])) {
      let from = last;
      if (!ATTR_START.test(ls[last]) && last > 0 && ls[last - 1] !== '' && ATTR_START.test(ls[last - 1])) from = last - 1;
      ls = ls.slice(0, from);
    }
  }
  // An attribution written as its own line anywhere ("On <date>, X wrote:" then a remark), or
  // opening the mail.
  ls = ls.filter((l) => !(ATTR_START.test(l) && WROTE.test(l)));
  if (atStart) {
    const first = ls.findIndex((l) => l.trim() !== '');
    if (first >= 0 && WROTE.test(ls[first])) ls.splice(first, 1);
  }
  ls = ls.filter((l) => !SNIP.test(l));
  const paras = paragraphs(ls);
  if ((atStart || paras.length > 1) && paras.length && paras[0].length === 1 && GREETING.test(paras[0][0])) paras.shift();
  // Closing: "Thanks,\nJohn" or "Thanks,\n\nJohn".
  if (paras.length >= 2 && isName(paras[paras.length - 1]) && isClosing(paras[paras.length - 2])) paras.splice(-2, 2);
  else if (paras.length && isClosing(paras[paras.length - 1])) paras.pop();
  // A bare sign-off: the author's own name (or part of it) alone on the last line.
  else if (paras.length >= 2 && isSignOff(paras[paras.length - 1], author)) paras.pop();
  const nonBlank = paras.flat();
  if (!nonBlank.length || nonBlank.every((l) => TRAILER.test(l.trim()))) return '';
  return paras.map((p) => p.join('\n')).join('\n\n');
}

function paragraphs(ls: string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const l of ls) {
    if (l.trim() === '') {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(l);
  }
  if (cur.length) out.push(cur);
  return out;
}

function isClosing(p: string[]): boolean {
  return p.length <= 3 && CLOSING.test(p[0].trim()) && p.slice(1).every((l) => l.length <= 40 && !/[;{}()=]/.test(l));
}

function isSignOff(p: string[], author: MailAddress): boolean {
  if (p.length !== 1 || p[0].trim().length > 40) return false;
  const first = /^[\p{L}'-]+/u.exec(p[0].trim())?.[0].toLowerCase();
  if (!first) return false;
  const names = [...author.name.toLowerCase().split(/[\s,."]+/), author.address.split('@')[0].toLowerCase()];
  return names.includes(first);
}

function isName(p: string[]): boolean {
  return p.length === 1 && /^[\p{L} .'/-]{1,40}$/u.test(p[0].trim());
}

// ---------------------------------------------------------------------------------------------
// Matching a run of quoted diff lines to a hunk.

interface Item {
  key: string;
  exact: string;
  /** A blank quoted line: git's empty context line or a paragraph break. */
  optional: boolean;
  /** A [...] (or an unquoted gap) came before it: skipped hunk lines cost nothing there. */
  snipBefore: boolean;
  raw: string;
}

interface Anchor {
  target: Target;
  line: number;
  g: number;
}

interface Alignment {
  mat: number;
  /** Score, higher is better: `hi` = matched lines, then those matched as written (indentation
   * and all); `lo` = minus hunk lines skipped inside, then matched blank lines, then minus the
   * distance from the previous match. Packed in two numbers so the DP allocates nothing. */
  hi: number;
  lo: number;
  /** Index in items of the last matched non-optional item and its hunk line. */
  lastItem: number;
  lastLine: number;
}

/** Runs longer than this keep their end: the remark anchors on the last lines. */
const MAX_ITEMS = 300;
// Field weights of the packed scores; exact integers below 2^53 for hunks < 2^19 lines,
// patches < 2^22 lines, runs <= MAX_ITEMS.
const MAT = 1024;
const GAP = 2 ** 33;
const OPT = 2 ** 23;

function greater(ahi: number, alo: number, bhi: number, blo: number): boolean {
  return ahi > bhi || (ahi === bhi && alo > blo);
}

/**
 * Best subsequence alignment of items in the hunk: most lines matched, then most matched exactly,
 * then fewest hunk lines skipped between matches (free after a [...]), then most blank lines
 * matched, then nearest after the previous match. Backward DP over (phase, item, line); phases:
 * 0 not started, 1 inside, 2 inside after a cut.
 */
function align(items: Item[], t: Target, prevG: number, total: number): Alignment | undefined {
  const m = items.length;
  const n = t.keys.length;
  if (!m || !n || n >= 2 ** 19) return undefined;
  const W = n + 1;
  // Rows i+1 (next) and i (cur): per phase, hi and lo.
  const mk = (): Float64Array[] => [0, 1, 2, 3, 4, 5].map(() => new Float64Array(W));
  let next = mk();
  let cur = mk();
  const choice = new Uint8Array(3 * (m + 1) * W);
  const at = (p: number, i: number, j: number): number => (p * (m + 1) + i) * W + j;
  const prox = (j: number): number => {
    const g = t.base + j;
    const d = prevG < 0 ? g : g > prevG ? g - prevG - 1 : prevG - g + total;
    return Math.min(d, OPT - 1);
  };
  for (let i = m; i >= 0; i--) {
    for (const a of cur) a.fill(0);
    if (i < m) {
      const it = items[i];
      const cutNext = i + 1 < m && items[i + 1].snipBefore;
      const afterMatch = cutNext ? 2 : 1;
      for (let j = n - 1; j >= 0; j--) {
        const matches = t.keys[j] === it.key;
        const mhi = it.optional ? 0 : MAT + (t.exact[j] === it.exact ? 1 : 0);
        const mlo = it.optional ? OPT : 0;
        for (let p = 0; p < 3; p++) {
          // End here (or, before starting, match nothing): zero.
          let hi = 0;
          let lo = 0;
          let how = 0;
          // Skip the item.
          const sp = p === 0 ? 0 : p === 2 || cutNext ? 2 : 1;
          if (greater(next[2 * sp][j], next[2 * sp + 1][j], hi, lo)) { hi = next[2 * sp][j]; lo = next[2 * sp + 1][j]; how = 1; }
          // Skip the hunk line.
          const h2 = cur[2 * p][j + 1];
          const l2 = cur[2 * p + 1][j + 1] - (p === 1 ? GAP : 0);
          if (greater(h2, l2, hi, lo)) { hi = h2; lo = l2; how = 2; }
          // Match.
          if (matches) {
            const h3 = next[2 * afterMatch][j + 1] + mhi;
            const l3 = next[2 * afterMatch + 1][j + 1] + mlo - (p === 0 ? prox(j) : 0);
            if (greater(h3, l3, hi, lo)) { hi = h3; lo = l3; how = 3; }
          }
          cur[2 * p][j] = hi;
          cur[2 * p + 1][j] = lo;
          choice[at(p, i, j)] = how;
        }
      }
    }
    [next, cur] = [cur, next];
  }
  // Walk the choices forward from the start to find the last matched line.
  let p = 0;
  let i = 0;
  let j = 0;
  let lastItem = -1;
  let lastLine = -1;
  while (i < m && j < n) {
    const how = choice[at(p, i, j)];
    if (how === 0) break;
    const cutNext = i + 1 < m && items[i + 1].snipBefore;
    if (how === 1) {
      p = p === 0 ? 0 : p === 2 || cutNext ? 2 : 1;
      i++;
    } else if (how === 2) j++;
    else {
      if (!items[i].optional) { lastItem = i; lastLine = j; }
      p = cutNext ? 2 : 1;
      i++;
      j++;
    }
  }
  const hi = next[0][0];
  const mat = Math.floor(hi / MAT);
  if (mat < 1 || lastItem < 0) return undefined;
  return { mat, hi, lo: next[1][0], lastItem, lastLine };
}

interface RunMatch {
  anchor?: Anchor;
  /** Lines matched in the hunk chosen first. */
  mat: number;
}

function matchItems(ix: PatchIndex, items: Item[], file: number | undefined, hint: Target | undefined, prevG: number, depthLeft: number): RunMatch {
  const keys = new Set(items.filter((x) => !x.optional).map((x) => x.key));
  if (!keys.size) return { mat: 0 };
  const search = (cands: Target[]): { t: Target; a: Alignment } | undefined => {
    let best: { t: Target; a: Alignment } | undefined;
    for (const t of cands) {
      let shares = false;
      for (const k of keys) if (t.keySet.has(k)) { shares = true; break; }
      if (!shares) continue;
      const a = align(items, t, prevG, ix.total);
      if (!a) continue;
      if (!best || betterHunk(a, t === hint, best.a, best.t === hint)) best = { t, a };
    }
    return best;
  };
  let best = file !== undefined ? search(ix.byFile.get(file) ?? []) : undefined;
  // A wrong or stale file header should not lose the remark: look everywhere.
  best ??= search(ix.targets);
  if (!best) return { mat: 0 };
  const anchor: Anchor = { target: best.t, line: best.a.lastLine, g: best.t.base + best.a.lastLine };
  // Lines after the last match that this hunk lacks: the reviewer cut the next @@ header.
  const tail = items.slice(best.a.lastItem + 1);
  const tailReal = tail.filter((x) => !x.optional).length;
  if (tailReal && depthLeft > 0) {
    const more = matchItems(ix, tail, file, undefined, anchor.g, depthLeft - 1);
    // Half the rest must be found there: one stray line matching anywhere is no evidence.
    if (more.anchor && more.anchor.g !== anchor.g && more.mat >= Math.ceil(tailReal / 2)) return { anchor: more.anchor, mat: best.a.mat };
  }
  return { anchor, mat: best.a.mat };
}

function betterHunk(a: Alignment, aHint: boolean, b: Alignment, bHint: boolean): boolean {
  if (a.mat !== b.mat) return a.mat > b.mat;
  if (aHint !== bHint) return aHint;
  return greater(a.hi, a.lo, b.hi, b.lo);
}

// ---------------------------------------------------------------------------------------------
// Walking one reply.

type SegEvent =
  | { e: 'run'; depth: number; anchor?: Anchor; first: string }
  | { e: 'text'; depth: number }
  | { e: 'hunk'; depth: number; target?: Target }
  | { e: 'file'; depth: number; path?: string };

function placeOne(ix: PatchIndex, reply: MailMessage, out: PlacedReplies): void {
  const lines = readLines(reply.body);
  const spaced = spaceStyles(lines);
  let file: number | undefined;
  let hint: Target | undefined;
  let prevG = -1;
  let run: Item[] = [];
  let runDepth = -1;
  let pendingSnip = false;
  let prevWasDiff = false;
  let segment: SegEvent[] = [];
  let sawQuote = false;

  const closeRun = (): void => {
    while (run.length && run[run.length - 1].optional) run.pop();
    if (run.some((x) => !x.optional)) {
      const items = run.length > MAX_ITEMS ? run.slice(-MAX_ITEMS) : run;
      const r = matchItems(ix, items, file, hint, prevG, 4);
      if (r.anchor) prevG = r.anchor.g;
      segment.push({ e: 'run', depth: runDepth, anchor: r.anchor, first: run.find((x) => !x.optional)?.raw ?? '' });
    }
    run = [];
    runDepth = -1;
    prevWasDiff = false;
  };

  const remark = (text: string): void => {
    closeRun();
    const where = anchorOf(segment, sawQuote);
    const common = { author: reply.from, text };
    if ('anchor' in where) {
      const t = where.anchor.target;
      const c: PlacedComment = {
        path: t.path, hunk: t.hunk, line: where.anchor.line,
        side: t.markers[where.anchor.line] === '-' ? 'old' : 'new',
        ...common, messageId: reply.messageId,
      };
      if (reply.date !== undefined) c.date = reply.date;
      out.placed.push(c);
    } else out.unplaced.push({ messageId: reply.messageId, ...common, reason: where.reason });
    segment = [];
  };

  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (l.depth === 0) {
      const start = i;
      while (i < lines.length && lines[i].depth === 0) i++;
      const text = remarkOf(lines.slice(start, i).map((x) => x.raw), i < lines.length, start === 0, reply.from);
      if (text) remark(text);
      else {
        // An unquoted [...] or blank between quotes: a cut, the quote goes on.
        pendingSnip = true;
        prevWasDiff = false;
      }
      continue;
    }
    i++;
    sawQuote = true;
    const content = spaced.get(l.depth) !== false && l.rest.startsWith(' ') ? l.rest.slice(1) : l.rest;
    const k = classify(content);
    switch (k.k) {
      case 'blank':
        if (run.length && l.depth === runDepth) run.push({ key: lineKey(' ', ''), exact: ' ', optional: true, snipBefore: pendingSnip, raw: content });
        prevWasDiff = false;
        break;
      case 'snip':
        pendingSnip = true;
        prevWasDiff = false;
        break;
      case 'file': {
        closeRun();
        if (k.path !== undefined) {
          const fi = ix.files.findIndex((f) => fileMatches(f, k.path as string));
          file = fi >= 0 ? fi : undefined;
          hint = undefined;
        }
        segment.push({ e: 'file', depth: l.depth, path: k.path });
        break;
      }
      case 'meta':
        closeRun();
        break;
      case 'hunk': {
        closeRun();
        const pool = file !== undefined ? (ix.byFile.get(file) ?? []) : ix.targets;
        const same = pool.filter((t) => t.oldStart === k.oldStart && t.newStart === k.newStart);
        hint = same.length === 1 ? same[0] : undefined;
        segment.push({ e: 'hunk', depth: l.depth, target: hint });
        pendingSnip = false;
        break;
      }
      case 'diff':
        if (run.length && l.depth !== runDepth) closeRun();
        if (!run.length) runDepth = l.depth;
        run.push({ key: lineKey(k.marker, k.content), exact: exactKey(k.marker, k.content), optional: false, snipBefore: pendingSnip && run.length > 0, raw: content });
        pendingSnip = false;
        prevWasDiff = true;
        break;
      case 'text':
        // A long diff line the mail client wrapped: the tail has no diff marker.
        if (prevWasDiff && l.depth === runDepth) break;
        closeRun();
        segment.push({ e: 'text', depth: l.depth });
        break;
    }
  }
  closeRun();
}

function anchorOf(segment: SegEvent[], sawQuote: boolean): { anchor: Anchor } | { reason: string } {
  if (!segment.length) {
    return { reason: sawQuote ? 'follows another remark, not a quoted line of the patch' : 'not after any quoted line of the patch' };
  }
  // Text at the depth of a quoted diff (or deeper) after it is the commit message or a quoted
  // signature; shallower text is an earlier reviewer's words about the diff above it.
  let textDepthAfter = -1;
  for (let i = segment.length - 1; i >= 0; i--) {
    const ev = segment[i];
    if (ev.e === 'text') {
      textDepthAfter = Math.max(textDepthAfter, ev.depth);
      continue;
    }
    if (ev.e === 'run') {
      if (!ev.anchor) {
        // An earlier reviewer's "- item" list at a shallower depth than the patch they quoted.
        const deeper = segment.slice(0, i).some((x) => x.e === 'run' && x.anchor && x.depth > ev.depth);
        if (deeper) continue;
        if (textDepthAfter >= ev.depth) return { reason: 'follows quoted text, not diff lines (commit message or an earlier reply)' };
        return { reason: `the quoted lines are not in this patch: "${ev.first.trim().slice(0, 80)}"` };
      }
      if (textDepthAfter >= ev.depth) return { reason: 'follows quoted text, not diff lines (commit message or an earlier reply)' };
      return { anchor: ev.anchor };
    }
    if (ev.e === 'hunk') {
      if (ev.target && textDepthAfter < ev.depth) return { anchor: { target: ev.target, line: 0, g: ev.target.base } };
      if (textDepthAfter < ev.depth) return { reason: 'follows a quoted @@ line of no hunk of this patch' };
      continue;
    }
    // A file header alone.
    if (textDepthAfter < ev.depth) return { reason: ev.path ? `on ${ev.path} as a whole` : 'follows a quoted file header' };
  }
  return { reason: 'follows quoted text, not diff lines (commit message or an earlier reply)' };
}
