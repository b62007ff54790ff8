import * as fs from 'fs';
import * as path from 'path';

/**
 * The kernel tree a file belongs to: the nearest ancestor directory with an `mm/` directory
 * (the examples tree and partial trees have no Makefile, so that is not required).
 */
export function findKernelRoot(file: string, stopAt?: string): string | undefined {
  let dir = path.dirname(path.resolve(file));
  const stop = stopAt ? path.resolve(stopAt) : undefined;
  for (;;) {
    if (isDir(path.join(dir, 'mm'))) return dir;
    const up = path.dirname(dir);
    if (up === dir || (stop && path.relative(stop, dir).startsWith('..'))) return undefined;
    if (stop && dir === stop) return undefined;
    dir = up;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
