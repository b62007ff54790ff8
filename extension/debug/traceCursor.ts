/**
 * A position in a recorded trace, moved the way a debugger moves: step in / over / out and back,
 * continue and reverse continue to breakpoints. The trace is replayed, never re-run, so every move
 * is exact in both directions. Pure: the debug adapter, the tests and anything else share it.
 */

/** What the cursor needs of a trace step (engine/interp/machine.ts TraceStep has all of it). */
export interface CursorStep {
  thread: string;
  fn: string;
  /** As the trace writes it: relative to the kernel tree, or `kpsim/<name>.c`. */
  file: string;
  /** 1-based. */
  line: number;
  /** Call depth, 0 = the thread's entry function. */
  depth: number;
}

/** One frame of a reconstructed call stack. */
export interface Frame {
  fn: string;
  file: string;
  line: number;
  depth: number;
  /** The step that last set this frame's line: its locals are this frame's. */
  step: number;
}

/** Which steps a move may stop at (besides breakpoints), given the step it starts from. */
type Target = (s: CursorStep, from: CursorStep) => boolean;

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint';

/** Where a move ended: a step to stop at, or the end of the trace (the debuggee terminates). */
export type Stop = { step: number; reason: StopReason } | { end: true };

/** A requested breakpoint line, as the cursor placed it. */
export interface PlacedBreakpoint {
  requested: number;
  /** Where it is: the requested line, or the next line of the same function that runs. */
  line: number;
  /** A step of the trace is at `line`. */
  verified: boolean;
}

export class TraceCursor {
  /** The step the debuggee is stopped at (it is about to run that step's statement). */
  position = 0;
  /** Per thread, the indices of its steps in trace order. */
  private readonly byThread = new Map<string, number[]>();
  /** Per step, the previous step of the same thread (-1 for its first). */
  private readonly prevSame: Int32Array;
  /** Per step, its thread's stack after that step, as step indices, outermost first. */
  private readonly stacks: number[][] = [];
  /** file -> breakpoint lines. */
  private readonly lineBreakpoints = new Map<string, Set<number>>();
  private readonly functionBreakpoints = new Set<string>();

  constructor(readonly steps: readonly CursorStep[]) {
    this.prevSame = new Int32Array(steps.length);
    const last = new Map<string, number>();
    const stackOf = new Map<string, number[]>();
    steps.forEach((s, i) => {
      this.prevSame[i] = last.get(s.thread) ?? -1;
      last.set(s.thread, i);
      let list = this.byThread.get(s.thread);
      if (!list) this.byThread.set(s.thread, (list = []));
      list.push(i);
      // A thread's stack: truncate to depth + 1, and this step is the line of frame[depth].
      const stack = (stackOf.get(s.thread) ?? []).slice(0, s.depth + 1);
      stack[s.depth] = i;
      stackOf.set(s.thread, stack);
      this.stacks.push(stack);
    });
  }

  get length(): number {
    return this.steps.length;
  }

  /** The step the cursor is at (undefined only for an empty trace). */
  get current(): CursorStep | undefined {
    return this.steps[this.position];
  }

  /** The threads that have steps, in the order they first run. */
  threads(): string[] {
    return [...this.byThread.keys()];
  }

  /**
   * A thread's call stack at step `at` (the cursor's position by default), innermost frame first:
   * its stack after its last step at or before `at`. A thread that has not run yet shows where it
   * will start; one that has finished shows where it ended.
   */
  stack(thread = this.current?.thread, at = this.position): Frame[] {
    if (thread === undefined) return [];
    const own = this.byThread.get(thread);
    if (!own?.length) return [];
    const j = this.lastAtOrBefore(own, at);
    const idx = j === undefined ? [own[0]] : this.stacks[j];
    const frames: Frame[] = [];
    for (let depth = idx.length - 1; depth >= 0; depth--) {
      const k = idx[depth];
      if (k === undefined) continue; // a call that skipped a level (not seen in practice)
      const s = this.steps[k];
      frames.push({ fn: s.fn, file: s.file, line: s.line, depth: s.depth, step: k });
    }
    return frames;
  }

  /** Whether a thread has run by step `at`, is at it, or has finished before it. */
  threadState(thread: string, at = this.position): 'not started' | 'running' | 'finished' {
    const own = this.byThread.get(thread);
    if (!own?.length || own[0] > at) return 'not started';
    return own[own.length - 1] < at ? 'finished' : 'running';
  }

  /**
   * Replaces the breakpoints of a file. A line no step is at moves to the next line that has a
   * step, when the function around it runs both above and below it (a comment or a declaration
   * inside a body); otherwise it stays, unverified.
   */
  setBreakpoints(file: string, lines: readonly number[]): PlacedBreakpoint[] {
    const inFile = this.steps.filter((s) => s.file === file);
    const have = new Set(inFile.map((s) => s.line));
    const placed = lines.map((requested): PlacedBreakpoint => {
      if (have.has(requested)) return { requested, line: requested, verified: true };
      let above: CursorStep | undefined;
      let below: CursorStep | undefined;
      for (const s of inFile) {
        if (s.line < requested && (!above || s.line > above.line)) above = s;
        if (s.line > requested && (!below || s.line < below.line)) below = s;
      }
      if (above && below && above.fn === below.fn) return { requested, line: below.line, verified: true };
      return { requested, line: requested, verified: false };
    });
    const set = new Set(placed.filter((p) => p.verified).map((p) => p.line));
    if (set.size) this.lineBreakpoints.set(file, set);
    else this.lineBreakpoints.delete(file);
    return placed;
  }

