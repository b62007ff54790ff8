/**
 * Counterexamples a reviewer can read: the same interleaving (every pair of segments that do not
 * commute stays in its order, so the run reaches the same state), reordered so that threads switch
 * as seldom as possible. Running ahead (lookahead.ts) reaches the shortest counterexamples first in
 * transitions, which can interleave two devices' segments that commute; this tells the story as
 * "the second device maps the page, then the GPU converts it".
 */
import { type Footprint, conflicts } from './footprint';

/** Counterexamples longer than this are left as found (the reordering is quadratic). */
export const NORMALIZE_MAX = 600;

/** The thread of a schedule entry ("dev0" or "dev0/timeout=expired"). */
export function entryThread(entry: string): string {
  const slash = entry.indexOf('/');
  return slash < 0 ? entry : entry.slice(0, slash);
}

/**
 * A reordering of `entries` (one per segment, with its footprint) that keeps each thread's
 * segments and every conflicting pair in order, and goes on with the current thread whenever its
 * next segment commutes with everything skipped so far. Returns the new order as indices.
 */
export function fewerSwitches(entries: readonly string[], fps: readonly Footprint[]): number[] {
  const n = entries.length;
  const thread = entries.map(entryThread);
  const placed = new Array<boolean>(n).fill(false);
  const order: number[] = [];
  // j may come next when every earlier segment not yet placed is another thread's and commutes with it.
  const ready = (j: number): boolean => {
    for (let i = 0; i < j; i++) if (!placed[i] && (thread[i] === thread[j] || conflicts(fps[i], fps[j]))) return false;
    return true;
  };
  let current: string | undefined;
  while (order.length < n) {
    let pick = -1;
    if (current !== undefined) {
      const next = thread.findIndex((t, j) => !placed[j] && t === current);
      if (next >= 0 && ready(next)) pick = next;
    }
    // The earliest segment not placed is always ready.
    if (pick < 0) pick = placed.indexOf(false);
    placed[pick] = true;
    order.push(pick);
    current = thread[pick];
  }
  return order;
}

/** How often a schedule switches from one thread to another. */
export function switches(entries: readonly string[]): number {
  let n = 0;
  for (let i = 1; i < entries.length; i++) if (entryThread(entries[i]) !== entryThread(entries[i - 1])) n++;
  return n;
}
