import * as fs from 'fs';
import * as path from 'path';
import { Edit, Language, Parser, Query } from 'web-tree-sitter';
import {
  type BackendTree, type ParseOptions, type ParserBackend, type TextEdit,
  ParseCancelledError, ParseTimeoutError, ParserDeadError, stopper,
} from './backend';
import type { CompiledQuery, SyntaxNode } from './syntax';

let runtime: Promise<void> | undefined;

/** Loads web-tree-sitter and the C grammar from `grammarDir` (which holds both .wasm files). */
export async function loadWasmBackend(grammarDir: string): Promise<ParserBackend> {
  const runtimeWasm = path.join(grammarDir, 'web-tree-sitter.wasm');
  const grammarWasm = path.join(grammarDir, 'tree-sitter-c.wasm');
  for (const f of [runtimeWasm, grammarWasm]) {
    if (!fs.existsSync(f)) throw new ParserDeadError(`tree-sitter file missing: ${f} (run the build)`);
  }
  try {
    runtime ??= Parser.init({ locateFile: (f: string) => path.join(grammarDir, f) });
    await runtime;
    const language = await Language.load(grammarWasm);
    return new WasmBackend(language);
  } catch (e) {
    runtime = undefined;
    throw new ParserDeadError(`tree-sitter (WASM) failed to load: ${String(e)}`, e);
  }
}

class WasmTree implements BackendTree {
  constructor(readonly inner: import('web-tree-sitter').Tree) {}
  get rootNode(): SyntaxNode {
    return this.inner.rootNode;
  }
  edit(e: TextEdit): void {
    this.inner.edit(new Edit(e));
  }
  delete(): void {
    this.inner.delete();
  }
}

class WasmBackend implements ParserBackend {
  readonly kind = 'wasm' as const;
  readonly description: string;
  private readonly parser: Parser;
  private dead: ParserDeadError | undefined;

  constructor(private readonly language: Language) {
    this.parser = new Parser();
    this.parser.setLanguage(language);
    this.description = `web-tree-sitter (WASM), C grammar ABI ${language.abiVersion}`;
  }

  parse(text: string, oldTree?: BackendTree, options?: ParseOptions): BackendTree {
    if (this.dead) throw this.dead;
    const stop = stopper(options);
    let tree;
    try {
      tree = this.parser.parse(text, oldTree instanceof WasmTree ? oldTree.inner : null, {
        progressCallback: () => stop.check(),
      });
    } catch (e) {
      // A WASM trap leaves the module's memory in an unknown state: nothing it returns can be trusted.
      this.dead = new ParserDeadError(`tree-sitter (WASM) crashed and cannot parse any more: ${String(e)}`, e);
      throw this.dead;
    }
    if (!tree) {
      const why = stop.reason();
      this.parser.reset();
      if (why === 'cancel') throw new ParseCancelledError();
      if (why === 'timeout') throw new ParseTimeoutError(options?.timeoutMs ?? 0, `${text.length} characters`);
      throw new ParserDeadError('tree-sitter (WASM) returned no tree');
    }
    return new WasmTree(tree);
  }

  query(source: string): CompiledQuery {
    return new Query(this.language, source);
  }

  dispose(): void {
    this.parser.delete();
  }
}
