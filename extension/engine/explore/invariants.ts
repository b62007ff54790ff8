/**
 * The invariants the explorer checks on every interleaving, named and stated in kernel terms.
 * Three kinds of check: on each source-line step that wrote model state (`step`), at each
 * scheduling point (`state`: what another CPU or a device could observe), and when every thread
 * has stopped (`end`). Each returns what it found as violations; none changes the state.
 */
import type { TraceStep } from '../interp/machine';
import { type ObjKind, type Reads, type State, type Thread, load, obj } from '../state/state';
import { withPfns } from './pathData';
import { type Pte, type Rec, type Value, isArr, isPtr, isRec } from '../state/values';
import { untag } from '../primitives/driver';
import { same } from './footprint';
import { PAGE_SIZE, entryAddress, findVma, hasPage, hex, pageRec, pagePtr, pteAt, vmaRec } from '../world/layout';

export interface InvariantInfo {
  id: string;
  title: string;
  /** What it means in kernel terms, and why it must hold. */
  doc: string;
}

export const INVARIANTS: readonly InvariantInfo[] = [
  {
    id: 'secondary-mmu-coherence', title: 'Secondary MMUs agree with the CPU page table',
    doc: 'When no MMU-notifier invalidation of an address is in progress, a device that maps the page writable (or atomically) is the owner of the device-exclusive entry there, or the CPU PTE maps that page writable; a device that maps it read-only sees a CPU PTE mapping that page, or its own device-exclusive entry. Otherwise a device and the CPU can write the same page without each other knowing (lost atomics, stale reads).',
  },
  {
    id: 'no-stale-device-mapping', title: 'No stale device mapping after an invalidation',
    doc: 'Once an invalidation\'s invalidate_range_end() has returned, no device maps a page the CPU page table no longer references at that address (PTE none, or another page): the device would keep accessing memory the mm has dropped or replaced.',
  },
  {
    id: 'dirty-preserved', title: 'The dirty bit is never lost',
    doc: 'Converting a PTE to a device-exclusive entry clears it; restoring it builds a new one. A page that was dirty (in a PTE or in its folio) must stay dirty (folio_mark_dirty() before the PTE goes) until the mm frees it, or reclaim could drop data that was never written back.',
  },
  {
    id: 'folio-locked-on-restore', title: 'The folio is locked when a device-exclusive entry is restored',
    doc: 'remove_device_exclusive_entry() / restore_exclusive_pte() must hold the folio lock while turning a device-exclusive entry back into a present PTE: the lock is what serialises the conversion against make_device_exclusive() and other restorers.',
  },
  {
    id: 'refcount-balanced', title: 'Folio references and mappings balanced',
    doc: 'At the end, every folio reference taken (GUP, make_device_exclusive) has been dropped, and a folio\'s mapcount equals the number of page-table entries that map it (present or device-exclusive); a folio is never freed while mapped, and one no page table maps any more keeps no reference. An extra reference leaks the page; a missing one frees it under a user.',
  },
  {
    id: 'no-use-after-free', title: 'No access to a freed folio',
    doc: 'No code reads or writes a folio (or its pages) after its last reference was dropped and it was freed.',
  },
  {
    id: 'no-crash', title: 'No crash',
    doc: 'The code never dereferences NULL or an error pointer, never hits BUG_ON()/VM_BUG_ON(), never calls through a bad function pointer: a kernel oops.',
  },
  {
    id: 'no-deadlock', title: 'No deadlock',
    doc: 'Some thread can always run: no set of threads waits on locks the others hold (mmap_lock, folio lock, PTL, driver mutex), and no lock is left held when every thread has finished (the next taker would wait for ever).',
  },
  {
    id: 'progress', title: 'Retry loops make progress (no livelock)',
    doc: 'A retry loop (mmu_interval_read_begin/read_retry, a GUP retry, goto again) ends: a loop that can cycle for ever without progress — for example a driver whose notifier does not filter the MMU_NOTIFY_EXCLUSIVE event its own make_device_exclusive() sends, so read_retry always fails — is a livelock. A loop that only ends when the driver\'s timeout expires (nouveau gives up after HMM_RANGE_DEFAULT_TIMEOUT with -EBUSY) is one too: the request never succeeds. The explorer tries both answers of every timeout check, so the paths that give up are checked as well.',
  },
  {
    id: 'no-write-without-vm-write', title: 'No writable PTE without VM_WRITE',
    doc: 'A present PTE is made writable only in a VMA with VM_WRITE: restoring a device-exclusive entry after mprotect(PROT_READ) must not give the CPU write access back.',
  },
  {
    id: 'fork-entries', title: 'fork() leaves correct entries in parent and child',
    doc: 'Device-exclusive entries are not copied to the child; an anonymous page shared by parent and child after fork is mapped read-only (COW) in both.',
  },
  {
    id: 'pte-not-clobbered', title: 'A PTE is never overwritten by a stale value',
    doc: 'A thread that writes a PTE must have read the value it replaces: code that reads a PTE, drops the lock or sleeps, and writes without a pte_same() re-check under the PTL overwrites another CPU\'s update.',
  },
];

