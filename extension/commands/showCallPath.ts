import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { FAMILY } from '../parsing/lookup';
import { PathView } from '../views/pathView';
import { isLensArgs } from './table';
import { currentTreeRoot, kernelRootOf, reportError } from './tree';

/** "Show call path" (code lens): the path view of the function, beside the editor. */
export async function showCallPath(ctx: Ctx, arg: unknown): Promise<void> {
  if (!isLensArgs(arg)) {
    await showPath(ctx);
    return;
  }
  const uri = vscode.Uri.parse(arg.uri);
  const root = kernelRootOf(uri);
  if (!root) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: ${uri.fsPath} is not inside a kernel tree (no mm/ above it) or a workspace folder.`);
    return;
  }
  await openPathView(ctx, root, arg.name, path.relative(root, uri.fsPath).split(path.sep).join('/'));
}

async function openPathView(ctx: Ctx, root: string, name: string, file: string | undefined): Promise<void> {
  try {
    const lookup = await ctx.lookup(root);
    new PathView(ctx, root, lookup, name, file, vscode.window.activeTextEditor?.viewColumn);
  } catch (e) {
    reportError(ctx.output, `path view for ${name}`, e);
  }
}

/** Command palette entry: pick one of the family functions the tree defines. */
export async function showPath(ctx: Ctx): Promise<void> {
  const root = currentTreeRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: open a kernel tree (a folder with mm/) first.');
    return;
  }
  let lookup;
  try {
    lookup = await ctx.lookup(root);
  } catch (e) {
    reportError(ctx.output, `index of ${root}`, e);
    return;
  }
  const items = [...FAMILY].flatMap((name) =>
    lookup.definitions(name).map((d) => ({ label: name, description: `${d.file}:${d.fn.startLine}`, file: d.file })),
  );
  if (items.length === 0) {
    void vscode.window.showWarningMessage(`Kernel Path Simulator: ${root} defines none of the device-exclusive functions.`);
    return;
  }
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Function to follow' });
  if (pick) await openPathView(ctx, root, pick.label, pick.file);
}
