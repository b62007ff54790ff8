import { type BackendChoice, createParserService } from '../parsing/load';
import { FunctionLookup } from '../parsing/lookup';
import type { ParserService } from '../parsing/parserService';
import { type TreeIndex, indexTree } from '../parsing/treeIndex';

/** Where the CLI writes: the process, or a buffer in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** All of standard input (b4-check reads its message there). */
  stdin?(): Promise<Buffer>;
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(parts);
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  stdin: () => readAll(process.stdin),
};

/** A mistake in how the command was called (exit 64). */
export class CliError extends Error {}

export interface OpenTree {
  root: string;
  index: TreeIndex;
  lookup: FunctionLookup;
  parser: ParserService;
}

/** Indexes the tree and lends it to `use`; the parser is freed afterwards. */
export async function withTree<T>(tree: string | undefined, backend: BackendChoice, use: (t: OpenTree) => T | Promise<T>): Promise<T> {
  if (!tree) throw new CliError('--tree DIR is required');
  const parser = await createParserService(backend);
  try {
    const index = indexTree(parser, tree);
    return await use({ root: tree, index, lookup: new FunctionLookup(index), parser });
  } finally {
    parser.dispose();
  }
}

/** A parser for commands that need no tree index; freed afterwards. */
export async function withParser<T>(backend: BackendChoice, use: (parser: ParserService) => T | Promise<T>): Promise<T> {
  const parser = await createParserService(backend);
  try {
    return await use(parser);
  } finally {
    parser.dispose();
  }
}
