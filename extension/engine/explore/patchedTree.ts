/**
 * A kernel tree with patches applied in memory, for the engine: the "after" side of a before/after
 * comparison. Each file given is a patch or a series (.patch/.diff, .eml, .mbox, gzip too; a plain
 * `git diff` works as well); the files are applied in the order given, each patch on top of the
 * ones before it. Files the tree lacks are skipped and reported (trees holding part of the kernel);
 * a hunk that does not apply to a file the tree has stops everything: a comparison run on
 * half-applied code would report behaviour no one wrote.
 */
import * as fs from 'fs';
import * as path from 'path';
import { applyPatchToTree, fsTreeReader } from '../../patches/apply';
import { parseDiff } from '../../patches/diff';
import { readMailFile } from '../../patches/mbox';
import { patchLabel } from '../../patches/review';
import { buildSeries } from '../../patches/series';
import type { FileStatus, MailMessage, ParsedDiff, TreeReader } from '../../patches/types';
import { FunctionLookup } from '../../parsing/lookup';
import type { ParserService } from '../../parsing/parserService';
import { type TreeIndex, overlayIndex } from '../../parsing/treeIndex';
import type { EngineTree } from '../simulate';

export interface AppliedPatch {
  /** `[v1 04/12] mm/rmap: ...`, or the file name for a plain diff. */
  label: string;
  /** The file it came from. */
  source: string;
  files: { path: string; status: FileStatus; reason?: string }[];
}

export interface SkippedFile {
  patch: string;
  path: string;
  reason: string;
}

export interface PatchedTree {
  tree: EngineTree;
  /** Files after every patch (null = deleted), tree-relative. */
  texts: Map<string, string | null>;
  applied: AppliedPatch[];
  /** Files of the patches the tree does not have: not applied, not compared. */
  skipped: SkippedFile[];
  /** What else the reader should know: other series in a file, missing patches of a series. */
  notes: string[];
}

/** One hunk (or file) that stopped the patches from applying. */
export interface ApplyFailure {
  patch: string;
  source: string;
  path: string;
  /** 0-based hunk index, when a hunk failed (undefined: the whole file, e.g. a refused path). */
  hunk?: number;
  reason: string;
}

/** Some patch does not apply to the tree, or a file holds no patch: nothing is compared. */
export class PatchApplyError extends Error {
  constructor(message: string, readonly failures: ApplyFailure[], readonly applied: AppliedPatch[]) {
    super(message);
    this.name = 'PatchApplyError';
  }
}

interface PatchToApply {
  label: string;
  source: string;
  diff: ParsedDiff;
}

/**
 * The patches of one file, in order: the first series in it (a file is one series; others are
 * noted and left out), else the whole file as a plain diff.
 */
/** Patches of a series given without the rest of it (one .eml per patch, say). */
interface Partial {
  key: string;
  version: number;
  total: number;
  present: number[];
}

async function patchesOf(file: string, notes: string[], partial: Partial[]): Promise<PatchToApply[]> {
  const messages: MailMessage[] = [];
  const problems: string[] = [];
  for await (const m of readMailFile(file)) {
    if ('error' in m) problems.push(m.error);
    else messages.push(m.message);
  }
  const built = buildSeries(messages);
  const name = path.basename(file);
  const withDiffs = built.series.filter((s) => s.patches.some((p) => p.diff.files.length || p.diff.problems.length));
  if (withDiffs.length) {
    const [first, ...others] = withDiffs;
    for (const o of others) notes.push(`${name}: also holds "${o.title}" (v${o.version}, ${o.patches.length} patch${o.patches.length === 1 ? '' : 'es'}): not applied, one series per file`);
    if (first.missing.length) {
      const from = first.patches[0]?.message.from.address ?? '';
      partial.push({ key: `v${first.version} of ${first.total} from ${from}`, version: first.version, total: first.total, present: first.patches.map((p) => p.subject.index ?? 0) });
    }
    return first.patches.map((p) => ({ label: patchLabel(p), source: file, diff: p.diff }));
  }
  // Not mail (or mail without a patch): a plain diff, as `git diff` writes it.
  const diff = parseDiff(fs.readFileSync(file, 'utf8'));
  if (diff.files.length) return [{ label: name, source: file, diff }];
  const why = [...problems, ...diff.problems.map((p) => p.message)];
  throw new PatchApplyError(`${file}: no patch found (no message with a diff, and not a diff itself)${why.length ? `: ${why[0]}` : ''}`, [{ patch: name, source: file, path: '', reason: 'no patch found' }], []);
}

