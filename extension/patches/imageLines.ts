/**
 * Lines of a hunk ↔ lines of the pre/post images the diff editor shows. A hunk line is on the old
 * side when it was removed ('-'), on the new side otherwise; context lines exist on both.
 */
import type { Hunk } from './types';

export type ImageSide = 'old' | 'new';

export interface HunkPlace {
  /** 1-based image line of the hunk's first line on each side. */
  oldLine: number;
  newLine: number;
}

/** The image line (1-based) of line `index` of a hunk on `side`, or undefined if it is not on that side. */
export function imageLine(h: Hunk, place: HunkPlace, index: number, side: ImageSide): number | undefined {
  let o = place.oldLine;
  let n = place.newLine;
  for (let i = 0; i < h.lines.length; i++) {
    const mark = h.lines[i][0];
    if (i === index) {
      if (mark === '-') return side === 'old' ? o : undefined;
      if (mark === '+') return side === 'new' ? n : undefined;
      if (mark === ' ') return side === 'old' ? o : n;
      return undefined;
    }
    if (mark === '-') o++;
    else if (mark === '+') n++;
    else if (mark === ' ') {
      o++;
      n++;
    }
  }
  return undefined;
}

/** Where a hunk's lines are on one side: first and last image line (1-based), or undefined when it has none there. */
export function hunkSpan(h: Hunk, place: HunkPlace, side: ImageSide): { first: number; last: number } | undefined {
  const count = h.lines.filter((l) => l[0] === ' ' || l[0] === (side === 'old' ? '-' : '+')).length;
  const first = side === 'old' ? place.oldLine : place.newLine;
  return count ? { first, last: first + count - 1 } : undefined;
}

/** The hunk line shown at image line `line` (1-based) on `side`, searching every hunk. */
export function hunkLineAt(hunks: readonly Hunk[], places: readonly HunkPlace[], line: number, side: ImageSide): { hunk: number; line: number } | undefined {
  for (let k = 0; k < hunks.length; k++) {
    const h = hunks[k];
    const span = hunkSpan(h, places[k], side);
    if (!span || line < span.first || line > span.last) continue;
    for (let i = 0; i < h.lines.length; i++) if (imageLine(h, places[k], i, side) === line) return { hunk: k, line: i };
  }
  return undefined;
}

/** The side a hunk line belongs to when a remark is made on it. */
export function sideOf(h: Hunk, index: number): ImageSide {
  return h.lines[index]?.[0] === '-' ? 'old' : 'new';
}
