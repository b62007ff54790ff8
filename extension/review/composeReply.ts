import * as path from 'path';
import * as vscode from 'vscode';
import { composeReply, replyFileName } from '../patches/reply';
import type { PlacedComment } from '../patches/types';
import { parsePatchDocUri } from './patchUris';
import type { PatchRef, ReviewStore } from './store';
import { reviewerIdentity } from './identity';

const TRAILER_KEYS = ['Reviewed-by', 'Acked-by', 'Tested-by'];

/** The patch a command means: a "Patch series" node, a PatchRef, or the patch in the active diff editor. */
export function patchRefOf(arg: unknown): PatchRef | undefined {
  if (typeof arg === 'object' && arg !== null) {
    const a = arg as Record<string, unknown>;
    if (a.kind === 'patch' && typeof a.ref === 'object' && a.ref !== null) return patchRefOf(a.ref);
    if (typeof a.series === 'string' && typeof a.patch === 'number') return { series: a.series, patch: a.patch };
  }
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri ? parsePatchDocUri(uri) : undefined;
}

/** Where replies are saved: the setting, else the extension's own storage (never the kernel tree). */
function replyDirectory(storage: vscode.Uri): vscode.Uri {
  const dir = vscode.workspace.getConfiguration('kernelPathSim.review').get<string>('replyDirectory');
  return dir ? vscode.Uri.file(dir) : vscode.Uri.joinPath(storage, 'replies');
}

/**
 * "Compose reply": the reviewer's comments on a patch as a reply the kernel way — In-Reply-To and
 * References set, `Re:` subject, only the hunks that carry comments quoted with `> `, trailers at the
 * end — saved as an .eml (what b4, git send-email and mail clients read) and opened.
 */
export async function composeReplyCommand(store: ReviewStore, storage: vscode.Uri, arg: unknown, opts?: { trailers?: string[] }): Promise<vscode.Uri | undefined> {
  const ref = patchRefOf(arg);
  const found = ref && store.patch(ref);
  if (!found) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: pick a patch in the "Patch series" view (or open one of its files) to reply to.');
    return undefined;
  }
  const me = reviewerIdentity();
  let trailers = opts?.trailers;
  if (!trailers) {
    const picked = await vscode.window.showQuickPick(
      TRAILER_KEYS.map((k) => ({ label: `${k}: ${me.name} <${me.address}>` })),
      { canPickMany: true, title: `Reply to ${found.patch.label}`, placeHolder: 'Trailers to add (none for comments only)' },
    );
    if (!picked) return undefined;
    trailers = picked.map((p) => p.label);
  }
  const comments: PlacedComment[] = store.comments(found.patch.patch.message.messageId)
    .map((c) => ({ path: c.path, hunk: c.hunk, line: c.line, side: c.side, author: me, text: c.text, date: c.date }));
  if (!comments.length && !trailers.length) {
    void vscode.window.showWarningMessage('Kernel Path Simulator: nothing to reply: add comments on the diff lines, or pick a trailer.');
    return undefined;
  }
  const text = composeReply({ patch: found.patch.patch, comments, trailers, from: me });
  const dir = replyDirectory(storage);
  await vscode.workspace.fs.createDirectory(dir);
  const uri = vscode.Uri.joinPath(dir, replyFileName(found.patch.patch));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
  void vscode.window.showInformationMessage(`Kernel Path Simulator: reply to ${found.patch.label} saved as ${path.basename(uri.fsPath)} (${comments.length} comment${comments.length === 1 ? '' : 's'}). Send it with git send-email, b4 or your mail client.`);
  return uri;
}