export interface Found {
  invariant: string;
  message: string;
  thread?: string;
  file?: string;
  line?: number;
  /** The device mapping a state check is about (its name and the address). */
  mapping?: { device: string; addr: number };
  /** A livelock: the functions the looping thread is in, and whether another thread had invalidated first. */
  loop?: LoopOrigin;
}

export interface LoopOrigin {
  /** `file:function` of each frame of the looping thread. */
  frames: string[];
  /** Another thread's MMU-notifier invalidation had started on this path before the thread spun. */
  afterOtherInvalidation: boolean;
}

const isDevExcl = (p: Pte): boolean => p.k === 'swp' && p.entry.kind.startsWith('device_exclusive');
const ptePfn = (p: Pte): number | undefined => (p.k === 'present' ? p.pfn : p.k === 'swp' ? p.entry.offset : undefined);

function showPte(p: Pte): string {
  if (p.k === 'none') return 'none';
  if (p.k === 'present') return `present pfn ${p.pfn} ${p.write ? 'rw' : 'ro'}${p.dirty ? ' dirty' : ''}`;
  return `${p.entry.kind.replace(/_/g, '-')} pfn ${p.entry.offset}`;
}

/** Each device's page-table entries: address → pfn and how it maps it. */
export function deviceMappings(s: State): { device: number; name: string; addr: number; pfn: number; mode: 'read' | 'write' | 'atomic' }[] {
  const out: ReturnType<typeof deviceMappings> = [];
  s.world.devices.forEach((d, device) => {
    const pt = load(s, d.pt);
    const entries = isRec(pt) && isRec(pt.fields.entries) ? pt.fields.entries.fields : {};
    for (const [k, e] of Object.entries(entries)) {
      if (e === undefined || e === null) continue;
      const p = untag(e);
      if (!isPtr(p) || !s.heap[p.obj] || obj(s, p.obj).kind !== 'page' || typeof p.path[0] !== 'number') continue;
      const tag = isRec(e) && e.type === 'xa_tagged' ? Number(e.fields.tag) : 0;
      out.push({ device, name: d.name, addr: Number(k) * PAGE_SIZE, pfn: p.path[0], mode: tag === 1 ? 'atomic' : tag === 3 ? 'write' : 'read' });
    }
  });
  return out;
}

/** Invalidations started and not yet ended (by event id). */
function inProgress(s: State): { start: number; end: number }[] {
  const ended = new Set(s.events.filter((e) => e.phase === 'end').map((e) => e.id));
  return s.events.filter((e) => e.phase === 'start' && !ended.has(e.id)).map((e) => ({ start: e.start, end: e.end }));
}

