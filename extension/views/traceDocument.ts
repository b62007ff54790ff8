import * as path from 'path';
import * as vscode from 'vscode';
import { findTraceLocations, isModelFile, traceStepAt } from '../run/traceText';
import { Commands, commandUri } from '../commands/table';

/** The scheme of the read-only trace documents. */
export const TRACE_SCHEME = 'kpsim-trace';
/** Their language (contributed in package.json, with a grammar that colours verdicts and steps). */
export const TRACE_LANGUAGE = 'kpsim-trace';

/** Traces kept for reopening (a closed trace tab can come back through "reopen closed editor"). */
const KEEP = 50;

interface Trace {
  /** The kernel tree the trace's `file:line` references are relative to. */
  root: string;
  text: string;
  /** The editor group the simulation was started from: links open there. */
  sourceColumn?: vscode.ViewColumn;
}

/**
 * The ASCII traces of simulation runs as read-only virtual documents (`kpsim-trace:` URIs, one per
 * run), whose `file:line` references are links: tree files against the kernel tree, `kpsim/*.c`
 * against the model's C shipped with the extension.
 */
export class TraceDocuments implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider, vscode.HoverProvider {
  private readonly traces = new Map<string, Trace>();
  private readonly runs = new Map<string, number>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Stores a trace and returns the URI of its document. */
  add(root: string, scenarioId: string, text: string, sourceColumn?: vscode.ViewColumn): vscode.Uri {
    const tree = path.basename(root) || 'tree';
    const key = `${root}\0${scenarioId}`;
    const n = (this.runs.get(key) ?? 0) + 1;
    this.runs.set(key, n);
    const uri = vscode.Uri.from({ scheme: TRACE_SCHEME, path: `/${tree}/${scenarioId}${n > 1 ? ` (${n})` : ''}.kptrace` });
    this.traces.set(uri.path, { root, text, sourceColumn });
    while (this.traces.size > KEEP) this.traces.delete(this.traces.keys().next().value!);
    return uri;
  }

  /** The kernel tree of a trace document (undefined for any other document). */
  rootOf(uri: vscode.Uri): string | undefined {
    return uri.scheme === TRACE_SCHEME ? this.traces.get(uri.path)?.root : undefined;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.traces.get(uri.path)?.text ?? `This trace is no longer kept (only the last ${KEEP} runs are). Run the simulation again.\n`;
  }

  /** Where a `file:line` reference of a trace points, or undefined if it leaves the tree. */
  resolve(trace: { root: string }, file: string): vscode.Uri | undefined {
    if (isModelFile(file)) return vscode.Uri.joinPath(this.extensionUri, 'extension/engine/model', file);
    const abs = path.resolve(trace.root, file);
    if (path.relative(trace.root, abs).startsWith('..') || path.isAbsolute(file)) return undefined;
    return vscode.Uri.file(abs);
  }

  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const trace = this.traces.get(doc.uri.path);
    if (!trace) return [];
    const links: vscode.DocumentLink[] = [];
    for (const loc of findTraceLocations(doc.getText())) {
      const target = this.resolve(trace, loc.file);
      if (!target) continue;
      const link = new vscode.DocumentLink(
        new vscode.Range(loc.line, loc.start, loc.line, loc.end),
        vscode.Uri.parse(commandUri(Commands.openTraceLocation, { path: target.fsPath, line: loc.target, column: trace.sourceColumn })),
      );
      link.tooltip = `Open ${loc.file} at line ${loc.target}`;
      links.push(link);
    }
    return links;
  }

  /** A step's whole story on hover: the "what happened" column is off-screen in a narrow editor. */
  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!this.traces.has(doc.uri.path)) return undefined;
    const s = traceStepAt(doc.getText(), pos.line);
    if (!s) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Step ${s.step}** · ${s.thread} · \`${s.fn}\` at \`${s.file}:${s.target}\`\n\n`);
    md.appendCodeblock(s.what.join('\n'), 'text');
    return new vscode.Hover(md, new vscode.Range(s.line, 0, s.lastLine, doc.lineAt(s.lastLine).text.length));
  }

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, this),
      vscode.languages.registerDocumentLinkProvider({ scheme: TRACE_SCHEME }, this),
      vscode.languages.registerHoverProvider({ scheme: TRACE_SCHEME }, this),
    );
  }
}
