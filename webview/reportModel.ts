/**
 * What the comparison report's page computes for display. Pure (no DOM, and no engine code: the
 * webview bundle must not pull in the engine's node modules through extension/views/compareView.ts,
 * whose types alone it imports).
 */

/** Each distinct line with how many times it occurs, in order of first occurrence (a livelock repeats one invalidation hundreds of times). */
export function counted(lines: readonly string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return [...m];
}
