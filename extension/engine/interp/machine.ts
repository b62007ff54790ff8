/**
 * The interpreter: runs compiled kernel functions on the state, one instruction at a time, every
 * frame kept in the state as data. A call goes to a primitive if one models it, else to the
 * model's own C (kpsim's dispatchers), else to its definition in the reviewer's tree, else it is
 * reported as unmodelled with file:line and the thread stops: nothing is skipped silently.
 */
import { Blocked, type PrimCtx, type PrimitiveTable } from '../primitives/api';
import {
  type Change, type Frame, ModelError, type State, type Thread,
  alloc, fieldName, load, obj, store,
} from '../state/state';
import { type Ptr, type Value, clone, isArr, isPtr, ptr, rec, samePtr, show } from '../state/values';
import { intBin, intNot } from './arith';
import type { BinOp, Code, LocalInit } from './code';
import { EXPLORED_CHOICES } from '../primitives/choices';

export interface CodeSource {
  /** The compiled definition of `name`, preferring one in `fromFile` (statics). */
  fn(name: string, fromFile?: string): Code | undefined;
  /** A constant `file` defines itself (`#define X 1UL`, an enumerator). */
  constant?(name: string, file: string): number | undefined;
  /** The initial value of a file-scope variable of `file` (a static ops table), if it defines one. */
  global?(name: string, file: string): Value | undefined;
}

export interface Limits {
  /** Instructions per run. */
  maxSteps: number;
  /** Iterations of one loop in one frame. */
  maxLoop: number;
  /** Call depth of one thread. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = { maxSteps: 2_000_000, maxLoop: 2000, maxDepth: 64 };

/** A step of the trace: one statement of one thread. */
export interface TraceStep {
  i: number;
  thread: string;
  fn: string;
  file: string;
  line: number;
  /** Call depth (0 = the thread's entry function). */
  depth: number;
  prims: string[];
  changes: Change[];
  notes: string[];
  /** The frame's locals as the statement starts (when the run records them: panel and debugger). */
  locals?: Record<string, string>;
}

export interface Unmodelled {
  kind: 'call' | 'identifier' | 'construct';
  name: string;
  file: string;
  line: number;
  thread: string;
}

export interface Warning {
  thread: string;
  file: string;
  line: number;
  text: string;
}

export type RunResult = 'sched' | 'blocked' | 'done' | 'failed';

export class Machine {
  readonly trace: TraceStep[] = [];
  readonly unmodelled: Unmodelled[] = [];
  readonly warnings: Warning[] = [];
  readonly choicesMade: { label: string; picked: string; thread: string; file: string; line: number }[] = [];
  private current: TraceStep | undefined;
  private readonly codeCache: Map<string, Code>;
  /** Explored choices not fixed by `choices`: a thread pauses before asking one (when stopping at scheduling points). */
  private readonly paused: ReadonlySet<string>;
  private stopping = false;
  /** The answer this run gives to the choice the thread paused at. */
  private answer: { label: string; index: number } | undefined;

  constructor(
    readonly s: State,
    private readonly code: CodeSource,
    private readonly prims: PrimitiveTable,
    private readonly limits: Limits = DEFAULT_LIMITS,
    private readonly choices: Record<string, number> = {},
    private readonly observe: {
      recordLocals?: boolean;
      afterStep?: (done: TraceStep) => void;
      /** A thread read a PTE (the explorer's stale-overwrite check). */
      onPteRead?: (thread: string, field: string, v: Value) => void;
      /** A primitive is about to run (the explorer notes which PTEs a reader such as ptep_get reads). */
      onPrimCall?: (thread: string, name: string, args: Value[]) => void;
    } = {},
    /** Compiled code by key, shared by the machines that continue one another's states (the explorer). */
    codeCache?: Map<string, Code>,
  ) {
    this.codeCache = codeCache ?? new Map<string, Code>();
    this.paused = new Set(EXPLORED_CHOICES.filter((l) => this.choices[l] === undefined));
  }

  /** The compiled code this machine has loaded (frames refer to it by key). */
  get loadedCode(): Map<string, Code> {
    return this.codeCache;
  }

