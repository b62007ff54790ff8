/**
 * How a model of a kernel helper is written. Each primitive declares what it reads and writes and
 * whether it is a scheduling point (lock operations and accesses to shared state are: another
 * thread may run between them).
 */
import type { Change, State, Thread } from '../state/state';
import type { Ptr, Value } from '../state/values';
import type { ChoiceLabel } from './choices';

/** Returned by a primitive that cannot proceed (a lock is held): the call is retried later. */
export class Blocked {
  constructor(readonly on: string) {}
}

export interface PrimCtx {
  readonly s: State;
  readonly thread: Thread;
  /** Where the call is, for messages. */
  readonly where: string;
  /** Changes of this step (store() appends to it). */
  readonly log: Change[];
  load(p: Value, what?: string): Value;
  store(p: Value, v: Value, what?: string): void;
  /** The argument as a pointer (throws a ModelError naming `what` otherwise). */
  ptr(v: Value, what: string): Ptr;
  /** The argument as an integer (booleans are 0/1). */
  int(v: Value, what: string): number;
  /** A condition the model cannot decide: the scenario (or the explorer) picks; `dflt` otherwise. */
  choose(label: string, options: string[], dflt: number): number;
  /** Something the model assumed or noticed, shown in the trace step. */
  note(text: string): void;
  /** A kernel WARN/BUG fired: recorded as a failed check. */
  warn(text: string): void;
}

export type PrimGroup = 'pte' | 'swapops' | 'folio' | 'rmap' | 'gup' | 'mmu_notifier' | 'locking' | 'err' | 'tlb' | 'mm' | 'driver' | 'debug' | 'misc';

export interface Primitive {
  name: string;
  /** Other names of the same helper across kernel versions. */
  aliases?: string[];
  group: PrimGroup;
  /** State the model reads and writes, in kernel terms ("pte", "folio.lock", "notifier seq"). */
  reads: string[];
  writes: string[];
  /** Another thread may run right after this call. */
  sched: boolean;
  /** The call asks this choice (choices.ts): explored ones are a scheduling point before the call. */
  choice?: ChoiceLabel;
  doc: string;
  run(ctx: PrimCtx, args: Value[]): Value | Blocked;
}

export class PrimitiveTable {
  private readonly byName = new Map<string, Primitive>();
  private readonly constants = new Map<string, Value>();

  add(...prims: Primitive[]): this {
    for (const p of prims) {
      for (const n of [p.name, ...(p.aliases ?? [])]) {
        if (this.byName.has(n)) throw new Error(`primitive ${n} defined twice`);
        this.byName.set(n, p);
      }
    }
    return this;
  }

  addConstants(c: Record<string, Value>): this {
    for (const [k, v] of Object.entries(c)) this.constants.set(k, v);
    return this;
  }

  get(name: string): Primitive | undefined {
    return this.byName.get(name);
  }

  constant(name: string): Value | undefined {
    return this.constants.get(name);
  }

  hasConstant(name: string): boolean {
    return this.constants.has(name);
  }

  all(): Primitive[] {
    return [...new Set(this.byName.values())];
  }
}
