import * as fs from 'fs';
import * as path from 'path';

/**
 * The model's C files (kpsim/*.c): next to this module when running from source, under
 * extension/engine/model/kpsim beside dist/ when bundled. KPSIM_MODEL_DIR overrides.
 */
export function modelDir(from: string = __dirname): string {
  const candidates = [process.env.KPSIM_MODEL_DIR, path.join(from, 'kpsim'), path.join(from, '..', 'extension/engine/model/kpsim'), path.join(from, 'model/kpsim')];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'fault.c'))) return c;
  throw new Error(`the model's C files (kpsim/*.c) are missing; looked in ${candidates.filter(Boolean).join(', ')}`);
}

export function modelFiles(dir = modelDir()): { name: string; text: string }[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => ({ name: `kpsim/${f}`, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}
