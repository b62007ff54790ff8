import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './parser';

/**
 * The real kernel trees to test on: $KPSIM_KERNEL_TREES (directories separated by ':'), or every
 * tree in ../shared/kernel beside the repository. Empty when there are none.
 */
export function kernelTrees(): { trees: string[]; source: string } {
  const env = process.env.KPSIM_KERNEL_TREES;
  if (env) return { trees: env.split(':').filter(Boolean).map((p) => path.resolve(p)), source: '$KPSIM_KERNEL_TREES' };
  const shared = path.resolve(REPO, '../shared/kernel');
  if (!fs.existsSync(shared)) return { trees: [], source: `${shared} (not present)` };
  const trees = fs.readdirSync(shared, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(shared, d.name, 'mm')))
    .map((d) => path.join(shared, d.name));
  return { trees, source: shared };
}
