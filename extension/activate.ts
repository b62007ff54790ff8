import * as path from 'path';
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { Commands } from './commands/table';
import { showPath, simulatePath, kernelRootOf } from './commands/simulatePath';
import { registerCodeLens } from './views/codeLens';

/** Wires the features together. Nothing heavy here: the grammar loads on first use. */
export function activate(extension: vscode.ExtensionContext): { ctx: Ctx } {
  const ctx = new Ctx(extension);
  extension.subscriptions.push(
    ctx,
    registerCodeLens(ctx),
    vscode.commands.registerCommand(Commands.simulatePath, (arg: unknown) => simulatePath(ctx, arg)),
    vscode.commands.registerCommand(Commands.showPath, () => showPath(ctx)),
    vscode.commands.registerCommand(Commands.reindexTree, () => ctx.forgetIndexes()),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (!/\.[ch]$/.test(doc.uri.fsPath)) return;
      const root = kernelRootOf(doc.uri);
      if (root && !path.relative(root, doc.uri.fsPath).startsWith('..')) void ctx.refreshFile(root, doc.uri.fsPath);
    }),
  );
  return { ctx };
}

export function deactivate(): void {}
