import * as vscode from 'vscode';
import { isOpenPatchFileArgs } from '../commands/table';
import { hunkSpan } from '../patches/imageLines';
import { PATCH_SCHEME, parsePatchDocUri, patchDocUri } from './patchUris';
import type { ReviewStore } from './store';

/**
 * The pre and post images of each file of a patch, as read-only virtual documents: the diff
 * editor shows them side by side, tree-sitter and the C language features see real C.
 */
export class PatchDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly store: ReviewStore) {
    // A series read again (or closed): the open images follow.
    store.onDidChange(() => {
      for (const d of vscode.workspace.textDocuments) if (d.uri.scheme === PATCH_SCHEME) this.changed.fire(d.uri);
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const ref = parsePatchDocUri(uri);
    const file = ref && this.store.file(ref, ref.path);
    if (!ref || !file) return `This patch is no longer open in the "Patch series" view (${uri.path}).\n`;
    return ref.side === 'before' ? file.before : file.after;
  }

  register(): vscode.Disposable {
    return vscode.workspace.registerTextDocumentContentProvider(PATCH_SCHEME, this);
  }
}

/** Opens one file of a patch in VS Code's diff editor, at a hunk when one is given. */
export async function openPatchFile(store: ReviewStore, arg: unknown): Promise<vscode.TextEditor | undefined> {
  if (!isOpenPatchFileArgs(arg)) return undefined;
  const found = store.patch(arg);
  const file = found?.patch.files.find((f) => f.path === arg.path);
  if (!found || !file) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: ${arg.path} is not in an open patch any more.`);
    return undefined;
  }
  const left = patchDocUri({ ...arg, side: 'before' });
  const right = patchDocUri({ ...arg, side: 'after' });
  const h = arg.hunk !== undefined ? file.hunks[arg.hunk] : file.hunks[0];
  const hunk = found.patch.patch.diff.files.find((f) => f.path === arg.path)?.hunks[h?.index ?? 0];
  const place = h ? file.hunkLines[h.index] : undefined;
  const span = hunk && place ? (hunkSpan(hunk, place, 'new') ?? hunkSpan(hunk, place, 'old')) : undefined;
  const line = Math.max(0, (span?.first ?? 1) - 1);
  const where = file.imagesFrom === 'hunks' ? ' (hunks only)' : '';
  const title = `${file.path} ${found.patch.label.replace(/\] .*/, ']')}${where}`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true, selection: new vscode.Range(line, 0, line, 0) });
  return vscode.window.activeTextEditor;
}