  /** Adds a thread that will call `entry` with `args`. */
  spawn(id: string, title: string, entry: string, args: Value[], fromFile?: string): Thread {
    const t: Thread = { id, title, status: 'runnable', frames: [] };
    this.s.threads.push(t);
    const code = this.resolve(entry, fromFile);
    if (!code) throw new ModelError(`${entry}: not defined in this tree or the model`);
    this.pushFrame(t, code, args);
    return t;
  }

  private resolve(name: string, fromFile?: string): Code | undefined {
    const key = `${fromFile ?? ''}:${name}`;
    let c = this.codeCache.get(key);
    if (!c) {
      c = this.code.fn(name, fromFile);
      if (c) this.codeCache.set(key, c);
    }
    return c;
  }

  codeOf(f: Frame): Code {
    const c = this.codeCache.get(f.code);
    if (!c) throw new ModelError(`code ${f.code} not loaded`);
    return c;
  }

  private pushFrame(t: Thread, code: Code, args: Value[]): void {
    if (t.frames.length >= this.limits.maxDepth) throw new ModelError(`call depth bound (${this.limits.maxDepth}) hit calling ${code.name}`);
    if (!this.codeCache.has(code.key)) this.codeCache.set(code.key, code);
    const fields: Record<string, Value> = {};
    code.params.forEach((p, i) => (fields[p] = clone(args[i])));
    const locals = alloc(this.s, 'frame', `${code.name}()`, rec('frame', fields));
    t.frames.push({ code: code.key, fn: code.name, file: code.file, pc: 0, locals, stack: [], loops: {} });
  }

  /**
   * Runs thread `id` until it finishes, blocks or fails; with `stopAtSched`, also right after a
   * call to a primitive that is a scheduling point.
   */
  run(id: string, stopAtSched: boolean, answer?: { label: string; index: number }): RunResult {
    const t = this.s.threads.find((x) => x.id === id);
    if (!t) throw new ModelError(`no thread ${id}`);
    if (t.status === 'done' || t.status === 'failed') return t.status;
    if (t.after !== undefined) {
      // Not started yet: waits, like a thread blocked on a lock, until the other has finished.
      const first = this.s.threads.find((x) => x.id === t.after);
      this.s.steps++;
      if (first && first.status !== 'done' && first.status !== 'failed') {
        t.status = 'blocked';
        t.blockedOn = `${t.after} to finish`;
        return 'blocked';
      }
      t.after = undefined;
    }
    t.status = 'runnable';
    t.blockedOn = undefined;
    this.stopping = stopAtSched;
    this.answer = answer;
    try {
      for (;;) {
        if (this.s.steps++ >= this.limits.maxSteps) return this.fail(t, `step bound (${this.limits.maxSteps} instructions) hit`);
        let r: RunResult | undefined;
        try {
          r = this.exec(t);
        } catch (e) {
          if (e instanceof ModelError || e instanceof RangeError) return this.fail(t, e.message);
          throw e;
        }
        if (r === 'sched' && !stopAtSched) continue;
        if (r) return r;
      }
    } finally {
      this.answer = undefined;
    }
  }

  private fail(t: Thread, why: string): RunResult {
    const f = t.frames.at(-1);
    const where = f ? `${f.file}:${this.codeOf(f).lines[f.pc] ?? '?'}` : '';
    t.status = 'failed';
    t.error = where ? `${why} (at ${where} in ${f?.fn})` : why;
    return 'failed';
  }

  private step(t: Thread, f: Frame, line: number): void {
    if (this.current) this.observe.afterStep?.(this.current);
    this.current = { i: this.trace.length, thread: t.id, fn: f.fn, file: f.file, line, depth: t.frames.length - 1, prims: [], changes: [], notes: [] };
    if (this.observe.recordLocals) this.current.locals = this.localsOf(f);
    this.trace.push(this.current);
  }

  /** Ends the last step (so observers see it). */
  finish(): void {
    if (this.current) this.observe.afterStep?.(this.current);
    this.current = undefined;
  }