  /** Replaces the function breakpoints: a stop at the first step of every call of these functions. */
  setFunctionBreakpoints(names: readonly string[]): boolean[] {
    this.functionBreakpoints.clear();
    const known = new Set(this.steps.map((s) => s.fn));
    for (const n of names) this.functionBreakpoints.add(n);
    return names.map((n) => known.has(n));
  }

  /** Why step `i` is a breakpoint stop, if it is one. */
  breakpointAt(i: number): StopReason | undefined {
    const s = this.steps[i];
    if (!s) return undefined;
    if (this.lineBreakpoints.get(s.file)?.has(s.line)) return 'breakpoint';
    if (this.functionBreakpoints.has(s.fn) && this.isCallEntry(i)) return 'function breakpoint';
    return undefined;
  }

  /** The first step of a call: the thread was shallower (or elsewhere) just before. */
  isCallEntry(i: number): boolean {
    const s = this.steps[i];
    const p = this.prevSame[i];
    if (p < 0) return true;
    const prev = this.steps[p];
    return prev.depth < s.depth || (prev.depth === s.depth && prev.fn !== s.fn);
  }

  /** To the thread's next step, into calls. `thread`: the current step's thread by default. */
  stepIn(thread?: string): Stop {
    return this.forward(thread, (s, from) => s.thread === from.thread);
  }

  /** To the thread's next step in this frame or a caller: calls run through. */
  stepOver(thread?: string): Stop {
    return this.forward(thread, (s, from) => s.thread === from.thread && s.depth <= from.depth);
  }

  /** To the thread's next step in a caller. */
  stepOut(thread?: string): Stop {
    return this.forward(thread, (s, from) => s.thread === from.thread && s.depth < from.depth);
  }

  /** Back to the thread's previous step in this frame or a caller (reverse step over). */
  stepBack(thread?: string): Stop {
    return this.backward(thread, (s, from) => s.thread === from.thread && s.depth <= from.depth);
  }

  /** Back to the thread's previous step, into calls (reverse step in). */
  stepInBack(thread?: string): Stop {
    return this.backward(thread, (s, from) => s.thread === from.thread);
  }

  /** To the next breakpoint, or the end. */
  continue(): Stop {
    return this.forward(undefined, undefined);
  }

  /** Back to the previous breakpoint, or the first step. */
  reverseContinue(): Stop {
    return this.backward(undefined, undefined);
  }

  /**
   * Where a launch stops: at the first step if asked, else at the first breakpoint from the start
   * (the first step itself included), else at the first step.
   */
  start(stopOnEntry: boolean): Stop {
    if (!this.steps.length) return { end: true };
    this.position = 0;
    if (!stopOnEntry) {
      for (let i = 0; i < this.steps.length; i++) {
        const why = this.breakpointAt(i);
        if (why) return this.moveTo(i, why);
      }
    }
    return this.moveTo(0, 'entry');
  }

  /** Moves to a step (a click in the panel, a goto). */
  goto(i: number): Stop {
    if (!Number.isInteger(i) || i < 0 || i >= this.steps.length) throw new RangeError(`no step ${i}: the trace has ${this.steps.length}`);
    return this.moveTo(i, 'step');
  }

  /**
   * Where a thread is when the cursor is at `position`: its last step at or before it (index -1
   * and an infinite depth for a thread that has not run yet, so its first step is the next).
   */
  private origin(thread: string | undefined): { index: number; step: CursorStep } | undefined {
    const cur = this.current;
    if (!cur) return undefined;
    if (thread === undefined || thread === cur.thread) return { index: this.position, step: cur };
    const own = this.byThread.get(thread);
    if (!own?.length) return undefined;
    const j = this.lastAtOrBefore(own, this.position);
    return j === undefined ? { index: -1, step: { ...this.steps[own[0]], depth: Infinity } } : { index: j, step: this.steps[j] };
  }

  /**
   * Scans forward for the first step that is the target or a breakpoint (in any thread: a debugger
   * stops at a breakpoint another thread hits while it steps). A step whose thread has nothing
   * left to reach (it finished) ends at the next step of the trace, whichever thread runs it.
   * Continuing (no target) past the last breakpoint, or stepping past the last step, ends the run.
   */
  private forward(thread: string | undefined, target: Target | undefined): Stop {
    const from = this.origin(thread);
    if (!from) return this.steps.length ? this.moveTo(this.position, 'step') : { end: true };
    for (let i = this.position + 1; i < this.steps.length; i++) {
      const why = this.breakpointAt(i);
      if (why) return this.moveTo(i, why);
      if (target?.(this.steps[i], from.step)) return this.moveTo(i, 'step');
    }
    if (target && this.position + 1 < this.steps.length) return this.moveTo(this.position + 1, 'step');
    this.position = this.steps.length - 1;
    return { end: true };
  }

  /**
   * The mirror image of forward(), from the thread's own last step; there is no end before the
   * first step: it stops there.
   */
  private backward(thread: string | undefined, target: Target | undefined): Stop {
    const from = this.origin(thread);
    if (!from) return this.steps.length ? this.moveTo(this.position, 'step') : { end: true };
    const startAt = Math.min(this.position, from.index < 0 ? this.position : from.index);
    for (let i = startAt - 1; i >= 0; i--) {
      const why = this.breakpointAt(i);
      if (why) return this.moveTo(i, why);
      if (target?.(this.steps[i], from.step)) return this.moveTo(i, 'step');
    }
    if (target && this.position > 0) return this.moveTo(this.position - 1, 'step');
    return this.moveTo(0, 'entry');
  }

  private moveTo(i: number, reason: StopReason): Stop {
    this.position = i;
    return { step: i, reason };
  }

  private lastAtOrBefore(sorted: readonly number[], at: number): number | undefined {
    let lo = 0;
    let hi = sorted.length - 1;
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= at) {
        found = sorted[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
