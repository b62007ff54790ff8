import { type BackendChoice, createParserService } from '../parsing/load';
import { FunctionLookup } from '../parsing/lookup';
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
  index: TreeIndex;
  lookup: FunctionLookup;
}

export async function openTree(tree: string | undefined, backend: BackendChoice): Promise<OpenTree> {
  if (!tree) throw new CliError('--tree DIR is required');
  const parser = await createParserService(backend);
  try {
    const index = indexTree(parser, tree);
    return { index, lookup: new FunctionLookup(index) };
  } finally {
    parser.dispose();
  }
}
