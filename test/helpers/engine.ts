import { FunctionLookup } from '../../extension/parsing/lookup';
import { indexTree } from '../../extension/parsing/treeIndex';
import type { EngineTree } from '../../extension/engine/simulate';
import { wasmService } from './parser';

const cache = new Map<string, Promise<EngineTree>>();

/** A tree ready for the engine (indexed once per test process). */
export function engineTree(root: string): Promise<EngineTree> {
  let t = cache.get(root);
  if (!t) {
    t = wasmService().then((parser) => ({ root, parser, lookup: new FunctionLookup(indexTree(parser, root)) }));
    cache.set(root, t);
  }
  return t;
}
