/**
 * What the explorer keeps per path besides the state, shared with the parent path rather than
 * copied: paths are thousands of decisions deep (the rmap walk over a THP), and copying them at
 * every transition made the search quadratic in depth.
 */

/** A path's scheduling decisions: the parent's, then this transition's own. */
export interface Decisions {
  readonly prev?: Decisions;
  readonly entries: string[];
  /** Decisions on the whole path. */
  length: number;
}

export const NO_DECISIONS: Decisions = { entries: [], length: 0 };

/** A child path with its first decision. */
export function extend(prev: Decisions, entry: string): Decisions {
  return { prev, entries: [entry], length: prev.length + 1 };
}

/** Adds a decision to a path no other path extends yet (the transition being run). */
export function push(d: Decisions, entry: string): void {
  d.entries.push(entry);
  d.length++;
}

/** Takes back the last decision `push` added (a segment that turned out not to run ahead). */
export function pop(d: Decisions): void {
  d.entries.pop();
  d.length--;
}

/** The decisions in order (what `simulate(..., { schedule })` replays). */
export function decisionList(d: Decisions): string[] {
  const chunks: string[][] = [];
  for (let x: Decisions | undefined = d; x; x = x.prev) chunks.push(x.entries);
  const out: string[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) for (const e of chunks[i]) out.push(e);
  return out;
}

/**
 * A map that shares its parent's entries: a child path writes its own layer. Lookups walk at most
 * `FLATTEN` layers; a deeper map copies its entries into one layer once.
 */
export class PathMap<V> {
  private static readonly FLATTEN = 16;
  /** Oldest first; the last is this map's own. */
  private readonly layers: Map<string, V>[];

  constructor(parent?: PathMap<V>) {
    if (!parent) this.layers = [new Map<string, V>()];
    else if (parent.layers.length >= PathMap.FLATTEN) this.layers = [parent.entries(), new Map<string, V>()];
    else this.layers = [...parent.layers, new Map<string, V>()];
  }

  get(k: string): V | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const m = this.layers[i];
      const v = m.get(k);
      if (v !== undefined || m.has(k)) return v;
    }
    return undefined;
  }

  set(k: string, v: V): void {
    this.layers[this.layers.length - 1].set(k, v);
  }

  /** Every entry, the nearest layer's value for a key. */
  entries(): Map<string, V> {
    const out = new Map<string, V>();
    for (const m of this.layers) for (const [k, v] of m) out.set(k, v);
    return out;
  }
}

const rangeTexts = new WeakMap<readonly number[], string>();

/** A sorted list of pfns as ranges ("512-1023,2048"): the dirty set of a THP is 512 pfns. */
export function rangesText(pfns: readonly number[]): string {
  let t = rangeTexts.get(pfns);
  if (t !== undefined) return t;
  const parts: string[] = [];
  for (let i = 0; i < pfns.length; ) {
    let j = i;
    while (j + 1 < pfns.length && pfns[j + 1] === pfns[j] + 1) j++;
    parts.push(j > i ? `${pfns[i]}-${pfns[j]}` : String(pfns[i]));
    i = j + 1;
  }
  t = parts.join(',');
  rangeTexts.set(pfns, t);
  return t;
}

const pfnSets = new WeakMap<readonly number[], Set<number>>();

/** `old` with the pfns of `now` added (sorted); `old` itself when it has them all already. */
export function withPfns(old: readonly number[], now: readonly number[]): readonly number[] {
  if (!now.length) return old;
  let had = pfnSets.get(old);
  if (!had) pfnSets.set(old, (had = new Set(old)));
  if (now.every((p) => had.has(p))) return old;
  const all = new Set(had);
  for (const p of now) all.add(p);
  return [...all].sort((a, b) => a - b);
}
