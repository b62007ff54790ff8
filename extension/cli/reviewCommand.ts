import * as fs from 'fs';
import * as os from 'os';
import { pipeline } from 'stream/promises';
import * as path from 'path';
import { fsTreeReader, applyPatchToTree } from '../patches/apply';
import { parseDiff, splitDescription } from '../patches/diff';
import { functionsTouched } from '../patches/functions';
import { MailError, parseMessage } from '../patches/mail';
import { type Review, reviewFile } from '../patches/review';
import { parseSubject } from '../patches/subject';
import { FAMILY } from '../parsing/lookup';
import type { ParserService } from '../parsing/parserService';
import { scenariosFor } from '../run/scenarioChoice';
import { type CliIo, CliError } from './common';

/** The review as JSON: everything but the file images (which are the tree's own text). */
export function reviewJson(r: Review): unknown {
  return {
    source: r.source, tree: r.tree ?? null, messages: r.messages, problems: r.problems,
    strays: r.strays.map((m) => ({ messageId: m.messageId, subject: m.subject })),
    series: r.series.map((s) => ({
      id: s.series.id, title: s.series.title, version: s.series.version, total: s.series.total,
      cover: s.series.cover ? { messageId: s.series.cover.messageId, subject: s.series.cover.subject } : null,
      missing: s.series.missing, otherVersions: s.series.otherVersions, replies: s.series.replies.length,
      patches: s.patches.map((p) => ({
        index: p.patch.subject.index ?? null, subject: p.patch.message.subject, messageId: p.patch.message.messageId,
        from: p.patch.message.from, date: p.patch.message.date ?? null, applied: p.applied ?? null, problems: p.problems,
        trailers: p.patch.trailers.map((t) => ({ key: t.key, value: t.value, messageId: t.messageId })),
        files: p.files.map((f) => ({
          path: f.path, change: f.change, status: f.status ?? null, reason: f.reason ?? null,
          hunks: f.hunks.map((h) => ({
            header: h.header, before: h.functions.before, after: h.functions.after, via: h.functions.via,
            apply: h.apply ? { applied: h.apply.applied, offset: h.apply.offset, fuzz: h.apply.fuzz, oldLine: h.apply.oldLine ?? null, newLine: h.apply.newLine ?? null, reason: h.apply.reason ?? null } : null,
          })),
        })),
      })),
    })),
  };
}

function hunkStatus(h: Review['series'][number]['patches'][number]['files'][number]['hunks'][number]): string {
  const a = h.apply;
  if (!a) return '';
  if (!a.applied) return `does not apply: ${a.reason ?? ''}`;
  return `applies at line ${a.oldLine}${a.offset ? `, offset ${a.offset > 0 ? '+' : ''}${a.offset}` : ''}${a.fuzz ? `, fuzz ${a.fuzz}` : ''}`;
}

export function renderReview(r: Review): string {
  const out: string[] = [];
  out.push(`${r.source}: ${r.messages} message${r.messages === 1 ? '' : 's'}, ${r.series.length} series${r.tree ? `, applied in memory to ${r.tree}` : ''}`);
  for (const p of r.problems) out.push(`  ! ${p}`);
  for (const s of r.series) {
    const sr = s.series;
    out.push('');
    out.push(`series v${sr.version}: ${sr.title} (${sr.patches.length} of ${sr.total} patch${sr.total === 1 ? '' : 'es'}${sr.cover ? ', cover letter' : ''}${sr.replies.length ? `, ${sr.replies.length} replies` : ''})`);
    if (sr.missing.length) out.push(`  missing: ${sr.missing.map((i) => `${i}/${sr.total}`).join(', ')}`);
    for (const v of sr.otherVersions) out.push(`  also in the input: v${v.version} (${v.id})`);
    for (const p of s.patches) {
      out.push(`  ${p.label}${p.applied === undefined ? '' : p.applied ? '  [applies]' : '  [DOES NOT APPLY]'}`);
      out.push(`    ${p.patch.message.from.name} <${p.patch.message.from.address}>  ${p.patch.message.messageId}`);
      for (const t of p.patch.trailers.filter((t) => t.key !== 'Signed-off-by')) out.push(`    ${t.key}: ${t.value}`);
      for (const pr of p.problems) out.push(`    ! ${pr}`);
      for (const f of p.files) {
        out.push(`    ${f.path} (${f.change}${f.status ? `, ${f.status === 'missing' ? 'not in the tree' : f.status}` : ''})`);
        for (const h of f.hunks) {
          const fns = [...new Set([...h.functions.before, ...h.functions.after])];
          const renamed = h.functions.before.join(',') !== h.functions.after.join(',') && h.functions.before.length && h.functions.after.length
            ? ` (${h.functions.before.join(', ')} → ${h.functions.after.join(', ')})` : '';
          const st = hunkStatus(h);
          out.push(`      ${h.header.replace(/ @@ .*$/, ' @@')}  ${fns.join(', ') || '-'}${renamed}${st ? `  ${st}` : ''}`);
        }
      }
    }
  }
  return out.join('\n');
}

