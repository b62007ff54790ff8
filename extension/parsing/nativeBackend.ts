import {
  type BackendTree, type ParseOptions, type ParserBackend, type TextEdit,
  ParseCancelledError, ParseTimeoutError, ParserDeadError, stopper,
} from './backend';
import type { CompiledQuery, SyntaxNode } from './syntax';

/** The parts of the native `tree-sitter` binding this backend uses (it is an optional dependency). */
interface NativeTree {
  rootNode: SyntaxNode;
  edit(e: TextEdit): void;
}
interface NativeParser {
  setLanguage(l: unknown): void;
  parse(text: string, old: NativeTree | null, options: { bufferSize: number; progressCallback: () => boolean }): NativeTree;
  reset(): void;
}
interface NativeModule {
  new (): NativeParser;
  Query: new (language: unknown, source: string) => CompiledQuery;
}

/**
 * Loads the native binding, or returns undefined when it is not installed or does not load
 * (no prebuild for this platform, no compiler at install time).
 */
export function loadNativeBackend(): ParserBackend | undefined {
  let Parser: NativeModule;
  let language: unknown;
  try {
    // Plain require so the bundler leaves these optional native modules outside the bundle.
    Parser = require('tree-sitter') as NativeModule;
    language = require('tree-sitter-c') as unknown;
  } catch {
    return undefined;
  }
  return new NativeBackend(Parser, language);
}

class NativeTreeHandle implements BackendTree {
  constructor(readonly inner: NativeTree) {}
  get rootNode(): SyntaxNode {
    return this.inner.rootNode;
  }
  edit(e: TextEdit): void {
    this.inner.edit(e);
  }
  delete(): void {
    // Native trees are freed by the garbage collector.
  }
}

class NativeBackend implements ParserBackend {
  readonly kind = 'native' as const;
  readonly description = 'tree-sitter (native binding)';
  private readonly parser: NativeParser;

  constructor(private readonly Parser: NativeModule, private readonly language: unknown) {
    this.parser = new Parser();
    this.parser.setLanguage(language);
  }

  parse(text: string, oldTree?: BackendTree, options?: ParseOptions): BackendTree {
    const stop = stopper(options);
    let tree: NativeTree | undefined;
    try {
      // bufferSize: the binding copies the string through a buffer of this many code units.
      tree = this.parser.parse(text, oldTree instanceof NativeTreeHandle ? oldTree.inner : null, {
        bufferSize: text.length + 1,
        progressCallback: () => stop.check(),
      });
    } catch (e) {
      if (!stop.reason()) throw new ParserDeadError(`tree-sitter (native) failed: ${String(e)}`, e);
    }
    const why = stop.reason();
    if (why || !tree) {
      this.parser.reset();
      if (why === 'cancel') throw new ParseCancelledError();
      throw new ParseTimeoutError(options?.timeoutMs ?? 0, `${text.length} characters`);
    }
    return new NativeTreeHandle(tree);
  }

  query(source: string): CompiledQuery {
    return new this.Parser.Query(this.language, source);
  }

  dispose(): void {}
}
