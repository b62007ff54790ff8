import * as fs from 'fs';
import * as path from 'path';

/**
 * Where the tree-sitter .wasm files and queries are: `grammars/` next to the bundle (dist/../grammars)
 * or at the repository root when running from source. KPSIM_GRAMMAR_DIR overrides.
 */
export function findGrammarDir(from: string = __dirname): string {
  const env = process.env.KPSIM_GRAMMAR_DIR;
  if (env) return env;
  for (const up of ['..', '../..', '.']) {
    const dir = path.resolve(from, up, 'grammars');
    if (fs.existsSync(path.join(dir, 'queries'))) return dir;
  }
  return path.resolve(from, '..', 'grammars');
}