function folioOfPfn(s: State, pfn: number): Rec | undefined {
  if (!hasPage(s, pfn)) return undefined;
  const f = pageRec(s, pagePtr(s, pfn)).fields.folio;
  return isPtr(f) ? (obj(s, f.obj).v as Rec) : undefined;
}

/** At a scheduling point: what a device or another CPU could observe now. */
export function checkState(s: State): Found[] {
  const out: Found[] = [];
  const busy = inProgress(s);
  const maps = deviceMappings(s);
  for (const m of maps) {
    if (busy.some((r) => m.addr >= r.start && m.addr < r.end)) continue;
    const pte = pteAt(s, s.world.mm, m.addr);
    const pfn = ptePfn(pte);
    const where = `${m.name} maps ${hex(m.addr)} (pfn ${m.pfn}, ${m.mode})`;
    const mapping = { device: m.name, addr: m.addr };
    if (pfn !== m.pfn || pte.k === 'none' || (pte.k === 'swp' && !isDevExcl(pte))) {
      out.push({ invariant: 'no-stale-device-mapping', mapping, message: `${where} but the CPU PTE is ${showPte(pte)}: no invalidation is in progress, so the device keeps a page the mm no longer maps there` });
      continue;
    }
    // The owner of a device-exclusive entry is the device that maps it atomically.
    const owner = maps.find((x) => x.addr === m.addr && x.pfn === m.pfn && x.mode === 'atomic')?.device;
    if (m.mode === 'atomic' && !isDevExcl(pte)) {
      out.push({ invariant: 'secondary-mmu-coherence', mapping, message: `${where} but the CPU PTE is ${showPte(pte)}, not a device-exclusive entry: CPU and device can both write the page` });
    } else if (m.mode === 'write' && !(isDevExcl(pte) ? owner === m.device : pte.k === 'present' && pte.write)) {
      out.push({ invariant: 'secondary-mmu-coherence', mapping, message: `${where} but the CPU PTE is ${showPte(pte)}${isDevExcl(pte) ? `, exclusive to ${owner === undefined ? 'no device' : s.world.devices[owner].name}` : ''}` });
    } else if (m.mode === 'read' && isDevExcl(pte) && owner !== m.device) {
      out.push({ invariant: 'secondary-mmu-coherence', mapping, message: `${where} but the CPU PTE is ${showPte(pte)}, exclusive to ${owner === undefined ? 'another device' : s.world.devices[owner].name}: the device reads while the owner writes atomically` });
    }
  }
  return out;
}

/** After a source-line step that wrote model state: checks on what it wrote. */
export function checkStep(s: State, step: TraceStep, seen: { get(key: string): Value | undefined }): Found[] {
  const out: Found[] = [];
  const at = { thread: step.thread, file: step.file, line: step.line };
  for (const c of step.changes) {
    if (!c.field.startsWith('PTE 0x') || c.field.includes('.')) continue;
    const before = c.before as Pte | undefined;
    const after = c.after as Pte | undefined;
    if (!after || typeof after !== 'object' || after.t !== 'pte') continue;
    const addr = parseInt(c.field.slice(6), 16);
    if (before && typeof before === 'object' && before.t === 'pte' && isDevExcl(before) && after.k === 'present') {
      const f = folioOfPfn(s, after.pfn);
      const holders = (f?.fields.lock as { holders?: string[] } | undefined)?.holders ?? [];
      if (!holders.includes(step.thread)) {
        out.push({ ...at, invariant: 'folio-locked-on-restore', message: `${step.fn} restored the device-exclusive entry at ${hex(addr)} without holding the folio lock${holders.length ? ` (held by ${holders.join(', ')})` : ''}` });
      }
    }
    // Made writable here (A/D-bit updates of a PTE that was already writable do not count: the
    // hardware may set them while mprotect() is between the VMA and the PTEs).
    const wasWritable = before && typeof before === 'object' && before.t === 'pte' && before.k === 'present' && before.write && before.pfn === (after.k === 'present' ? after.pfn : -1);
    if (after.k === 'present' && after.write && !wasWritable) {
      const mm = s.world.mms.find((m) => { const p = pteAt(s, m, addr); return p.k === 'present' && p.pfn === after.pfn && p.write; }) ?? s.world.mm;
      const vma = findVma(s, mm, addr);
      const flags = vma ? Number(vmaRec(s, vma).fields.vm_flags) : 0;
      if (!(flags & 0x2)) out.push({ ...at, invariant: 'no-write-without-vm-write', message: `${step.fn} made the PTE at ${hex(addr)} writable in a VMA without VM_WRITE` });
    }
    const last = seen.get(`${step.thread}|${c.field}`);
    if (last !== undefined && before !== undefined && !sameBarAccessDirty(last, before)) {
      out.push({ ...at, invariant: 'pte-not-clobbered', message: `${step.fn} overwrote the PTE at ${hex(addr)} (${showPte(before)}) with ${showPte(after)}, but it last read ${showPte(last as Pte)}: another thread's update is lost (no pte_same() re-check under the PTL)` });
    }
  }
  return out;
}

