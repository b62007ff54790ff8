import family from './family.json';
import type { FunctionDetails, FunctionInfo } from './functionIndex';
import type { IndexedFile, TreeIndex } from './treeIndex';

/** A function definition and where it is. */
export interface FunctionRef {
  file: string;
  fn: FunctionInfo;
  details: FunctionDetails;
}

export interface Located {
  /** The name asked for. */
  query: string;
  /** The name it was found under (differs when found through the rename map). */
  matched: string;
  definitions: FunctionRef[];
}

/** Functions of the device-exclusive / HMM family: the ones that get a code lens. */
export const FAMILY: ReadonlySet<string> = new Set(family.family);

/** The other names a function has had in other kernel versions. */
export function otherNames(name: string): string[] {
  const group = family.renames.find((r) => r.names.includes(name));
  return group ? group.names.filter((n) => n !== name) : [];
}

export class UnknownFunctionError extends Error {
  constructor(readonly query: string, readonly suggestions: string[], tree: string) {
    super(
      `no function '${query}' in ${tree}` +
        (otherNames(query).length ? ` (also looked for ${otherNames(query).join(', ')})` : '') +
        (suggestions.length ? `; close names: ${suggestions.join(', ')}` : ''),
    );
    this.name = 'UnknownFunctionError';
  }
}

/** Name lookups over a tree index. */
export class FunctionLookup {
  private readonly byName = new Map<string, FunctionRef[]>();

  constructor(readonly index: TreeIndex) {
    for (const f of index.files) this.addFile(f);
  }

  private addFile(f: IndexedFile): void {
    f.functions.forEach((fn, i) => {
      const refs = this.byName.get(fn.name) ?? [];
      refs.push({ file: f.path, fn, details: f.details[i] });
      this.byName.set(fn.name, refs);
    });
  }

  /** Definitions of exactly this name. Static functions may be defined in several files. */
  definitions(name: string): FunctionRef[] {
    return this.byName.get(name) ?? [];
  }

  /** Definitions of `name`, preferring `fromFile` (a static callee lives in its caller's file). */
  resolveCall(name: string, fromFile?: string): FunctionRef | undefined {
    const defs = this.definitions(name);
    return defs.find((d) => d.file === fromFile) ?? defs.find((d) => d.file.endsWith('.c')) ?? defs[0];
  }

  /** Finds a function by name, then through the rename map. */
  locate(name: string): Located | undefined {
    for (const candidate of [name, ...otherNames(name)]) {
      const defs = this.definitions(candidate);
      if (defs.length) return { query: name, matched: candidate, definitions: defs };
    }
    return undefined;
  }

  /** Like locate, but throws with close names when nothing is found. */
  locateOrThrow(name: string): Located {
    const found = this.locate(name);
    if (found) return found;
    throw new UnknownFunctionError(name, this.closeNames(name), this.index.root);
  }

  /** Up to `max` defined names closest to `name` (edit distance, then shared substrings). */
  closeNames(name: string, max = 5): string[] {
    const scored: [number, string][] = [];
    const limit = Math.max(3, Math.floor(name.length / 3));
    for (const n of this.byName.keys()) {
      const d = n.includes(name) || name.includes(n) ? 1 : editDistance(name, n, limit);
      if (d <= limit) scored.push([d, n]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
    return scored.slice(0, max).map(([, n]) => n);
  }

  get names(): IterableIterator<string> {
    return this.byName.keys();
  }
}

/** Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length];
}
