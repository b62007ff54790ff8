import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { fsTreeReader } from '../patches/apply';
import { fetchLoreThread, loreThreadUrl } from '../patches/lore';
import { type Review, reviewFile } from '../patches/review';
import { kernelRootOf, reportError } from '../commands/tree';
import { SERIES_VIEW } from './seriesView';
import type { ReviewStore } from './store';

const PATCH_FILES = { 'Patches and mail': ['patch', 'diff', 'mbox', 'eml', 'gz'], 'All files': ['*'] };

/** The kernel tree patches apply to: the file's own tree, else the first workspace folder with mm/. */
export function patchTreeRoot(file?: vscode.Uri): string | undefined {
  const own = file?.scheme === 'file' ? kernelRootOf(file) : undefined;
  if (own && fs.existsSync(path.join(own, 'mm'))) return own;
  return vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath).find((p) => fs.existsSync(path.join(p, 'mm')));
}

function fileArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.file(arg);
  return undefined;
}

/** Reads a mail file into a review (with progress and cancel) and shows it in the "Patch series" view. */
export async function loadReview(ctx: Ctx, store: ReviewStore, file: string, source: string, remember = true): Promise<Review | undefined> {
  const root = patchTreeRoot(vscode.Uri.file(file));
  const name = path.basename(file);
  try {
    const parser = await ctx.parserService();
    const review = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Reading ${name}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return reviewFile(file, { parser, tree: root ? { root, reader: fsTreeReader(root) } : undefined, onProgress: (message) => progress.report({ message }), signal: abort.signal });
      },
    );
    for (const p of review.problems) ctx.output.warn(`${name}: ${p}`);
    if (!review.series.length) {
      void vscode.window.showErrorMessage(`Kernel Path Simulator: no patch series in ${name}: ${review.problems.slice(0, 3).join('; ') || 'no message has a diff'}.`);
      return undefined;
    }
    review.source = source;
    store.add(review, remember ? { source, file } : undefined);
    const patches = review.series.reduce((n, s) => n + s.patches.length, 0);
    const failed = review.series.flatMap((s) => s.patches).filter((p) => p.applied === false).length;
    ctx.output.info(`${name}: ${review.messages} messages, ${review.series.length} series, ${patches} patches${root ? `, applied in memory to ${root}${failed ? ` (${failed} do not apply)` : ''}` : ', no kernel tree open'}`);
    if (!root) void vscode.window.showWarningMessage(`Kernel Path Simulator: no kernel tree (a folder with mm/) is open: ${name} is shown from its hunks alone and cannot be simulated.`);
    else if (failed) void vscode.window.showWarningMessage(`Kernel Path Simulator: ${failed} patch${failed > 1 ? 'es' : ''} of ${name} do${failed > 1 ? '' : 'es'} not apply to ${path.basename(root)}: see the "Patch series" view.`);
    await vscode.commands.executeCommand(`${SERIES_VIEW}.focus`);
    return review;
  } catch (e) {
    reportError(ctx.output, `read ${file}`, e instanceof Error && e.name === 'AbortError' ? Object.assign(new Error('cancelled'), { name: 'Cancelled' }) : e);
    return undefined;
  }
}

/** "Open patch or series…": a .patch/.diff/.mbox/.eml file from the explorer, the editor title, or a dialog. */
export async function openPatch(ctx: Ctx, store: ReviewStore, arg: unknown): Promise<Review | undefined> {
  let uri = fileArg(arg);
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({ title: 'Open a patch, series or mail thread', canSelectMany: false, filters: PATCH_FILES, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    uri = picked?.[0];
  }
  if (!uri) return undefined;
  return loadReview(ctx, store, uri.fsPath, uri.fsPath);
}

/**
 * "Open from lore…": a lore URL or a Message-ID; fetches `<base>/all/<msgid>/t.mbox.gz`, keeps the
 * thread in the extension's storage (so it opens again offline) and reads it like a local mbox.
 */
export async function openFromLore(ctx: Ctx, store: ReviewStore, storage: vscode.Uri, arg?: string): Promise<Review | undefined> {
  const base = vscode.workspace.getConfiguration('kernelPathSim').get<string>('loreBaseUrl') || 'https://lore.kernel.org';
  const check = (v: string): string | undefined => {
    try {
      loreThreadUrl(v, base);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
  const input = arg ?? (await vscode.window.showInputBox({
    title: 'Open a thread from lore', prompt: `A lore link or a Message-ID (fetched from ${base})`,
    placeHolder: 'https://lore.kernel.org/all/20250129115411.2077152-1-david@redhat.com/', validateInput: (v) => (v.trim() ? check(v.trim()) : undefined),
  }));
  if (!input?.trim()) return undefined;
  let url: string;
  try {
    url = loreThreadUrl(input.trim(), base);
  } catch (e) {
    reportError(ctx.output, `lore ${input}`, e);
    return undefined;
  }
  let data: Buffer;
  try {
    data = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Fetching ${url}`, cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let last = 0;
        return fetchLoreThread(url, {
          signal: abort.signal,
          onProgress: (received, total) => {
            const pct = total ? (100 * received) / total : 0;
            progress.report({ message: `${(received / 1024).toFixed(0)} KiB${total ? ` of ${(total / 1024).toFixed(0)} KiB` : ''}`, increment: total ? pct - last : undefined });
            last = pct;
          },
        });
      },
    );
  } catch (e) {
    reportError(ctx.output, `fetch ${url}`, e instanceof Error && e.name === 'AbortError' ? Object.assign(new Error('cancelled'), { name: 'Cancelled' }) : e);
    return undefined;
  }
  const dir = vscode.Uri.joinPath(storage, 'lore');
  await vscode.workspace.fs.createDirectory(dir);
  const name = decodeURIComponent(url.replace(/\/t\.mbox\.gz$/, '').split('/').pop() ?? 'thread').replace(/[^\w.@+-]/g, '_').slice(0, 120);
  const file = vscode.Uri.joinPath(dir, `${name}.mbox`);
  await vscode.workspace.fs.writeFile(file, data);
  ctx.output.info(`fetched ${url}: ${data.length} bytes, saved as ${file.fsPath}`);
  return loadReview(ctx, store, file.fsPath, url);
}
