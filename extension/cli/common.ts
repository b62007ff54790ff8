import { type BackendChoice, createParserService } from '../parsing/load';
import { FunctionLookup } from '../parsing/lookup';
import type { ParserService } from '../parsing/parserService';
import { type TreeIndex, indexTree } from '../parsing/treeIndex';

/** Where the CLI writes: the process, or a buffer in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
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
