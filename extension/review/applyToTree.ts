import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { applyPatchToTree, fsTreeReader } from '../patches/apply';
import type { TreeReader } from '../patches/types';
import { reportError } from '../commands/tree';
import { patchRefOf } from './composeReply';
import type { ReviewStore } from './store';

/** The tree as the editor has it: open documents (saved or not) first, the disk otherwise. */
function editorTreeReader(root: string): TreeReader {
  const disk = fsTreeReader(root);
  return {
    read(rel) {
      const abs = path.join(root, rel);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === abs);
      return doc ? doc.getText() : disk.read(rel);
    },
  };
}

/**
 * "Apply to working tree": the only command that changes the user's files. The patch and the ones
 * before it in the series are applied again to the files as they are now (so edits made since the
 * series was read are respected, and nothing is half-applied), after a confirmation, as one
 * workspace edit: unsaved, undoable.
 */
export async function applyToWorkingTree(ctx: Ctx, store: ReviewStore, arg: unknown, confirm = true): Promise<boolean> {
  const ref = patchRefOf(arg);
  const found = ref && store.patch(ref);
  const root = found?.review.tree;
  if (!found || !root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: pick a patch that was read against an open kernel tree.');
    return false;
  }
  const upTo = found.series.patches.indexOf(found.patch);
  const reader = editorTreeReader(root);
  let texts = new Map<string, string | null>();
  for (let k = 0; k <= upTo; k++) {
    const p = found.series.patches[k];
    const { result, texts: next } = applyPatchToTree(p.patch.diff, reader, texts);
    if (!result.ok) {
      const why = result.files.filter((f) => f.status !== 'applied').map((f) => `${f.path}: ${f.reason ?? f.status}`).join('; ');
      void vscode.window.showErrorMessage(`Kernel Path Simulator: ${p.label} does not apply to the files as they are now, so nothing was changed. ${why}`);
      return false;
    }
    texts = next;
  }
  const count = texts.size;
  if (confirm) {
    const go = await vscode.window.showWarningMessage(
      `Apply ${found.patch.label}${upTo ? ` and the ${upTo} patch${upTo > 1 ? 'es' : ''} before it` : ''} to ${count} file${count > 1 ? 's' : ''} of ${path.basename(root)}?`,
      { modal: true, detail: 'The files are changed in the editor, unsaved: review them, then save or undo.' }, 'Apply',
    );
    if (go !== 'Apply') return false;
  }
  const edit = new vscode.WorkspaceEdit();
  for (const [rel, text] of texts) {
    const uri = vscode.Uri.file(path.join(root, rel));
    if (text === null) edit.deleteFile(uri, { ignoreIfNotExists: true });
    else if (!fs.existsSync(uri.fsPath)) {
      edit.createFile(uri, { ignoreIfExists: false });
      edit.insert(uri, new vscode.Position(0, 0), text);
    } else {
      const doc = await vscode.workspace.openTextDocument(uri);
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
    }
  }
  try {
    const ok = await vscode.workspace.applyEdit(edit);
    ctx.output.info(`apply ${found.patch.label} to ${root}: ${ok ? `${count} files changed (unsaved)` : 'refused by the editor'}`);
    return ok;
  } catch (e) {
    reportError(ctx.output, `apply ${found.patch.label}`, e);
    return false;
  }
}
