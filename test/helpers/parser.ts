import * as path from 'path';
import { createParserService } from '../../extension/parsing/load';
import type { ParserService } from '../../extension/parsing/parserService';

export const REPO = path.resolve(__dirname, '../..');
export const EXAMPLES = path.join(REPO, 'examples');
export const FIXTURES = path.join(REPO, 'test/fixtures');

let wasm: Promise<ParserService> | undefined;
/** One WASM parser service shared by the tests of a file. */
export function wasmService(): Promise<ParserService> {
  wasm ??= createParserService('wasm', { grammarDir: path.join(REPO, 'grammars') });
  return wasm;
}