function treeOrNothing(tree: string | undefined): { root: string; reader: ReturnType<typeof fsTreeReader> } | undefined {
  if (!tree) return undefined;
  if (!fs.existsSync(tree) || !fs.statSync(tree).isDirectory()) throw new CliError(`--tree ${tree}: no such directory`);
  return { root: path.resolve(tree), reader: fsTreeReader(path.resolve(tree)) };
}

/**
 * `-` is standard input (`b4 am -o - ... | kpsim review -`): streamed to a temporary file (a pipe or
 * socket cannot be re-opened by path), reviewed, removed.
 */
async function withStdinFile<T>(use: (file: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-stdin-'));
  try {
    const file = path.join(dir, 'stdin.mbox');
    await pipeline(process.stdin, fs.createWriteStream(file));
    return await use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `kpsim review FILE [--tree DIR] [--json]`: exit 0, or 1 when nothing could be read, a patch does not apply to the tree, or a diff has refused/unreadable files. */
export async function runReview(parser: ParserService, file: string | undefined, opts: { tree?: string; json: boolean }, io: CliIo): Promise<number> {
  if (!file) throw new CliError('usage: kpsim review FILE [--tree DIR] [--json]');
  if (file === '-') return withStdinFile((f) => runReview(parser, f, opts, io));
  if (!fs.existsSync(file)) throw new CliError(`${file}: no such file`);
  const review = await reviewFile(file, { parser, tree: treeOrNothing(opts.tree) });
  io.out(opts.json ? JSON.stringify(reviewJson(review), null, 2) : renderReview(review));
  // A patch that does not apply, or whose diff has refused or unreadable files, fails the check.
  const failed = review.series.some((s) => s.patches.some((p) => p.applied === false || p.patch.diff.problems.length > 0));
  return review.series.length === 0 || failed ? 1 : 0;
}

export interface B4Result {
  tool: string;
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  url: string;
  details: string;
}

/**
 * `kpsim b4-check`: one RFC 2822 message on stdin (what b4 pipes to a review-perpatch-check-cmd,
 * run at the top of the tree), b4's CI-check JSON out: does the mail read, does its diff apply to
 * the tree, and which device-exclusive paths it touches (with the scenarios that run them).
 */
export async function runB4Check(parser: ParserService, raw: Buffer, opts: { tree?: string }, io: CliIo): Promise<number> {
  const results: B4Result[] = [];
  const add = (r: Omit<B4Result, 'url' | 'details'> & Partial<B4Result>): void => void results.push({ url: '', details: '', ...r });
  let msg;
  try {
    msg = await parseMessage(raw);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    add({ tool: 'kpsim', status: 'fail', summary: e instanceof MailError ? (/^not a mail/.test(why) ? why : `not a mail: ${why}`) : `could not read the mail: ${why}` });
    io.out(JSON.stringify(results));
    return 0;
  }
  const diff = parseDiff(splitDescription(msg.body).diffText);
  const subject = parseSubject(msg.subject);
  if (!diff.files.length) {
    add({ tool: 'kpsim', status: diff.problems.length ? 'fail' : 'pass', summary: diff.problems.length ? `unreadable diff: ${diff.problems[0].message}` : `no diff in "${subject.title}": nothing to check`, details: JSON.stringify(diff.problems) });
    io.out(JSON.stringify(results));
    return 0;
  }
  const root = opts.tree ?? (fs.existsSync('mm') ? '.' : undefined);
  const tree = treeOrNothing(root);
  const problems = diff.problems.map((p) => `${p.path ?? ''}: ${p.message}`);
  let applied: ReturnType<typeof applyPatchToTree> | undefined;
  if (tree) {
    applied = applyPatchToTree(diff, tree.reader, undefined, { missingOk: true });
    const bad = applied.result.files.filter((f) => f.status !== 'applied');
    const failing = bad.filter((f) => f.status !== 'missing');
    add({
      tool: 'kpsim-apply',
      status: failing.length ? 'warn' : 'pass',
      summary: failing.length
        ? `${failing.length} file${failing.length > 1 ? 's' : ''} do not apply to ${path.basename(tree.root)} (it may need earlier patches of the series)`
        : `applies to ${path.basename(tree.root)}${bad.length ? ` (${bad.length} file${bad.length > 1 ? 's' : ''} not in the tree)` : ''}`,
      details: JSON.stringify(applied.result.files.map((f) => ({ path: f.path, status: f.status, reason: f.reason ?? '', hunks: f.hunks }))),
    });
  }
  const touched = new Set<string>();
  for (const fp of diff.files) {
    const fr = applied?.result.files.find((f) => f.path === fp.path);
    for (const h of functionsTouched(parser, fp, fr)) for (const n of [...h.before, ...h.after]) touched.add(n);
  }
  const family = [...touched].filter((n) => FAMILY.has(n) || scenariosFor(n).length);
  const scenarios = [...new Set(family.flatMap((n) => scenariosFor(n).map((s) => s.id)))];
  add({
    tool: 'kpsim-paths',
    status: problems.length ? 'warn' : 'pass',
    summary: family.length
      ? `touches ${family.join(', ')}: simulate before/after (${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'})`
      : `touches no device-exclusive path (${touched.size} function${touched.size === 1 ? '' : 's'} changed)`,
    details: JSON.stringify({ functions: [...touched], family, scenarios, problems }),
  });
  io.out(JSON.stringify(results));
  return 0;
}
