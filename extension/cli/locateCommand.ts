import { type CliIo, CliError, type OpenTree } from './common';
import { UnknownFunctionError } from '../parsing/lookup';

export interface LocateRow {
  query: string;
  matched: string;
  file: string;
  startLine: number;
  nameLine: number;
  endLine: number;
  signature: string;
}

/** `kpsim locate`: one row per definition found; exit 1 if any name is unknown. */
export function runLocate({ lookup }: OpenTree, names: string[], json: boolean, io: CliIo): number {
  if (names.length === 0) throw new CliError('locate needs at least one function name');
  const rows: LocateRow[] = [];
  const missing: UnknownFunctionError[] = [];
  for (const name of names) {
    try {
      const found = lookup.locateOrThrow(name);
      for (const d of found.definitions) {
        rows.push({
          query: name, matched: found.matched, file: d.file,
          startLine: d.fn.startLine, nameLine: d.fn.nameLine, endLine: d.fn.endLine, signature: d.fn.signature,
        });
      }
    } catch (e) {
      if (!(e instanceof UnknownFunctionError)) throw e;
      missing.push(e);
    }
  }
  if (json) io.out(JSON.stringify(rows, null, 2));
  else {
    for (const r of rows) {
      const via = r.matched !== r.query ? ` (as ${r.matched})` : '';
      io.out(`${r.query}${via}\t${r.file}:${r.startLine}-${r.endLine}\t${r.signature}`);
    }
  }
  for (const e of missing) io.err(`kpsim: ${e.message}`);
  return missing.length ? 1 : 0;
}
