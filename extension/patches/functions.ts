/**
 * Which functions a hunk touches, found by tree-sitter in the pre and post images (so a hunk that
 * adds, removes or renames a function is seen on the side where it exists). Without images (a file
 * the tree lacks) the hunk's own lines are parsed, and git's `@@ ... @@ section` is the last resort.
 */
import { listFunctions } from '../parsing/functionIndex';
import type { ParserService } from '../parsing/parserService';
import type { FileResult, FilePatch, Hunk } from './types';

export interface HunkFunctions {
  hunk: number;
  /** Functions containing a removed line (pre image) or the place lines were inserted. */
  before: string[];
  /** Functions containing an added line (post image). */
  after: string[];
  /** How they were found: 'images' (the applied file), 'hunk' (its own lines), 'section' (git's header). */
  via: 'images' | 'hunk' | 'section';
}

interface Span { name: string; startLine: number; endLine: number }

function spans(parser: ParserService, key: string, text: string): Span[] {
  return parser.withTree(key, text, (root) => listFunctions(root).map((f) => ({ name: f.name, startLine: f.startLine, endLine: f.endLine })));
}

function containing(fns: readonly Span[], lines: readonly number[]): string[] {
  const out: string[] = [];
  for (const f of fns) {
    if (lines.some((l) => l >= f.startLine && l <= f.endLine) && !out.includes(f.name)) out.push(f.name);
  }
  return out;
}

/**
 * Lines a hunk changes, numbered from where its first line sits on each side. A pure insertion
 * counts the old line it goes after, so adding lines inside a function touches it "before" too.
 */
export function changedLines(h: Hunk, oldFirst: number, newFirst: number): { old: number[]; new: number[] } {
  const old: number[] = [];
  const added: number[] = [];
  let o = oldFirst;
  let n = newFirst;
  for (const l of h.lines) {
    const mark = l[0];
    if (mark === '-') old.push(o++);
    else if (mark === '+') {
      added.push(n++);
      if (o > oldFirst && !old.includes(o - 1)) old.push(o - 1);
    } else if (mark === ' ') {
      o++;
      n++;
    }
  }
  return { old, new: added };
}

/** `static int foo(struct bar *b)` in git's section header → `foo`. */
export function sectionFunction(section: string): string | undefined {
  const m = /([A-Za-z_]\w*)\s*\([^()]*$|([A-Za-z_]\w*)\s*\(/.exec(section);
  return m ? (m[1] ?? m[2]) : undefined;
}

const isC = (p: string): boolean => /\.[ch]$/.test(p);

/** Functions touched by each hunk of one file of a patch. */
export function functionsTouched(parser: ParserService, fp: FilePatch, applied?: FileResult): HunkFunctions[] {
  if (!isC(fp.path)) return fp.hunks.map((_, i) => ({ hunk: i, before: [], after: [], via: 'section' }));
  const pre = applied?.before !== undefined ? spans(parser, `patch-pre:${fp.path}`, applied.before) : undefined;
  const post = applied?.after !== undefined ? spans(parser, `patch-post:${fp.path}`, applied.after) : undefined;
  return fp.hunks.map((h, i): HunkFunctions => {
    const r = applied?.hunks.find((x) => x.hunk === i);
    if (r?.applied && r.oldLine !== undefined && r.newLine !== undefined && (pre || post)) {
      const lines = changedLines(h, r.oldLine, r.newLine);
      return { hunk: i, before: pre ? containing(pre, lines.old) : [], after: post ? containing(post, lines.new) : [], via: 'images' };
    }
    const fromHunk = hunkOwnFunctions(parser, fp.path, i, h);
    if (fromHunk.before.length || fromHunk.after.length) return { hunk: i, ...fromHunk, via: 'hunk' };
    const s = sectionFunction(h.section);
    return { hunk: i, before: s ? [s] : [], after: s ? [s] : [], via: 'section' };
  });
}

/** Parses the hunk's own pre and post lines: finds functions the hunk shows whole or in part. */
function hunkOwnFunctions(parser: ParserService, file: string, index: number, h: Hunk): { before: string[]; after: string[] } {
  const preText = h.lines.filter((l) => l[0] === ' ' || l[0] === '-').map((l) => l.slice(1)).join('\n');
  const postText = h.lines.filter((l) => l[0] === ' ' || l[0] === '+').map((l) => l.slice(1)).join('\n');
  const lines = changedLines(h, 1, 1);
  const before = containing(spans(parser, `patch-hunk-pre:${file}#${index}`, preText), lines.old);
  const after = containing(spans(parser, `patch-hunk-post:${file}#${index}`, postText), lines.new);
  parser.forget(`patch-hunk-pre:${file}#${index}`);
  parser.forget(`patch-hunk-post:${file}#${index}`);
  return { before, after };
}
