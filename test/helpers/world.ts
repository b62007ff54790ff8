/**
 * A small world for primitive tests: one mm, one anonymous VMA (VM_READ|VM_WRITE|VM_MAYREAD|
 * VM_MAYWRITE) and one order-0 folio mapped at ADDR, plus a PrimCtx built the way Machine.ctx()
 * builds one, and shorthands to call primitives of kernelPrimitives() by name.
 */
import { strict as assert } from 'node:assert';
import { Blocked, type PrimCtx } from '../../extension/engine/primitives/api';
import { kernelPrimitives } from '../../extension/engine/primitives/index';
import { type Change, ModelError, type State, type Thread, alloc, emptyState, load, obj, store } from '../../extension/engine/state/state';
import { type Lock, type Pte, type Ptr, type Rec, type Swp, type SwpKind, type Value, isLock, isPtr, ptr, rec, show } from '../../extension/engine/state/values';
import { PAGE_SIZE, addVma, mapPage, newFolio, newMm, nextPfn, pagePtr, pmdPtr, ptePtr } from '../../extension/engine/world/layout';

export const ADDR = 0x7f0000000000;
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
/** VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE */
export const VM_RW = 0x33;
/** Pages in the test VMA. */
export const VMA_PAGES = 16;

export const PRIMS = kernelPrimitives();

export interface SmallWorld {
  s: State;
  /** Heap id of the mm. */
  mm: number;
  mmP: Ptr;
  vma: Ptr;
  /** The folio mapped at ADDR, its first page and pfn. */
  folio: Ptr;
  page: Ptr;
  pfn: number;
  /** Pointer to the PTE of ADDR, and to its PMD entry. */
  pte: Ptr;
  pmd: Ptr;
}

export interface WorldOpts {
  /** VM_* flags of the VMA (VM_RW by default). */
  flags?: number;
  /** Bits of the PTE that maps the folio (present, read-only, clean, young by default). */
  write?: boolean;
  dirty?: boolean;
  young?: boolean;
  /** Order of the folio (0 by default); its first page is mapped at ADDR. */
  order?: number;
}

export function presentPte(pfn: number, over: Partial<Extract<Pte, { k: 'present' }>> = {}): Pte {
  return { t: 'pte', k: 'present', pfn, write: false, dirty: false, young: true, softDirty: false, uffdWp: false, ...over };
}

export function swpPte(kind: SwpKind, offset: number): Pte {
  const entry: Swp = { t: 'swp', kind, offset };
  return { t: 'pte', k: 'swp', entry, softDirty: false, uffdWp: false };
}

export function smallWorld(o: WorldOpts = {}): SmallWorld {
  const s = emptyState();
  const mm = newMm(s, 'mm (test)');
  const vmaId = addVma(s, mm, { start: ADDR, end: ADDR + VMA_PAGES * PAGE_SIZE, flags: o.flags ?? VM_RW });
  const pfn = nextPfn(s);
  const folioId = newFolio(s, { pfn, order: o.order ?? 0 });
  mapPage(s, mm, ADDR, presentPte(pfn, { write: o.write ?? false, dirty: o.dirty ?? false, young: o.young ?? true }));
  s.world.addresses.push(ADDR);
  return {
    s, mm, mmP: ptr(mm), vma: ptr(vmaId), folio: ptr(folioId), page: pagePtr(s, pfn), pfn,
    pte: ptePtr(s, mm, ADDR)!, pmd: pmdPtr(s, mm, ADDR, false)!,
  };
}

/** A PrimCtx that records what the primitive logged, warned and noted. */
export interface TestCtx extends PrimCtx {
  readonly log: Change[];
  readonly warns: string[];
  readonly notes: string[];
  readonly choices: { label: string; picked: number }[];
}

/** The thread `id` of the state (added if it is not there yet). */
export function threadOf(s: State, id: string): Thread {
  let t = s.threads.find((x) => x.id === id);
  if (!t) {
    t = { id, title: `test thread ${id}`, status: 'runnable', frames: [] };
    s.threads.push(t);
  }
  return t;
}

