/**
 * Runs one scenario on one tree under one schedule: builds the world, starts the threads at the
 * tree's own entry points (its driver, or the model's reference driver), interprets until every
 * thread finishes, and checks the scenario's expectations. The result is the versioned trace.
 */
import * as path from 'path';
import type { FunctionLookup } from '../parsing/lookup';
import type { ParserService } from '../parsing/parserService';
import { DEFAULT_LIMITS, type Limits, Machine, type TraceStep, type Unmodelled, type Warning } from './interp/machine';
import { Layered, ModelCode, TreeCode } from './interp/source';
import { modelFiles } from './model/files';
import { kernelPrimitives } from './primitives/index';
import { parseScheduleEntry, scheduleEntry } from './primitives/choices';
import { untag } from './primitives/driver';
import { scenarioById, SCENARIOS } from './scenarios/catalog';
import type { Scenario, ThreadSpec } from './scenarios/types';
import { type NotifierEvent, type State, load, obj } from './state/state';
import { type Rec, type Value, isPtr, isRec, ptr, show, showPte } from './state/values';
import { type DriverChoice, buildWorld, deviceArgs, nouveauArgs } from './world/build';
import { type ViewModel, changedPaths, viewOf } from './trace/view';
import { PAGE_SIZE, hasPage, hex, pageRec, pagePtr, pteAt } from './world/layout';

export const TRACE_FORMAT = 'kpsim-trace';
export const TRACE_VERSION = 1;

export interface EngineTree {
  root: string;
  lookup: FunctionLookup;
  parser: ParserService;
  /** Files replaced in memory (a patched version): relative path -> text. */
  overrides?: ReadonlyMap<string, string>;
}

export type DriverPreference = 'auto' | 'test_hmm' | 'nouveau' | 'kpsim';