/**
 * Whether two PTE values are the same but for the accessed and dirty bits: the MMU sets those on a
 * present PTE without the PTL, and code that clears the PTE anyway (the zap of an anonymous page:
 * "We don't need up-to-date accessed/dirty bits") loses nothing by not re-reading them. A lost
 * dirty bit is dirty-preserved's business.
 */
function sameBarAccessDirty(a: Value, b: Value): boolean {
  if (same(a, b)) return true;
  if (!isPte(a) || !isPte(b) || a.k !== 'present' || b.k !== 'present') return false;
  return same({ ...a, young: false, dirty: false }, { ...b, young: false, dirty: false });
}

const isPte = (v: Value): v is Pte => typeof v === 'object' && v !== null && (v as { t?: unknown }).t === 'pte';

/** What a failed thread's error means. */
export function classifyFailure(t: Thread): Found | undefined {
  const e = t.error ?? '';
  const m = /\(at ([^:()]+):(\d+) in ([^)]+)\)$/.exec(e);
  const at = { thread: t.id, file: m?.[1], line: m ? Number(m[2]) : undefined };
  if (/use after free/.test(e)) return { ...at, invariant: 'no-use-after-free', message: `${t.id}: ${e}` };
  if (/^deadlock:/.test(e)) return { ...at, invariant: 'no-deadlock', message: `${t.id}: ${e}` };
  if (/loop bound \(\d+ iterations\) hit/.test(e)) return { ...at, invariant: 'progress', message: `${t.id} loops without progress: ${e}` };
  // Alone or not, a thread that runs out of instructions never finished: a loop without progress
  // (a backward goto is not counted by the loop bound, so retry loops end here).
  if (/step bound \(\d+ instructions\) hit/.test(e)) return { ...at, invariant: 'progress', message: `${t.id} does not finish: ${e}` };
  // Not the code's fault: the model lacks the call (reported as unmodelled), or the call depth bound.
  if (/unmodelled|call depth bound/.test(e)) return undefined;
  return { ...at, invariant: 'no-crash', message: `${t.id} crashed: ${e}` };
}