/** A context for `threadId` that behaves as Machine.ctx() does (pointer and integer checks, logged stores). */
export function testCtx(s: State, threadId = 'cpu0', opts: { where?: string; choices?: Record<string, number> } = {}): TestCtx {
  const where = opts.where ?? 'mm/memory.c:100';
  const log: Change[] = [];
  const warns: string[] = [];
  const notes: string[] = [];
  const choices: { label: string; picked: number }[] = [];
  const asPtr = (v: Value, what: string): Ptr => {
    if (isPtr(v)) return v;
    if (v === null) throw new ModelError(`NULL pointer: ${what} NULL at ${where}`);
    if (v === undefined) throw new ModelError(`${what} an uninitialised pointer at ${where}`);
    throw new ModelError(`${what} ${show(v)}, which is not a pointer, at ${where}`);
  };
  return {
    s,
    thread: threadOf(s, threadId),
    where,
    log,
    warns,
    notes,
    choices,
    load: (p, what = 'argument') => load(s, asPtr(p, what)),
    store: (p, v, what = 'argument') => store(s, asPtr(p, what), v, log),
    ptr: (v, what) => asPtr(v, what),
    int: (v, what) => {
      if (typeof v === 'number') return v;
      if (v === undefined) throw new ModelError(`${what} is uninitialised at ${where}`);
      if (v === null) return 0;
      throw new ModelError(`${what} is ${show(v)}, not an integer, at ${where}`);
    },
    choose: (label, _options, dflt) => {
      const picked = opts.choices?.[label] ?? dflt;
      choices.push({ label, picked });
      return picked;
    },
    note: (text) => void notes.push(text),
    warn: (text) => void warns.push(text),
  };
}

/** Runs a primitive of kernelPrimitives() by name (or alias). */
export function run(ctx: PrimCtx, name: string, ...args: Value[]): Value | Blocked {
  const p = PRIMS.get(name);
  assert.ok(p, `no primitive ${name}`);
  return p.run(ctx, args);
}

/** Runs a primitive that must not block, and returns its value. */
export function call(ctx: PrimCtx, name: string, ...args: Value[]): Value {
  const r = run(ctx, name, ...args);
  assert.ok(!(r instanceof Blocked), `${name} blocked: ${r instanceof Blocked ? r.on : ''}`);
  return r;
}

/** Runs a primitive that must block, and returns why. */
export function blocks(ctx: PrimCtx, name: string, ...args: Value[]): Blocked {
  const r = run(ctx, name, ...args);
  if (!(r instanceof Blocked)) assert.fail(`${name} did not block (returned ${show(r)})`);
  return r;
}

/**
 * A scratch record for the locals a kernel caller would pass by address (`&ptl`, `&fw`, `&range`):
 * an interpreter frame, so stores into it are not logged, as in the machine.
 */
export function locals(s: State, fields: Record<string, Value> = {}): Ptr {
  return ptr(alloc(s, 'frame', 'frame test', rec('locals', fields)));
}

/** The lock a pointer points at. */
export function lockAt(s: State, p: Ptr): Lock {
  const v = load(s, p);
  assert.ok(isLock(v), `not a lock: ${show(v)}`);
  return v;
}

/** The record of a heap object (a folio, a VMA, an mm). */
export function recOf(s: State, p: Ptr): Rec {
  const v = obj(s, p.obj).v;
  assert.ok(typeof v === 'object' && v !== null && v.t === 'rec', `#${p.obj} is not a struct`);
  return v;
}

/** A field of a struct pointed at (`p->k`). */
export function fieldOf(s: State, p: Ptr, k: string): Value {
  return load(s, { ...p, path: [...p.path, k] });
}

/** Pointer to a member of the struct pointed at (`&p->k`). */
export function member(p: Ptr, ...k: (string | number)[]): Ptr {
  return { ...p, path: [...p.path, ...k] };
}
