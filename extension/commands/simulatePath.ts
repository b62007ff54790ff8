import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { findKernelRoot } from '../parsing/kernelRoot';
import { FAMILY } from '../parsing/lookup';
import { PathView } from '../views/pathView';
import { isSimulatePathArgs } from './table';

/** The kernel tree of a file: the nearest ancestor with mm/, else its workspace folder. */
export function kernelRootOf(uri: vscode.Uri): string | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  if (uri.scheme === 'file') return findKernelRoot(uri.fsPath) ?? folder;
  return folder;
}

/**
 * "Simulate this path". Until the simulation engine is in, it opens the path view: the call tree
 * of the function in this kernel tree.
 */
export async function simulatePath(ctx: Ctx, arg: unknown): Promise<void> {
  if (!isSimulatePathArgs(arg)) {
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
    const msg = e instanceof Error ? e.message : String(e);
    ctx.output.error(`path view for ${name}: ${msg}`);
    if (!(e instanceof Error && e.name === 'Cancelled')) void vscode.window.showErrorMessage(`Kernel Path Simulator: ${msg}`);
  }
}

/** Command palette entry: pick one of the family functions the tree defines. */
export async function showPath(ctx: Ctx): Promise<void> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const root = (active && kernelRootOf(active)) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: open a kernel tree (a folder with mm/) first.');
    return;
  }
  let lookup;
  try {
    lookup = await ctx.lookup(root);
  } catch (e) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: ${e instanceof Error ? e.message : String(e)}`);
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