export interface SimulateOptions {
  /** Which driver makes the device requests: the tree's test_hmm (auto's first choice), nouveau, or the model's. */
  driver?: DriverPreference;
  /** Thread ids in the order they run at each scheduling point; the scenario's order when absent. */
  schedule?: string[];
  choices?: Record<string, number>;
  limits?: Partial<Limits>;
  /** Record the view after each step that changed something, and each frame's locals (panel, debugger). */
  views?: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface AddressSummary {
  addr: string;
  pte: string;
  folio?: { pfn: number; refcount: number; mapcount: number; dirty: boolean; locked: string[]; freed: boolean };
  devices: { device: string; maps: string | null }[];
}

export interface SimulationResult {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  scenario: { id: string; title: string; description: string; mirrors: string };
  tree: string;
  api: string;
  driver: string;
  schedule: string[];
  choices: Record<string, number>;
  threads: { id: string; title: string; entry: string; status: string; result?: Value; error?: string }[];
  steps: TraceStep[];
  events: NotifierEvent[];
  unmodelled: Unmodelled[];
  warnings: Warning[];
  checks: Check[];
  initial: AddressSummary[];
  final: AddressSummary[];
  assumptions: string[];
  /** What each heap object is, to name pointers in the trace. */
  objects: Record<number, { kind: string; label: string; base?: number }>;
  /** With `views`: the view before the first step (step -1) and after each step that changed it. */
  views?: { step: number; view: ViewModel; changed: string[] }[];
  stats: { steps: number; instructions: number; ms: number };
}

export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

export const ASSUMPTIONS = [
  'Sequentially consistent interleavings of the modelled steps: not the kernel memory model (no reordering, no TLB timing).',
  'x86-64 with 4 KiB pages; #if blocks in bodies are decided by the model\'s CONFIG_* choices (CONFIG_TRANSPARENT_HUGEPAGE, CONFIG_DEVICE_PRIVATE, CONFIG_MEM_SOFT_DIRTY on).',
  'The device-exclusive code runs from the tree. Around it the model supplies C dispatchers (kpsim/*.c): handle_mm_fault, GUP, rmap_walk and the MMU-notifier walk; missing, write-protect and THP faults are modelled, not run.',
  'Faults are taken without FAULT_FLAG_ALLOW_RETRY (folio_lock_or_retry sleeps for the lock); no fatal signals.',
  'jiffies do not advance: a driver\'s timeout check is a choice. One run answers "not expired" unless told otherwise (the schedule, or a fixed choice); the race explorer tries both answers at every check.',
  'Anonymous private memory only; one mm unless the scenario forks.',
];

let prims: ReturnType<typeof kernelPrimitives> | undefined;
const modelCache = new WeakMap<ParserService, ModelCode>();
const treeCache = new WeakMap<FunctionLookup, { overrides?: ReadonlyMap<string, string>; code: Layered }>();

/** Compiled code is kept per tree (and the model's per parser): a second run compiles nothing. */
function codeFor(tree: EngineTree): Layered {
  let model = modelCache.get(tree.parser);
  if (!model) {
    model = new ModelCode(tree.parser, modelFiles());
    modelCache.set(tree.parser, model);
  }
  const cached = treeCache.get(tree.lookup);
  if (cached && cached.overrides === tree.overrides) return cached.code;
  const code = new Layered([model, new TreeCode(tree.root, tree.lookup, tree.parser, tree.overrides)]);
  treeCache.set(tree.lookup, { overrides: tree.overrides, code });
  return code;
}

/** Which device-exclusive API and driver a tree has. */
export function treeCapabilities(tree: EngineTree, prefer: DriverPreference = 'auto'): { api: 'folio_walk' | 'range'; driver: DriverChoice; entry: string } {
  const has = (n: string): boolean => tree.lookup.definitions(n).length > 0;
  const api = has('make_device_exclusive') ? 'folio_walk' : has('make_device_exclusive_range') ? 'range' : undefined;
  if (!api) throw new SimulationError(`${tree.root} has no device-exclusive support: neither make_device_exclusive() nor make_device_exclusive_range() is defined (device-exclusive entries arrived in v5.14)`);
  const dmirror = prefer === 'auto' || prefer === 'test_hmm' ? tree.lookup.definitions('dmirror_exclusive')[0] : undefined;
  const nouveau = prefer === 'nouveau' ? tree.lookup.definitions('nouveau_atomic_range_fault')[0] : undefined;
  if (prefer === 'test_hmm' && !dmirror) throw new SimulationError(`${tree.root} has no lib/test_hmm.c driver (dmirror_exclusive)`);
  if (prefer === 'nouveau' && !nouveau) throw new SimulationError(`${tree.root} has no nouveau SVM atomic fault (nouveau_atomic_range_fault)`);
  if (nouveau) return { api, entry: 'nouveau_atomic_range_fault', driver: { kind: 'nouveau', file: nouveau.file, invalidate: 'nouveau_svm_range_invalidate', structType: 'nouveau_svmm' } };
  if (dmirror) {
    const structType = 'dmirror';
    return { api, entry: 'dmirror_exclusive', driver: { kind: 'test_hmm', file: dmirror.file, invalidate: 'dmirror_interval_invalidate', structType } };
  }
  return {
    api, entry: api === 'folio_walk' ? 'kpsim_mirror_atomic' : 'kpsim_mirror_atomic_range',
    driver: { kind: 'kpsim', file: 'kpsim/refdriver.c', invalidate: 'kpsim_mirror_invalidate', structType: 'kpsim_mirror' },
  };
}

export function threadTitle(t: ThreadSpec, i: number): { id: string; title: string } {
  switch (t.kind) {
    case 'device-atomic':
      return { id: `dev${t.device}`, title: `device ${t.device}: atomic access to ${hex(t.addr)}` };
    case 'device-map':
      return { id: `dev${t.device}`, title: `device ${t.device}: read mapping of ${hex(t.addr)}` };
    case 'cpu-access':
      return { id: `cpu${i}`, title: `CPU: ${t.write ? 'write' : 'read'} ${hex(t.addr)}` };
    case 'fork':
      return { id: `cpu${i}`, title: 'CPU: fork()' };
    case 'gup':
      return { id: `cpu${i}`, title: `kernel: get_user_pages(${hex(t.addr)}, FOLL_WRITE)` };
    case 'mprotect':
      return { id: `cpu${i}`, title: `CPU: mprotect(${hex(t.addr)}, ${t.write ? 'PROT_READ|PROT_WRITE' : 'PROT_READ'})` };
    case 'madv-dontneed':
      return { id: `cpu${i}`, title: `CPU: madvise(${hex(t.addr)}, MADV_DONTNEED)` };
  }
}

export function summarize(s: State): AddressSummary[] {
  return s.world.addresses.map((addr) => {
    const pte = pteAt(s, s.world.mm, addr);
    const pfn = pte.k === 'present' ? pte.pfn : pte.k === 'swp' ? pte.entry.offset : undefined;
    let folio: AddressSummary['folio'];
    if (pfn !== undefined && hasPage(s, pfn)) {
      const f = obj(s, (pageRec(s, pagePtr(s, pfn)).fields.folio as { obj: number }).obj).v as Rec;
      folio = {
        pfn: f.fields.pfn as number, refcount: f.fields._refcount as number, mapcount: f.fields._mapcount as number, dirty: Boolean(f.fields.dirty),
        locked: (f.fields.lock as { holders: string[] }).holders, freed: Boolean(f.fields.freed),
      };
    }
    const devices = s.world.devices.map((d) => {
      const pt = load(s, d.pt);
      const entries = isRec(pt) && isRec(pt.fields.entries) ? pt.fields.entries.fields : {};
      const e = entries[String(Math.floor(addr / PAGE_SIZE))];
      let maps: string | null = null;
      if (e !== undefined && e !== null) {
        const p = untag(e);
        const tag = isRec(e) && e.type === 'xa_tagged' ? Number(e.fields.tag) : 0;
        maps = `${isPtr(p) ? (obj(s, p.obj).kind === 'page' ? `page pfn ${String(p.path[0])}` : obj(s, p.obj).label) : 'entry'}${tag === 1 ? ' (atomic)' : tag === 3 ? ' (write)' : ''}`;
      }
      return { device: d.name, maps };
    });
    return { addr: hex(addr), pte: showPte(pte), folio, devices };
  });
}

export function simulate(tree: EngineTree, scenarioId: string, options: SimulateOptions = {}): SimulationResult {
  const sc = scenarioById(scenarioId);
  if (!sc) throw new SimulationError(`unknown scenario '${scenarioId}'; the scenarios are: ${SCENARIOS.map((x) => x.id).join(', ')}`);
  return run(tree, sc, options);
}

/** A scenario's world with its threads spawned: what a run (or the explorer) starts from. */
export interface Prepared {
  s: State;
  code: Layered;
  caps: ReturnType<typeof treeCapabilities>;
  limits: Limits;
  threads: SimulationResult['threads'];
  initialRefs: Map<number, number>;
}

/**
 * Builds the world of `sc` on `tree` and spawns its threads on `m` (made by `machine` from the
 * state and the code). The explorer starts every interleaving from a copy of this state.
 */
export function prepare(tree: EngineTree, sc: Scenario, options: SimulateOptions, machine: (s: State, code: Layered, limits: Limits) => Machine): Prepared & { m: Machine } {
  // A scenario about the reference driver runs it on any tree.
  const caps = treeCapabilities(tree, sc.driver ?? options.driver);
  const s = buildWorld(sc, caps.driver);
  const code = codeFor(tree);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const m = machine(s, code, limits);
  const initialRefs = new Map(s.world.folios.map((f) => [f, (obj(s, f).v as Rec).fields._refcount as number]));
  const threads: SimulationResult['threads'] = [];
  sc.threads.forEach((spec, i) => {
    const { id, title } = threadTitle(spec, i);
    let entry: string;
    let args: Value[];
    if (spec.kind === 'device-atomic') {
      const dev = s.world.devices[spec.device];
      // A second device of a nouveau run is the model's mirror (nouveau_svm drives one GPU here).
      const kind = dev.driver === 'kpsim/refdriver.c' ? 'kpsim' : caps.driver.kind;
      entry = kind === 'kpsim' ? (caps.api === 'folio_walk' ? 'kpsim_mirror_atomic' : 'kpsim_mirror_atomic_range') : caps.entry;
      const c = code.fn(entry, dev.driver);
      if (!c) throw new SimulationError(`${entry} is not defined`);
      args = kind === 'kpsim' ? [ptr(dev.obj), spec.addr, spec.addr + (spec.pages ?? 1) * PAGE_SIZE]
        : kind === 'nouveau' ? nouveauArgs(s, dev, spec.addr, spec.pages ?? 1)
        : deviceArgs(s, dev, spec.addr, spec.pages ?? 1, c.params);
    } else if (spec.kind === 'cpu-access') {
      entry = 'kpsim_cpu_access';
      args = [ptr(s.world.mm), spec.addr, spec.write ? 1 : 0];
    } else if (spec.kind === 'gup') {
      entry = 'kpsim_gup_write';
      args = [ptr(s.world.mm), spec.addr];
    } else if (spec.kind === 'device-map') {
      entry = 'kpsim_mirror_map_read';
      args = [ptr(s.world.devices[spec.device].obj), spec.addr];
    } else if (spec.kind === 'fork') {
      entry = 'kpsim_fork';
      args = [ptr(s.world.mm)];
    } else if (spec.kind === 'mprotect') {
      entry = 'kpsim_mprotect';
      args = [ptr(s.world.mm), spec.addr, spec.addr + (spec.pages ?? 1) * PAGE_SIZE, spec.write ? 1 : 0];
    } else {
      entry = 'kpsim_madv_dontneed';
      args = [ptr(s.world.mm), spec.addr, spec.addr + (spec.pages ?? 1) * PAGE_SIZE];
    }
    const t = m.spawn(id, title, entry, args, caps.driver.file);
    if (spec.after !== undefined) {
      t.after = threadTitle(sc.threads[spec.after], spec.after).id;
      t.status = 'blocked';
      t.blockedOn = `${t.after} to finish`;
    }
    threads.push({ id, title, entry, status: 'runnable' });
  });
  return { s, code, caps, limits, threads, initialRefs, m };
}

export function run(tree: EngineTree, sc: Scenario, options: SimulateOptions = {}): SimulationResult {
  const t0 = performance.now();
  prims ??= kernelPrimitives();
  const table = prims;
  let views: SimulationResult['views'];
  let last: ViewModel | undefined;
  let state: State | undefined;
  const observe = (step: number): void => {
    const v = viewOf(state!);
    const changed = last ? changedPaths(last, v) : [];
    if (!last || changed.length) views?.push({ step, view: v, changed });
    last = v;
  };
  const { s, caps, threads, initialRefs, m } = prepare(tree, sc, options, (st, code, limits) => {
    state = st;
    return new Machine(st, code, table, limits, options.choices ?? {}, options.views ? {
      recordLocals: true,
      afterStep: (done) => {
        if (done.changes.length || done.notes.length) observe(done.i);
      },
    } : {});
  });
  const initial = summarize(s);

  if (options.views) {
    views = [];
    observe(-1);
  }
  for (const e of options.schedule ?? []) {
    try {
      parseScheduleEntry(e);
    } catch (err) {
      throw new SimulationError((err as Error).message);
    }
  }
  const taken = schedule(m, s, options.schedule ? [...options.schedule] : []);
  m.finish();
  if (views) observe(m.trace.length - 1);

  for (const t of threads) {
    const th = s.threads.find((x) => x.id === t.id)!;
    t.status = th.status;
    t.result = th.result;
    t.error = th.error;
  }
  const final = summarize(s);
  const checks = checkScenario(sc, s, m, threads, final, initialRefs);
  return {
    format: TRACE_FORMAT, version: TRACE_VERSION,
    scenario: { id: sc.id, title: sc.title, description: sc.description, mirrors: sc.mirrors },
    tree: path.basename(tree.root), api: caps.api === 'folio_walk' ? 'make_device_exclusive (folio_walk)' : 'make_device_exclusive_range (rmap walk)',
    driver: caps.driver.kind === 'kpsim' ? "kpsim/refdriver.c (the model's reference driver: the tree has none)" : `${caps.driver.file} (the tree's own)`,
    schedule: taken, choices: options.choices ?? {},
    threads, steps: m.trace, events: s.events, unmodelled: m.unmodelled, warnings: m.warnings, checks,
    initial, final, assumptions: ASSUMPTIONS,
    views,
    objects: Object.fromEntries(Object.entries(s.heap).filter(([, o]) => o.kind !== 'frame').map(([id, o]) => [id, { kind: o.kind, label: o.label, base: o.kind === 'pgtable' ? ((o.v as Rec).fields.base as number) : undefined }])),
    stats: { steps: m.trace.length, instructions: s.steps, ms: performance.now() - t0 },
  };
}

/**
 * Runs the threads, choosing one at every scheduling point: the next of `order` while it lasts,
 * then the policy (keep running the current thread; when it finishes or blocks, the first thread
 * in the scenario's order that can run). Returns the choices made, which replay the run exactly.
 */
function schedule(m: Machine, s: State, order: string[] = []): string[] {
  const taken: string[] = [];
  const stuck = new Set<string>();
  let current: string | undefined;
  for (;;) {
    const live = s.threads.filter((t) => t.status !== 'done' && t.status !== 'failed').map((t) => t.id);
    if (!live.length) return taken;
    if (live.every((id) => stuck.has(id))) {
      const stopped = s.threads.filter((x) => x.status === 'failed').map((x) => x.id);
      for (const t of s.threads.filter((x) => x.status === 'blocked')) {
        t.status = 'failed';
        const orphan = stopped.find((id) => t.blockedOn?.includes(id));
        t.error = orphan ? `waits for ever: blocked on ${t.blockedOn}, which stopped (see ${orphan})` : `deadlock: blocked on ${t.blockedOn}`;
      }
      return taken;
    }
    const entry = order.shift();
    const wanted = entry === undefined ? undefined : parseScheduleEntry(entry);
    let pick = wanted?.thread;
    if (pick === undefined || !live.includes(pick)) {
      pick = current && live.includes(current) && !stuck.has(current) ? current : live.find((id) => !stuck.has(id))!;
    }
    // A thread paused at an explored choice gets the entry's answer (the default without one).
    const t = s.threads.find((x) => x.id === pick)!;
    const answer = t.choice && wanted?.thread === pick && wanted.choice?.label === t.choice ? wanted.choice : undefined;
    taken.push(answer ? scheduleEntry(pick, answer.label, answer.index) : pick);
    const before = s.steps;
    const r = m.run(pick, true, answer);
    if (r === 'blocked' && s.steps <= before + 1) stuck.add(pick);
    else stuck.clear();
    current = pick;
  }
}

export function checkScenario(sc: Scenario, s: State, m: Machine, threads: SimulationResult['threads'], final: AddressSummary[], initialRefs: Map<number, number>): Check[] {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail });
  add('no unmodelled calls', m.unmodelled.length === 0, m.unmodelled.map((u) => `${u.name} at ${u.file}:${u.line}`).join('; ') || 'every call on the path ran or was modelled');
  for (const t of threads) add(`${t.id} finished`, t.status === 'done', t.status === 'done' ? `returned ${t.result === undefined ? 'void' : show(t.result)}` : t.error ?? t.status);
  for (const t of threads.filter((x) => x.id.startsWith('dev'))) add(`${t.id} request succeeded`, t.status === 'done' && (t.result === 0 || t.result === null || t.result === undefined), `returned ${show(t.result)}`);
  add('no kernel warnings', m.warnings.length === 0, m.warnings.map((w) => `${w.text} (${w.file}:${w.line})`).join('; ') || 'none fired');
  for (const e of sc.expect) {
    const f = final.find((x) => x.addr === hex(e.addr));
    const pte = pteAt(s, s.world.mm, e.addr);
    const where = hex(e.addr);
    if (e.pte) {
      const kind = pte.k === 'present' ? 'present' : pte.k === 'none' ? 'none' : pte.entry.kind.startsWith('device_exclusive') ? 'device-exclusive' : pte.entry.kind;
      add(`PTE at ${where} is ${e.pte}`, kind === e.pte, showPte(pte));
    }
    if (e.writable !== undefined) add(`PTE at ${where} is ${e.writable ? '' : 'not '}writable`, pte.k === 'present' && pte.write === e.writable, showPte(pte));
    if (e.dirty !== undefined) {
      const dirty = (pte.k === 'present' && pte.dirty) || Boolean(f?.folio?.dirty);
      add(`data at ${where} ${e.dirty ? 'stays dirty' : 'is clean'}`, dirty === e.dirty, `PTE ${pte.k === 'present' ? (pte.dirty ? 'dirty' : 'clean') : 'not present'}, folio ${f?.folio?.dirty ? 'dirty' : 'clean'}`);
    }
    if (e.childPte) {
      const child = s.world.mms.find((x) => x !== s.world.mm);
      const cp = child === undefined ? undefined : pteAt(s, child, e.addr);
      const kind = !cp ? 'no child' : cp.k === 'present' ? 'present' : cp.k === 'none' ? 'none' : cp.entry.kind.startsWith('device_exclusive') ? 'device-exclusive' : cp.entry.kind;
      add(`child PTE at ${where} is ${e.childPte}`, kind === e.childPte, cp ? showPte(cp) : 'no child mm');
    }
    if (e.folio) {
      const pfn = e.folio && initialPfn(sc, e.addr, s);
      const fr = pfn === undefined ? undefined : folioRecOf(s, pfn);
      if (e.folio.mapcount !== undefined) add(`folio at ${where} has mapcount ${e.folio.mapcount}`, fr?.fields._mapcount === e.folio.mapcount, `mapcount ${show(fr?.fields._mapcount)}`);
      if (e.folio.freed !== undefined) add(`folio at ${where} is ${e.folio.freed ? '' : 'not '}freed`, Boolean(fr?.fields.freed) === e.folio.freed, `refcount ${show(fr?.fields._refcount)}`);
    }
    for (const d of e.deviceMaps ?? []) {
      const entry = f?.devices[d.device]?.maps ?? null;
      add(`device ${d.device} ${d.maps ? 'maps' : 'no longer maps'} ${where}`, (entry !== null) === d.maps, entry ?? 'no entry');
    }
  }
  {
    const locked = s.world.folios.filter((f) => ((obj(s, f).v as Rec).fields.lock as { holders: string[] }).holders.length);
    add('folios unlocked', locked.length === 0, locked.map((f) => `${obj(s, f).label} held by ${((obj(s, f).v as Rec).fields.lock as { holders: string[] }).holders.join(',')}`).join('; ') || 'all unlocked');
  }
  if (sc.balanced) {
    const changed = [...initialRefs].filter(([f, r]) => ((obj(s, f).v as Rec).fields._refcount as number) !== r);
    add('folio references back where they started', changed.length === 0, changed.map(([f, r]) => `${obj(s, f).label}: ${r} -> ${show((obj(s, f).v as Rec).fields._refcount)}`).join('; ') || 'balanced');
  }
  return checks;
}

/** The pfn that was mapped at addr in the initial world (the scenario's page). */
function initialPfn(_sc: Scenario, addr: number, s: State): number | undefined {
  const folio = s.world.folios[0];
  if (folio === undefined) return undefined;
  void addr;
  return (obj(s, folio).v as Rec).fields.pfn as number;
}

function folioRecOf(s: State, pfn: number): Rec | undefined {
  if (!hasPage(s, pfn)) return undefined;
  return obj(s, (pageRec(s, pagePtr(s, pfn)).fields.folio as { obj: number }).obj).v as Rec;
}

export function passed(r: SimulationResult): boolean {
  return r.checks.every((c) => c.ok);
}
