/**
 * Reading the ASCII trace back (renderAscii's output): where its `file:line` references are, and
 * which lines are steps. Pure, so the editor's link provider and the tests share it.
 */

/** One `file:line` reference in the trace text. Lines and columns are 0-based; `target` is 1-based. */
export interface TraceLocation {
  line: number;
  start: number;
  end: number;
  /** As written: relative to the kernel tree, or `kpsim/<name>.c` for the model's own C. */
  file: string;
  target: number;
}

/** A relative C path (no leading slash, no `..` segment) and a line number. */
const LOCATION = /(?<![\w./-])((?:[A-Za-z0-9_+-][A-Za-z0-9_.+-]*\/)*[A-Za-z0-9_+-][A-Za-z0-9_.+-]*\.[ch]):([1-9]\d*)(?![\w.])/g;

export function findTraceLocations(text: string): TraceLocation[] {
  const out: TraceLocation[] = [];
  text.split('\n').forEach((lineText, line) => {
    for (const m of lineText.matchAll(LOCATION)) {
      const file = m[1];
      if (file.split('/').some((seg) => seg === '..' || seg === '.')) continue;
      out.push({ line, start: m.index, end: m.index + m[0].length, file, target: Number(m[2]) });
    }
  });
  return out;
}

/** Whether a reference is to the model's C (shipped with the extension) rather than the tree. */
export function isModelFile(file: string): boolean {
  return /^kpsim\/[^/]+\.c$/.test(file);
}

export interface TraceStepLine {
  line: number;
  step: number;
  thread: string;
  file: string;
  target: number;
  fn: string;
}

const STEP = /^ {2}(\d+) +(\S+) +(\S+?):(\d+) +(\S+) /;

/** The first line of each step of the timeline. */
export function traceStepLines(text: string): TraceStepLine[] {
  const out: TraceStepLine[] = [];
  text.split('\n').forEach((lineText, line) => {
    const m = STEP.exec(lineText);
    if (m) out.push({ line, step: Number(m[1]), thread: m[2], file: m[3], target: Number(m[4]), fn: m[5] });
  });
  return out;
}

export interface TraceStepBlock extends TraceStepLine {
  /** The step's "what happened" entries: its first line's and its continuation lines'. */
  what: string[];
  /** The last line of the block (continuation lines included). */
  lastLine: number;
}

/**
 * The step a line of the trace belongs to (its own line or one of its continuation lines), with
 * everything that happened in it: in an editor narrower than the table, that column is off-screen.
 */
export function traceStepAt(text: string, line: number): TraceStepBlock | undefined {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /^ {2}step +thread +file:line +function +what happened$/.test(l));
  if (header < 0 || line <= header + 1 || line >= lines.length) return undefined;
  const col = lines[header].indexOf('what happened');
  const continuation = (l: string): boolean => l.length > col && l.slice(0, col).trim() === '';
  let first = line;
  while (first > header + 1 && continuation(lines[first])) first--;
  const m = STEP.exec(lines[first]);
  if (!m) return undefined;
  const what = [lines[first].slice(col)];
  let last = first;
  while (last + 1 < lines.length && continuation(lines[last + 1])) what.push(lines[++last].slice(col));
  if (line > last) return undefined;
  return { line: first, step: Number(m[1]), thread: m[2], file: m[3], target: Number(m[4]), fn: m[5], what: what.map((w) => w.trim()), lastLine: last };
}
