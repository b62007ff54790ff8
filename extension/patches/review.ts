/**
 * A review: the series found in a mail file, each patch applied in memory on top of the ones before
 * it, with the functions each hunk touches. What the CLI prints and the VS Code tree view shows.
 */
import type { ParserService } from '../parsing/parserService';
import { applyPatchToTree, hunkImages } from './apply';
import { functionsTouched, type HunkFunctions } from './functions';
import { readMailFile } from './mbox';
import { buildSeries } from './series';
import type { FileChange, FileStatus, HunkResult, MailMessage, Patch, Series, TreeReader } from './types';

export interface ReviewHunk {
  index: number;
  /** `@@ -a,b +c,d @@ section` */
  header: string;
  functions: HunkFunctions;
  /** How it applied (undefined without a tree). */
  apply?: HunkResult;
}

export interface ReviewFile {
  path: string;
  change: FileChange;
  /** Undefined without a tree. */
  status?: FileStatus;
  reason?: string;
  hunks: ReviewHunk[];
  /** The pre and post images the diff editor shows: the tree's file, or the hunks alone. */
  before: string;
  after: string;
  imagesFrom: 'tree' | 'hunks';
  /** For images made from hunks: the image line of each hunk's first line (pre, post), 1-based. */
  hunkLines: { oldLine: number; newLine: number }[];
}

export interface ReviewPatch {
  patch: Patch;
  /** `[v1 04/12] mm/rmap: ...` */
  label: string;
  files: ReviewFile[];
  /** Applied cleanly on top of the patches before it (undefined without a tree). */
  applied?: boolean;
  /** Why it did not apply, or what else is wrong with it. */
  problems: string[];
  /** Files as they are after this patch and every patch before it (null = deleted), when applied. */
  texts?: Record<string, string | null>;
}

export interface ReviewSeries {
  series: Series;
  patches: ReviewPatch[];
}

export interface Review {
  /** The file read, or the lore URL. */
  source: string;
  /** The kernel tree the patches were applied to. */
  tree?: string;
  series: ReviewSeries[];
  /** Messages that belong to no series (a reply whose patch is not in the file). */
  strays: MailMessage[];
  problems: string[];
  messages: number;
}

export interface ReviewOptions {
  parser: ParserService;
  tree?: { root: string; reader: TreeReader };
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

export function patchLabel(p: Patch): string {
  const s = p.subject;
  const v = `v${s.version}`;
  const n = s.index !== undefined && s.total !== undefined ? ` ${String(s.index).padStart(String(s.total).length, '0')}/${s.total}` : '';
  return `[${v}${n}] ${s.title}`;
}

export function hunkHeader(h: { oldStart: number; oldLines: number; newStart: number; newLines: number; section: string }): string {
  // The diff package stores an empty side's start one past the header's number.
  const start = (n: number, count: number): number => (count === 0 ? n - 1 : n);
  return `@@ -${start(h.oldStart, h.oldLines)},${h.oldLines} +${start(h.newStart, h.newLines)},${h.newLines} @@${h.section ? ` ${h.section}` : ''}`;
}

/** Reads every message of a file (mbox, .eml, .patch; gzip too) and reviews the series in it. */
export async function reviewFile(file: string, options: ReviewOptions): Promise<Review> {
  const messages: MailMessage[] = [];
  const problems: string[] = [];
  for await (const m of readMailFile(file, (bytes) => options.onProgress?.(`read ${bytes < 1048576 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`}`), options.signal)) {
    if ('error' in m) problems.push(m.error);
    else messages.push(m.message);
  }
  return reviewMessages(file, messages, options, problems);
}

/** Groups messages into series and applies each series in order to the tree (in memory). */
export function reviewMessages(source: string, messages: MailMessage[], options: ReviewOptions, problems: string[] = []): Review {
  const built = buildSeries(messages);
  const series = built.series.map((s) => reviewSeries(s, options));
  for (const m of messages) for (const w of m.warnings) problems.push(`${m.subject || m.messageId}: ${w}`);
  if (messages.length === 0) problems.push('no mail messages found');
  else if (built.series.length === 0) problems.push('no patches found: no message has a diff or a [PATCH] subject');
  return { source, tree: options.tree?.root, series, strays: built.strays, problems: [...problems, ...built.problems], messages: messages.length };
}

function reviewSeries(series: Series, options: ReviewOptions): ReviewSeries {
  const out: ReviewPatch[] = [];
  let base = new Map<string, string | null>();
  let broken: string | undefined;
  for (const patch of series.patches) {
    options.onProgress?.(`applying ${patchLabel(patch)}`);
    const problems = patch.diff.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    const tree = options.tree;
    if (!tree) {
      out.push({ patch, label: patchLabel(patch), files: filesFromHunks(patch, options.parser), problems });
      continue;
    }
    if (broken) {
      problems.push(`not applied: ${broken} did not apply`);
      out.push({ patch, label: patchLabel(patch), files: filesFromHunks(patch, options.parser), applied: false, problems });
      continue;
    }
    const { result, texts } = applyPatchToTree(patch.diff, tree.reader, base, { missingOk: true });
    const files = patch.diff.files.map((fp): ReviewFile => {
      const fr = result.files.find((f) => f.path === fp.path);
      const fns = functionsTouched(options.parser, fp, fr);
      const fromTree = fr && (fr.before !== undefined || fr.after !== undefined) && fr.status === 'applied';
      const images = fromTree ? undefined : hunkImages(fp);
      return {
        path: fp.path, change: fp.change, status: fr?.status, reason: fr?.reason,
        hunks: fp.hunks.map((h, i) => ({ index: i, header: hunkHeader(h), functions: fns[i], apply: fr?.hunks.find((x) => x.hunk === i) })),
        before: fromTree ? (fr.before ?? '') : images!.before,
        after: fromTree ? (fr.after ?? '') : images!.after,
        imagesFrom: fromTree ? 'tree' : 'hunks',
        hunkLines: fromTree
          ? fp.hunks.map((_, i) => ({ oldLine: fr.hunks[i]?.oldLine ?? 1, newLine: fr.hunks[i]?.newLine ?? 1 }))
          : images!.hunkLines,
      };
    });
    for (const f of result.files) if (f.status !== 'applied') problems.push(`${f.path}: ${f.reason ?? f.status}`);
    if (!result.ok) broken = patchLabel(patch);
    else base = texts;
    out.push({ patch, label: patchLabel(patch), files, applied: result.ok, problems: [...new Set(problems)], texts: result.ok ? Object.fromEntries(texts) : undefined });
  }
  return { series, patches: out };
}

/** Files shown from the hunks alone (no tree, or the patch did not apply). */
function filesFromHunks(patch: Patch, parser: ParserService): ReviewFile[] {
  return patch.diff.files.map((fp): ReviewFile => {
    const fns = functionsTouched(parser, fp);
    const images = hunkImages(fp);
    return {
      path: fp.path, change: fp.change,
      hunks: fp.hunks.map((h, i) => ({ index: i, header: hunkHeader(h), functions: fns[i] })),
      before: images.before, after: images.after, imagesFrom: 'hunks', hunkLines: images.hunkLines,
    };
  });
}