/**
 * Applies `patchFiles` in order to the tree at `root` (indexed as `index`) in memory and returns
 * the patched tree for the engine. Throws PatchApplyError, listing each hunk that does not apply
 * and why, when any patch fails on a file the tree has.
 */
export async function patchedTree(root: string, parser: ParserService, index: TreeIndex, patchFiles: readonly string[], reader: TreeReader = fsTreeReader(root)): Promise<PatchedTree> {
  const notes: string[] = [];
  const patches: PatchToApply[] = [];
  const partial: Partial[] = [];
  for (const f of patchFiles) patches.push(...(await patchesOf(f, notes, partial)));
  // One note per series, however many files its patches came in.
  for (const key of [...new Set(partial.map((x) => x.key))]) {
    const parts = partial.filter((x) => x.key === key);
    const { version, total } = parts[0];
    const present = [...new Set(parts.flatMap((x) => x.present))].sort((a, b) => a - b);
    const w = String(total).length;
    notes.push(`only ${present.map((i) => `${String(i).padStart(w, '0')}/${total}`).join(', ')} of the v${version} series (${total} patches) ${present.length === 1 ? 'is' : 'are'} applied: the others were not given`);
  }
  const applied: AppliedPatch[] = [];
  const skipped: SkippedFile[] = [];
  let texts = new Map<string, string | null>();
  for (const p of patches) {
    const { result, texts: after } = applyPatchToTree(p.diff, reader, texts, { missingOk: true });
    if (!result.ok) {
      const failures: ApplyFailure[] = [];
      for (const f of result.files) {
        if (f.status === 'applied' || f.status === 'missing') continue;
        const bad = f.hunks.filter((h) => !h.applied && h.reason && h.reason !== 'refused');
        if (bad.length && f.status === 'failed' && !/unreadable hunk|already exists|is deleted by the patch|cannot read/.test(f.reason ?? '')) {
          for (const h of bad) failures.push({ patch: p.label, source: p.source, path: f.path, hunk: h.hunk, reason: h.reason! });
        } else failures.push({ patch: p.label, source: p.source, path: f.path, reason: f.reason ?? f.status });
      }
      // Hunk reasons already start with `hunk #N @@ ... @@ does not apply: ...`.
      const lines = failures.map((x) => `  ${x.path}: ${x.reason}`);
      const before = applied.length ? ` (on top of ${applied.length} earlier patch${applied.length === 1 ? '' : 'es'})` : '';
      throw new PatchApplyError(`${p.label} does not apply to ${path.basename(root)}${before}: nothing is compared\n${lines.join('\n')}`, failures, applied);
    }
    texts = after;
    applied.push({ label: p.label, source: p.source, files: result.files.map((f) => ({ path: f.path, status: f.status, ...(f.reason ? { reason: f.reason } : {}) })) });
    for (const f of result.files) if (f.status === 'missing') skipped.push({ patch: p.label, path: f.path, reason: f.reason ?? 'not in the tree' });
  }
  const overrides = new Map([...texts].filter((e): e is [string, string] => e[1] !== null));
  const tree: EngineTree = { root, parser, lookup: new FunctionLookup(overlayIndex(parser, index, texts)), overrides };
  return { tree, texts, applied, skipped, notes };
}
