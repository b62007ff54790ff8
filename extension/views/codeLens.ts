import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { FAMILY } from '../parsing/lookup';
import { Commands, type LensArgs } from '../commands/table';

/**
 * Above each function of the device-exclusive family in a C file: "Simulate this path" (runs the
 * scenario that enters there and opens its trace), "Show call path" (the path view) and "Debug this
 * path" (the same scenario as a debug session).
 */
export class FamilyCodeLensProvider implements vscode.CodeLensProvider {
  /** The last lenses of each document: served while a parse fails mid-edit, so they never flicker. */
  private readonly last = new Map<string, vscode.CodeLens[]>();
  private readonly warned = new Set<string>();

  constructor(private readonly ctx: Ctx) {}

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const key = doc.uri.toString();
    try {
      const parser = await this.ctx.parserService();
      const parsed = parser.parse(key, doc.getText(), { isCancelled: () => token.isCancellationRequested });
      if (parsed.unreadable > 0.5 && !this.warned.has(key)) {
        this.warned.add(key);
        void vscode.window.showWarningMessage(
          `Kernel Path Simulator: most of ${vscode.workspace.asRelativePath(doc.uri)} could not be parsed as C; functions in it may be missing.`,
        );
      }
      const lenses = parsed.functions
        .filter((f) => FAMILY.has(f.name))
        .flatMap((f) => {
          const args: LensArgs = { uri: key, name: f.name, line: f.startLine };
          const range = new vscode.Range(f.startLine - 1, 0, f.startLine - 1, 0);
          return [
            new vscode.CodeLens(range, {
              title: 'Simulate this path',
              tooltip: `Run a scenario through ${f.name} on this kernel tree and show its trace`,
              command: Commands.simulatePath,
              arguments: [args],
            }),
            new vscode.CodeLens(range, {
              title: 'Show call path',
              tooltip: `Follow ${f.name} through this kernel tree: its call tree down to the kernel helpers`,
              command: Commands.showCallPath,
              arguments: [args],
            }),
            new vscode.CodeLens(range, {
              title: 'Explore races',
              tooltip: `Run every interleaving of the scenario entering at ${f.name} (its CPUs and devices) and check the invariants: secondary-MMU coherence, dirty bit, folio lock, refcounts, deadlock, livelock, ...`,
              command: Commands.exploreRaces,
              arguments: [args],
            }),
            new vscode.CodeLens(range, {
              title: 'Debug this path',
              tooltip: `Step through a scenario that enters at ${f.name} in the debugger: forwards, backwards, breakpoints, locals and the mm state`,
              command: Commands.debugPath,
              arguments: [args],
            }),
          ];
        });
      this.last.set(key, lenses);
      return lenses;
    } catch (e) {
      if (e instanceof Error && e.name === 'ParseCancelledError') return this.last.get(key) ?? [];
      const msg = e instanceof Error ? e.message : String(e);
      this.ctx.output.error(`code lenses for ${doc.uri.fsPath}: ${msg}`);
      if (e instanceof Error && e.name === 'ParserDeadError' && !this.warned.has('dead')) {
        this.warned.add('dead');
        void vscode.window.showErrorMessage(`Kernel Path Simulator: ${msg}`);
      }
      return this.last.get(key) ?? [];
    }
  }

  forget(doc: vscode.TextDocument): void {
    this.last.delete(doc.uri.toString());
    this.warned.delete(doc.uri.toString());
  }
}

export function registerCodeLens(ctx: Ctx): vscode.Disposable {
  const provider = new FamilyCodeLensProvider(ctx);
  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider([{ language: 'c', scheme: 'file' }, { language: 'c', scheme: 'untitled' }], provider),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      provider.forget(doc);
      void ctx.parserService().then((p) => p.forget(doc.uri.toString()), () => undefined);
    }),
  );
}