  private localsOf(f: Frame): Record<string, string> {
    const r = obj(this.s, f.locals).v;
    const out: Record<string, string> = {};
    if (typeof r !== 'object' || r === null || r.t !== 'rec') return out;
    for (const [k, v] of Object.entries(r.fields)) {
      if (k.startsWith('__')) continue;
      out[k] = isPtr(v) && this.s.heap[v.obj] ? `&${fieldName(this.s, v)}` : show(v);
    }
    return out;
  }

  private log(): Change[] {
    return this.current?.changes ?? [];
  }

  /** Executes one instruction; returns a result when the thread must stop. */
  private exec(t: Thread): RunResult | undefined {
    const f = t.frames[t.frames.length - 1];
    const code = this.codeOf(f);
    const ins = code.instrs[f.pc];
    const st = f.stack;
    const line = code.lines[f.pc];
    const where = `${f.file}:${line}`;
    if (!ins) throw new ModelError(`fell off the end of ${f.fn}`);
    f.pc++;
    switch (ins.op) {
      case 'line':
        this.step(t, f, ins.line);
        return;
      case 'push':
        st.push(ins.v);
        return;
      case 'decl':
        store(this.s, ptr(f.locals, ins.name), initial(ins.init));
        return;
      case 'local':
        st.push(ptr(f.locals, ins.name));
        return;
      case 'name':
        return this.name(t, f, ins.name, where);
      case 'load': {
        const p = this.asPtr(st.pop(), 'dereference', where);
        const v = load(this.s, p);
        if (this.observe.onPteRead) this.pteRead(t.id, p, v);
        // A PTE never written reads as pte_none, as a zeroed page table does. No copy here: values on
        // the stack are only read; a struct is copied when it is stored (struct assignment).
        st.push(v === undefined && obj(this.s, p.obj).kind === 'pgtable' ? { t: 'pte', k: 'none' } : v);
        return;
      }
      case 'decay': {
        const p = this.asPtr(st.pop(), 'member', where);
        const v = load(this.s, p);
        st.push(isArr(v) ? p : v);
        return;
      }
      case 'store': {
        const v = st.pop();
        const p = this.asPtr(st.pop(), 'assignment through', where);
        store(this.s, p, clone(v), this.log());
        st.push(v);
        return;
      }
      case 'field': {
        const p = this.asPtr(st.pop(), `->${ins.name} of`, where);
        st.push({ t: 'ptr', obj: p.obj, path: [...p.path, ins.name] });
        return;
      }
      case 'index': {
        const i = this.asInt(st.pop(), 'array index', where);
        const p = this.asPtr(st.pop(), 'subscript of', where);
        st.push(movePtr(this.s, p, i, true));
        return;
      }
      case 'container': {
        const p = this.asPtr(st.pop(), 'container_of', where);
        if (p.path.at(-1) !== ins.member) throw new ModelError(`container_of: ${fieldName(this.s, p)} is not a .${ins.member} member`);
        st.push({ t: 'ptr', obj: p.obj, path: p.path.slice(0, -1) });
        return;
      }
      case 'bin': {
        const b = st.pop();
        const a = st.pop();
        st.push(this.bin(ins.o, a, b, where));
        return;
      }
      case 'un': {
        const a = st.pop();
        if (ins.o === '!') st.push(this.truthy(a, where) ? 0 : 1);
        else {
          const n = this.asInt(a, `operand of ${ins.o}`, where);
          st.push(ins.o === '-' ? -n : ins.o === '~' ? intNot(n) : n);
        }
        return;
      }
      case 'bool':
        st.push(this.truthy(st.pop(), where) ? 1 : 0);
        return;
      case 'update': {
        const p = this.asPtr(st.pop(), ins.delta > 0 ? '++ of' : '-- of', where);
        const old = load(this.s, p);
        const next = isPtr(old) ? movePtr(this.s, old, ins.delta, false) : this.asInt(old, 'operand of ++/--', where) + ins.delta;
        store(this.s, p, next, this.log());
        st.push(ins.postfix ? old : next);
        return;
      }
      case 'assignop': {
        const v = st.pop();
        const p = this.asPtr(st.pop(), 'compound assignment through', where);
        const next = this.bin(ins.o, load(this.s, p), v, where);
        store(this.s, p, next, this.log());
        st.push(next);
        return;
      }
      case 'jmp':
        return this.jump(f, ins.to, where);
      case 'jz':
        if (!this.truthy(st.pop(), where)) return this.jump(f, ins.to, where);
        return;
      case 'jnz':
        if (this.truthy(st.pop(), where)) return this.jump(f, ins.to, where);
        return;
      case 'dup':
        st.push(st[st.length - 1]);
        return;
      case 'pop':
        st.pop();
        return;
      case 'call': {
        const args = st.splice(st.length - ins.argc, ins.argc);
        return this.call(t, f, ins.name, f.file, args, where, line);
      }
      case 'callv': {
        const args = st.splice(st.length - ins.argc, ins.argc);
        const fn = st.pop();
        if (fn === null) throw new ModelError('call through a NULL function pointer');
        if (typeof fn !== 'object' || fn === undefined || fn.t !== 'fn') throw new ModelError(`call through ${show(fn)}, not a function`);
        return this.call(t, f, fn.name, fn.file ?? f.file, args, where, line, fn);
      }
      case 'ret': {
        const v = ins.value ? st.pop() : undefined;
        t.frames.pop();
        const caller = t.frames[t.frames.length - 1];
        if (!caller) {
          t.status = 'done';
          t.result = v;
          return 'done';
        }
        caller.stack.push(v);
        return;
      }
      case 'unsupported':
        this.unmodelled.push({ kind: 'construct', name: ins.what, file: f.file, line, thread: t.id });
        throw new ModelError(`the interpreter does not execute ${ins.what}`);
    }
  }