/** Pfns whose data is dirty now (a dirty present PTE, or a dirty folio). */
export function dirtyPfns(s: State): number[] {
  const out = new Set<number>();
  for (const mm of s.world.mms) {
    for (const addr of s.world.addresses) {
      const p = pteAt(s, mm, addr);
      if (p.k === 'present' && p.dirty) out.add(p.pfn);
    }
  }
  // A large folio's dirty flag covers every page of it (folio_mark_dirty() on a THP marks all 512).
  for (const f of s.world.folios) {
    const r = obj(s, f).v as Rec;
    if (!r.fields.dirty || r.fields.freed) continue;
    const pfn = r.fields.pfn as number;
    for (let i = 0; i < Number(r.fields.nr ?? 1); i++) out.add(pfn + i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Folio fields dirtyPfns reads. */
const DIRTY_FOLIO_FIELDS = ['dirty', 'freed', 'pfn', 'nr'];

/**
 * Whether writing these keys of an object of this kind can change what dirtyPfns finds, other than
 * through one PTE (a PTE table's entries: the caller looks at those by address): a folio's dirty
 * flag, the PMDs, a whole table.
 */
export function writesDirtyInputs(kind: ObjKind, keys: ReadonlySet<string> | null): boolean {
  if (kind === 'folio') return keys === null || DIRTY_FOLIO_FIELDS.some((k) => keys.has(k));
  if (kind === 'mm') return keys === null || keys.has('pmds');
  return kind === 'pmdtable' || (kind === 'pgtable' && keys === null);
}

/**
 * The pfns seen dirty so far (`seen`, sorted) with those dirty after a segment that made the
 * `stores`: when it only wrote PTEs (and struct pages, and folio fields other than the dirty
 * flag), only those PTEs can have become dirty; anything else is looked at in full.
 */
export function dirtyAfter(s: State, stores: Reads, seen: readonly number[]): readonly number[] {
  const added: number[] = [];
  for (const [o, keys] of stores) {
    const h = s.heap[o];
    if (!h) continue;
    if (writesDirtyInputs(h.kind, keys)) return withPfns(seen, dirtyPfns(s));
    if (h.kind !== 'pgtable' || keys === null) continue;
    const entries = (h.v as Rec).fields.entries;
    for (const k of keys) {
      const addr = entryAddress(h.v, k);
      // dirtyPfns looks at the scenario's addresses only.
      if (addr === undefined || !s.world.addresses.includes(addr)) continue;
      const p = isArr(entries) ? entries.items[Number(k.slice('entries.'.length))] : undefined;
      if (isPte(p) && p.k === 'present' && p.dirty) added.push(p.pfn);
    }
  }
  return added.length ? withPfns(seen, [...new Set(added)].sort((a, b) => a - b)) : seen;
}

export interface EndFacts {
  /** Pfns seen dirty on the way. */
  dirty: readonly number[];
  /** Folio refcounts at the start, by heap id; checked when the scenario is balanced. */
  initialRefs: ReadonlyMap<number, number>;
  balanced: boolean;
  forked: boolean;
}

/** When every thread has stopped. */
export function checkEnd(s: State, facts: EndFacts): Found[] {
  const out: Found[] = [];
  const now = new Set(dirtyPfns(s));
  for (const pfn of facts.dirty) {
    const f = folioOfPfn(s, pfn);
    if (!f || f.fields.freed) continue;
    if (!now.has(pfn)) out.push({ invariant: 'dirty-preserved', message: `pfn ${pfn} was dirty, and now neither a PTE nor its folio says so: the data could be dropped by reclaim` });
  }
  if (facts.balanced) {
    for (const [f, r] of facts.initialRefs) {
      const rec = obj(s, f).v as Rec;
      if (rec.fields._refcount !== r) out.push({ invariant: 'refcount-balanced', message: `${obj(s, f).label}: refcount ${r} at the start, ${Number(rec.fields._refcount)} at the end` });
    }
  }
  for (const f of s.world.folios) {
    const rec = obj(s, f).v as Rec;
    const pfn = rec.fields.pfn as number;
    let mapped = 0;
    let present = 0;
    for (const mm of s.world.mms) for (const addr of s.world.addresses) {
      const p = pteAt(s, mm, addr);
      if (ptePfn(p) === pfn && (p.k === 'present' || isDevExcl(p))) mapped++;
      if (p.k === 'present' && p.pfn === pfn) present++;
    }
    // Large folios count per page; only small folios are checked here.
    if (Number(rec.fields.nr ?? 1) !== 1) continue;
    const mc = Number(rec.fields._mapcount);
    const refs = Number(rec.fields._refcount);
    const label = obj(s, f).label;
    if (rec.fields.freed) {
      // Freed while a PTE still maps it (mapcount not back to 0: "Bad page state").
      if (mc > 0 || mapped > 0) out.push({ invariant: 'refcount-balanced', message: `${label} was freed while still mapped (mapcount ${mc}${mapped ? `, ${mapped} page-table entr${mapped === 1 ? 'y' : 'ies'}` : ''}): the page is reused under its mapping` });
      continue;
    }
    // Before v6.15 a device-exclusive entry is not counted in the mapcount (it was unmapped like a
    // migration entry); from v6.15 it is: either convention is accepted, nothing outside it.
    if (mc < present || mc > mapped) {
      out.push({ invariant: 'refcount-balanced', message: `${label}: mapcount ${mc} but ${present} present PTE${present === 1 ? '' : 's'}${mapped > present ? ` and ${mapped - present} device-exclusive entr${mapped - present === 1 ? 'y' : 'ies'}` : ''} map it` });
    } else if (!facts.balanced && mapped === 0 && mc === 0 && refs > 0) {
      // No page table maps it any more, yet references remain: nothing can drop them (leaked).
      out.push({ invariant: 'refcount-balanced', message: `${label}: no page table maps it any more, yet it keeps ${refs} reference${refs === 1 ? '' : 's'} with every thread finished: leaked` });
    }
  }
  out.push(...locksLeftHeld(s));
  if (facts.forked && s.world.mms.length > 1) {
    const [parent, child] = [s.world.mm, s.world.mms.find((m) => m !== s.world.mm)!];
    for (const addr of s.world.addresses) {
      const c = pteAt(s, child, addr);
      const p = pteAt(s, parent, addr);
      if (isDevExcl(c)) out.push({ invariant: 'fork-entries', message: `the child's PTE at ${hex(addr)} is a device-exclusive entry: fork copied it` });
      if (c.k === 'present' && p.k === 'present' && c.pfn === p.pfn && (c.write || p.write)) {
        out.push({ invariant: 'fork-entries', message: `parent and child share pfn ${c.pfn} at ${hex(addr)} but the ${c.write ? 'child' : 'parent'} maps it writable: no COW` });
      }
    }
  }
  return out;
}

/**
 * Locks still held when every thread has finished (a folio lock, a PTL, a driver mutex, the
 * mmap_lock): whoever takes one next waits for ever.
 */
export function locksLeftHeld(s: State): Found[] {
  const out: Found[] = [];
  const finished = new Set(s.threads.filter((t) => t.status === 'done').map((t) => t.id));
  const visit = (v: unknown, where: string): void => {
    if (typeof v !== 'object' || v === null) return;
    const l = v as { t?: unknown; holders?: unknown; kind?: unknown };
    if (l.t === 'lock' && Array.isArray(l.holders)) {
      const left = (l.holders as string[]).filter((h) => finished.has(h));
      if (left.length) out.push({ invariant: 'no-deadlock', thread: left[0], message: `${where} is still held by ${left.join(', ')}, which ${left.length === 1 ? 'has' : 'have'} finished: the next ${String(l.kind)} acquisition waits for ever` });
      return;
    }
    for (const k in v as Record<string, unknown>) visit((v as Record<string, unknown>)[k], where);
  };
  for (const [id, o] of Object.entries(s.heap)) {
    if (o.kind === 'frame' || o.freed) continue;
    visit(o.v, o.kind === 'pgtable' ? `the PTL of ${o.label}` : o.kind === 'folio' ? `the folio lock of ${o.label}` : `a lock in ${o.label || `#${id}`}`);
  }
  return out;
}

export function invariantInfo(id: string): InvariantInfo | undefined {
  return INVARIANTS.find((i) => i.id === id);
}
