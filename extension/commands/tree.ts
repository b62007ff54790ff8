import * as vscode from 'vscode';
import { findKernelRoot } from '../parsing/kernelRoot';

/** The kernel tree of a file: the nearest ancestor with mm/, else its workspace folder. */
export function kernelRootOf(uri: vscode.Uri): string | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  if (uri.scheme === 'file') return findKernelRoot(uri.fsPath) ?? folder;
  return folder;
}

/** The tree a palette command works on: the active editor's kernel tree, else the first workspace folder. */
export function currentTreeRoot(): string | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && active.scheme === 'file' ? kernelRootOf(active) : undefined) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** A failure for the user: cancellations are only logged. */
export function reportError(output: vscode.LogOutputChannel, what: string, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === 'Cancelled') {
    output.info(`${what}: cancelled`);
    return;
  }
  output.error(`${what}: ${err.stack ?? err.message}`);
  void vscode.window.showErrorMessage(`Kernel Path Simulator: ${err.message}`);
}