  private jump(f: Frame, to: number, where: string): undefined {
    if (to < f.pc) {
      const n = (f.loops[to] = (f.loops[to] ?? 0) + 1);
      if (n > this.limits.maxLoop) throw new ModelError(`loop bound (${this.limits.maxLoop} iterations) hit at ${where}`);
    }
    f.pc = to;
    return undefined;
  }

  /** The heap object of a file-scope variable, created from its initializer on first use. */
  private globalPtr(name: string, file: string): Ptr | undefined {
    const key = `${file}:${name}`;
    const known = this.s.world.globals[key];
    if (known !== undefined) return ptr(known);
    const init = this.code.global?.(name, file);
    if (init === undefined) return undefined;
    const id = alloc(this.s, 'record', name, init);
    this.s.world.globals[key] = id;
    return ptr(id);
  }

  /** What a name means in a file: resolved once per machine (names are looked up on every use). */
  private readonly names = new Map<string, { kind: 'global' | 'local-const' | 'const' | 'current' | 'fn' | 'none'; v?: Value }>();

  private meaning(name: string, file: string): { kind: 'global' | 'local-const' | 'const' | 'current' | 'fn' | 'none'; v?: Value } {
    const key = `${file}\0${name}`;
    let m = this.names.get(key);
    if (!m) {
      if (this.code.global?.(name, file) !== undefined) m = { kind: 'global' };
      else if (this.code.constant?.(name, file) !== undefined) m = { kind: 'local-const', v: this.code.constant?.(name, file) };
      else if (this.prims.hasConstant(name)) m = { kind: 'const', v: this.prims.constant(name) };
      else if (name === 'current') m = { kind: 'current' };
      else if (this.prims.get(name) || this.resolve(name, file)) m = { kind: 'fn' };
      else m = { kind: 'none' };
      this.names.set(key, m);
    }
    return m;
  }

