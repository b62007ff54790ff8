import * as path from 'path';
import * as vscode from 'vscode';
import { findGrammarDir } from './parsing/grammarDir';
import { indexInWorker } from './parsing/indexClient';
import { createParserService } from './parsing/load';
import { FunctionLookup } from './parsing/lookup';
import type { ParserService } from './parsing/parserService';
import { type TreeIndex, indexFile } from './parsing/treeIndex';

/**
 * What the features share: the parser (created on first use, never at activation) and the
 * index of each kernel tree (built once, in a worker, then kept up to date on save).
 */
export class Ctx implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Kernel Path Simulator', { log: true });
  /** A debug session moved through a trace: the simulation panel showing that trace follows. */
  readonly traceStep = new vscode.EventEmitter<{ scenario: string; tree: string; step: number }>();
  private parser: Promise<ParserService> | undefined;
  private readonly indexes = new Map<string, Promise<FunctionLookup>>();
  /** Where the tree-sitter .wasm files and queries are (also handed to the workers). */
  readonly grammarDir: string;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.grammarDir = findGrammarDir(path.join(extension.extensionPath, 'dist'));
  }

  /** The parser service; a load failure is remembered and reported on every use. */
  parserService(): Promise<ParserService> {
    this.parser ??= createParserService('wasm', { grammarDir: this.grammarDir }).then((p) => {
      this.output.info(`parser ready: ${p.backend.description}`);
      return p;
    });
    return this.parser;
  }

  /** The function lookup of a kernel tree, indexing it (with progress, cancellable) on first use. */
  lookup(root: string): Promise<FunctionLookup> {
    let p = this.indexes.get(root);
    if (!p) {
      p = this.buildIndex(root);
      this.indexes.set(root, p);
      p.catch(() => this.indexes.delete(root));
    }
    return p;
  }

  private async buildIndex(root: string): Promise<FunctionLookup> {
    const index = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Indexing ${path.basename(root)}`, cancellable: true },
      async (progress, token): Promise<TreeIndex> => {
        let last = 0;
        return indexInWorker(
          path.join(this.extension.extensionPath, 'dist', 'indexWorker.js'),
          { root, grammarDir: this.grammarDir },
          (p) => {
            const pct = p.total ? (100 * p.done) / p.total : 0;
            progress.report({ message: p.file, increment: pct - last });
            last = pct;
          },
          token,
        );
      },
    );
    this.output.info(`indexed ${root}: ${index.files.length} files in ${index.seconds.toFixed(2)} s`);
    return new FunctionLookup(index);
  }

  /** Re-reads one saved file into the tree's index, if that tree was indexed. */
  async refreshFile(root: string, file: string): Promise<void> {
    const current = this.indexes.get(root);
    if (!current) return;
    const rel = path.relative(root, file).split(path.sep).join('/');
    const [lookup, parser] = await Promise.all([current, this.parserService()]);
    const updated = indexFile(parser, root, rel);
    const files = lookup.index.files.filter((f) => f.path !== rel);
    files.push(updated);
    this.indexes.set(root, Promise.resolve(new FunctionLookup({ ...lookup.index, files })));
  }

  /** Drops every tree index: the next use indexes again. */
  forgetIndexes(): void {
    this.indexes.clear();
    this.output.info('tree indexes dropped');
  }

  dispose(): void {
    this.traceStep.dispose();
    this.output.dispose();
    void this.parser?.then((p) => p.dispose(), () => undefined);
  }
}
