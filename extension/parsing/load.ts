import type { ParserBackend } from './backend';
import { findGrammarDir } from './grammarDir';
import { loadNativeBackend } from './nativeBackend';
import { ParserService, type ServiceOptions, readQuerySource } from './parserService';
import { loadWasmBackend } from './wasmBackend';

export type BackendChoice = 'wasm' | 'native' | 'auto';

/**
 * The parser service with the chosen backend. 'auto' takes the native binding when it loads
 * (the CLI's choice: it is a little faster) and WASM otherwise; the extension always uses WASM.
 */
export async function createParserService(choice: BackendChoice = 'wasm', options: ServiceOptions & { grammarDir?: string } = {}): Promise<ParserService> {
  const grammarDir = options.grammarDir ?? findGrammarDir();
  let backend: ParserBackend | undefined;
  if (choice !== 'wasm') backend = loadNativeBackend();
  if (!backend && choice === 'native') throw new Error('the native tree-sitter binding is not installed or does not load here');
  backend ??= await loadWasmBackend(grammarDir);
  return new ParserService(backend, readQuerySource(grammarDir, 'function-details'), options);
}