  private name(t: Thread, f: Frame, name: string, where: string): undefined {
    const address = name.startsWith('&');
    const bare = address ? name.slice(1) : name;
    const m = this.meaning(bare, f.file);
    if (m.kind === 'global') {
      const g = this.globalPtr(bare, f.file)!;
      f.stack.push(address ? g : load(this.s, g));
      return;
    }
    if (address) {
      this.unmodelled.push({ kind: 'identifier', name: bare, file: f.file, line: this.codeOf(f).lines[f.pc - 1], thread: t.id });
      throw new ModelError(`address of ${bare}: not a variable of this file or the model (${where})`);
    }
    switch (m.kind) {
      case 'local-const':
      case 'const':
        f.stack.push(m.v);
        return;
      case 'current':
        f.stack.push(this.taskOf(t));
        return;
      case 'fn':
        f.stack.push({ t: 'fn', name, file: f.file });
        return;
      default:
        this.unmodelled.push({ kind: 'identifier', name, file: f.file, line: this.codeOf(f).lines[f.pc - 1], thread: t.id });
        throw new ModelError(`unmodelled identifier ${name}`);
    }
  }

  private taskOf(t: Thread): Ptr {
    const existing = Object.entries(this.s.heap).find(([, o]) => o.kind === 'task' && o.label === `task ${t.id}`);
    if (existing) return ptr(Number(existing[0]));
    return ptr(alloc(this.s, 'task', `task ${t.id}`, rec('task_struct', { thread: t.id })));
  }

  private call(t: Thread, f: Frame, name: string, fromFile: string, args: Value[], where: string, line: number, _fn?: Value): RunResult | undefined {
    if (name === 'kpsim_defined') {
      // The model's dispatchers ask whether the tree (or the model) defines a function.
      f.stack.push(typeof args[0] === 'string' && this.resolve(args[0], fromFile) ? 1 : 0);
      return;
    }
    const prim = this.prims.get(name);
    if (prim) {
      if (prim.choice && this.stopping && this.paused.has(prim.choice)) {
        if (t.choice !== prim.choice) {
          // An explored choice: stop before the call, so the next run of the thread can be given
          // either answer (the explorer tries each).
          f.stack.push(...(_fn ? [_fn] : []), ...args);
          f.pc--;
          t.choice = prim.choice;
          return 'sched';
        }
        t.choice = undefined;
      }
      this.observe.onPrimCall?.(t.id, name, args);
      const ctx = this.ctx(t, where);
      const r = prim.run(ctx, args);
      if (r instanceof Blocked) {
        // Put the call back: it runs again when the thread is scheduled.
        f.stack.push(...(_fn ? [_fn] : []), ...args);
        f.pc--;
        t.status = 'blocked';
        t.blockedOn = r.on;
        return 'blocked';
      }
      this.current?.prims.push(name);
      f.stack.push(r);
      return prim.sched ? 'sched' : undefined;
    }
    const code = this.resolve(name, fromFile);
    if (code) {
      this.pushFrame(t, code, args);
      return;
    }
    this.unmodelled.push({ kind: 'call', name, file: f.file, line, thread: t.id });
    throw new ModelError(`unmodelled call ${name}()`);
  }

  private pteRead(thread: string, p: Ptr, v: Value): void {
    if (p.path.length === 2 && p.path[0] === 'entries' && this.s.heap[p.obj]?.kind === 'pgtable') {
      this.observe.onPteRead?.(thread, fieldName(this.s, p), v === undefined ? { t: 'pte', k: 'none' } : v);
    }
  }

  /** One primitive context per thread, re-aimed at each call (primitives run very often). */
  private readonly ctxs = new Map<string, PrimCtx & { where: string }>();

  private ctx(t: Thread, where: string): PrimCtx {
    let c = this.ctxs.get(t.id);
    if (!c) {
      const log = (): Change[] => this.log();
      const here = (): string => c!.where;
      c = {
        s: this.s,
        thread: t,
        where,
        get log() {
          return log();
        },
        load: (p, what = 'argument') => {
          const q = this.asPtr(p, what, here());
          const v = load(this.s, q);
          if (this.observe.onPteRead) this.pteRead(t.id, q, v);
          return v;
        },
        store: (p, v, what = 'argument') => {
          const q = this.asPtr(p, what, here());
          store(this.s, q, v, this.log());
        },
        ptr: (v, what) => this.asPtr(v, what, here()),
        int: (v, what) => this.asInt(v, what, here()),
        choose: (label, options, dflt) => {
          const picked = this.answer?.label === label ? this.answer.index : this.choices[label] ?? dflt;
          const [file, line] = here().split(':');
          this.choicesMade.push({ label, picked: options[picked] ?? String(picked), thread: t.id, file, line: Number(line) });
          this.current?.notes.push(`choice ${label}: ${options[picked]}`);
          return picked;
        },
        note: (text) => void this.current?.notes.push(text),
        warn: (text) => {
          const [file, line] = here().split(':');
          this.warnings.push({ thread: t.id, file, line: Number(line), text });
          this.current?.notes.push(`WARNING: ${text}`);
        },
      };
      this.ctxs.set(t.id, c);
    }
    c.where = where;
    return c;
  }

