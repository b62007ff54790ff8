import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { callTree } from '../parsing/callTree';
import type { FunctionLookup } from '../parsing/lookup';
import { type HostMessage, PROTOCOL_VERSION, parseWebviewMessage } from '../protocol';
import { webviewHtml } from './webviewHtml';

/** Levels of calls sent up front; deeper ones are fetched when the user expands a node. */
const INITIAL_DEPTH = 2;

/**
 * The path view: the call tree from one function down to the kernel helpers, beside the editor.
 * Each function the tree defines links to its definition.
 */
export class PathView implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly root: string,
    private readonly lookup: FunctionLookup,
    private readonly fnName: string,
    private readonly file: string | undefined,
    private readonly sourceColumn: vscode.ViewColumn | undefined,
  ) {
    const dist = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(
      'kernelPathSim.path',
      `Path: ${fnName}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [dist, media], retainContextWhenHidden: true },
    );
    this.panel.webview.html = webviewHtml(this.panel.webview, ctx.extension.extensionUri, 'path.css', `Path: ${fnName}`);
    this.panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m), undefined, this.disposables);
    this.panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  get webviewPanel(): vscode.WebviewPanel {
    return this.panel;
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.ctx.output.warn(`path view: ignored a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.post({
          v: PROTOCOL_VERSION, type: 'pathTree', tree: path.basename(this.root), depth: INITIAL_DEPTH,
          root: callTree(this.lookup, this.fnName, this.file, INITIAL_DEPTH),
        });
        return;
      case 'expand': {
        const node = callTree(this.lookup, m.name, m.file, 1);
        this.post({ v: PROTOCOL_VERSION, type: 'children', requestId: m.requestId, children: node.children ?? [] });
        return;
      }
      case 'open': {
        const target = path.resolve(this.root, m.file);
        // Only files of this tree: a message cannot make the editor open ../anything.
        if (path.relative(this.root, target).startsWith('..') || path.isAbsolute(m.file)) {
          this.post({ v: PROTOCOL_VERSION, type: 'error', message: `refused to open ${m.file}: outside the tree` });
          return;
        }
        const line = m.line - 1;
        await vscode.window.showTextDocument(vscode.Uri.file(target), {
          viewColumn: this.sourceColumn ?? vscode.ViewColumn.One,
          selection: new vscode.Range(line, 0, line, 0),
          preserveFocus: false,
        });
        return;
      }
    }
  }

  dispose(): void {
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