  asPtr(v: Value, what: string, where: string): Ptr {
    if (isPtr(v)) return v;
    if (v === null) throw new ModelError(`NULL pointer: ${what} NULL at ${where}`);
    if (v === undefined) throw new ModelError(`${what} an uninitialised pointer at ${where}`);
    throw new ModelError(`${what} ${show(v)}, which is not a pointer, at ${where}`);
  }

  asInt(v: Value, what: string, where: string): number {
    if (typeof v === 'number') return v;
    if (v === undefined) throw new ModelError(`${what} is uninitialised at ${where}`);
    if (v === null) return 0;
    throw new ModelError(`${what} is ${show(v)}, not an integer, at ${where}`);
  }

  truthy(v: Value, where: string): boolean {
    if (v === undefined) throw new ModelError(`condition on an uninitialised value at ${where}`);
    if (v === null) return false;
    if (typeof v === 'number') return v !== 0;
    return true;
  }

  private bin(o: BinOp, a: Value, b: Value, where: string): Value {
    if (typeof a === 'number' && typeof b === 'number') return intBin(o, a, b);
    if (o === '==' || o === '!=') {
      const eq = equalValues(a, b);
      return (o === '==') === eq ? 1 : 0;
    }
    if (isPtr(a) && typeof b === 'number' && (o === '+' || o === '-')) return movePtr(this.s, a, o === '+' ? b : -b, false);
    if (isPtr(a) && isPtr(b) && a.obj === b.obj) {
      const ia = Number(a.path.at(-1) ?? 0);
      const ib = Number(b.path.at(-1) ?? 0);
      if (o === '-') return ia - ib;
      return intBin(o, ia, ib);
    }
    if ((a === null || isPtr(a)) && typeof b === 'number' && b === 0) return intBin(o, a === null ? 0 : 1, 0);
    throw new ModelError(`${show(a)} ${o} ${show(b)}: operands the interpreter cannot combine, at ${where}`);
  }
}

function initial(init: LocalInit): Value {
  if (init.k === 'scalar') return undefined;
  if (init.k === 'record') return init.zero ? { ...rec(init.type), zero: true } : rec(init.type);
  const items: Record<number, Value> = {};
  if (init.elem !== 'scalar') for (let i = 0; i < init.length; i++) items[i] = rec(init.elem);
  return { t: 'arr', items, length: init.length };
}

/** Pointer arithmetic: `p + n`, `p[n]` (an array decays to its first element). */
function movePtr(s: State, p: Ptr, n: number, subscript: boolean): Ptr {
  if (subscript) {
    const target = load(s, p);
    if (isArr(target)) return { t: 'ptr', obj: p.obj, path: [...p.path, n] };
  }
  const last = p.path[p.path.length - 1];
  if (typeof last === 'number') return { t: 'ptr', obj: p.obj, path: [...p.path.slice(0, -1), last + n] };
  if (n === 0) return p;
  throw new ModelError(`pointer arithmetic on ${obj(s, p.obj).label}${p.path.map((x) => `.${x}`).join('')}, which is not an array element`);
}

export function equalValues(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) {
    const other = a === null ? b : a;
    return other === 0 || other === null;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === undefined || b === undefined) return false;
  if (isPtr(a) && isPtr(b)) return samePtr(a, b);
  if (a.t === 'fn' && b.t === 'fn') return a.name === b.name;
  return JSON.stringify(a) === JSON.stringify(b);
}
