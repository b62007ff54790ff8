/**
 * Where things are in the heap, and how to build a world. Page tables: each mm has a record of
 * PMD entries keyed by the 2 MiB-aligned address; a PMD entry points at a PTE table (512 entries
 * and its PTL) or holds a huge PTE. `pte_t *` is a pointer to an entry of a table, so kernel code
 * can walk it with `pte++`.
 */
import { ModelError, type State, alloc, load, meta, obj, recAt, recOf, store } from '../state/state';
import { type Pte, type Ptr, type Rec, type Value, isPtr, isPte, isRec, lock, ptr, rec } from '../state/values';

export const PAGE_SIZE = 4096;
export const PMD_SIZE = 2 * 1024 * 1024;
export const PTRS_PER_PTE = 512;

export const NONE: Pte = { t: 'pte', k: 'none' };

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function pmdKey(addr: number): string {
  return hex(addr - (addr % PMD_SIZE));
}

export function mmRec(s: State, mm: number): Rec {
  const v = recOf(s, mm);
  if (v.type !== 'mm_struct') throw new ModelError(`#${mm} is not an mm`);
  return v;
}

export function newMm(s: State, label = 'mm'): number {
  const id = alloc(s, 'mm', label, rec('mm_struct', {
    mmap_lock: lock('rwsem', 'mmap_lock'),
    mm_users: 1,
    pmds: rec('pmds'),
    vmas: { t: 'arr', items: {}, length: 0 },
    notifier_subscriptions: rec('mmu_notifier_subscriptions', { invalidate_seq: 2, active_invalidate_ranges: 0 }),
    rss: { t: 'arr', items: { 0: 0, 1: 0, 2: 0, 3: 0 }, length: 4 },
  }));
  s.world.mms.push(id);
  if (!s.world.mm) s.world.mm = id;
  return id;
}

/** Pointer to the PMD entry covering `addr`; created (empty) if `create`. */
export function pmdPtr(s: State, mm: number, addr: number, create: boolean): Ptr | null {
  const key = pmdKey(addr);
  const pmds = mmRec(s, mm).fields.pmds as Rec;
  if (!pmds.fields[key]) {
    if (!create) return null;
    pmds.fields[key] = rec('pmd', { kind: 'none', table: null, huge: null });
  }
  return ptr(mm, 'pmds', key);
}

/** The PTE table under a PMD entry, allocating one for an empty entry if `create`. */
export function tableOf(s: State, pmd: Ptr, create: boolean): number | null {
  const e = load(s, pmd);
  if (!isRec(e) || e.type !== 'pmd') throw new ModelError('not a PMD entry');
  if (e.fields.kind === 'table' && isPtr(e.fields.table)) return e.fields.table.obj;
  if (e.fields.kind === 'huge' || !create) return null;
  const key = String(pmd.path.at(-1));
  const id = alloc(s, 'pgtable', `PTE table ${key}`, rec('pte_table', {
    base: Number.parseInt(key, 16),
    entries: { t: 'arr', items: {}, length: PTRS_PER_PTE },
    ptl: lock('spin', `PTL ${key}`),
  }));
  e.fields.kind = 'table';
  e.fields.table = ptr(id);
  return id;
}

export function pteIndex(addr: number): number {
  return Math.floor((addr % PMD_SIZE) / PAGE_SIZE);
}

/** Pointer to the PTE of `addr` in `mm` (creating the table if asked). */
export function ptePtr(s: State, mm: number, addr: number, create = false): Ptr | null {
  const pmd = pmdPtr(s, mm, addr, create);
  if (!pmd) return null;
  const table = tableOf(s, pmd, create);
  return table === null ? null : ptr(table, 'entries', pteIndex(addr));
}

export function readPte(s: State, p: Ptr): Pte {
  const v = load(s, p);
  if (v === undefined) return NONE;
  if (!isPte(v)) throw new ModelError(`not a PTE: ${JSON.stringify(v)}`);
  return v;
}

/** The PTE of an address, for checks and display ('none' when there is no table). */
export function pteAt(s: State, mm: number, addr: number): Pte {
  const pmd = pmdPtr(s, mm, addr, false);
  if (!pmd) return NONE;
  const e = load(s, pmd) as Rec;
  if (e.fields.kind === 'huge') return e.fields.huge as Pte;
  const p = ptePtr(s, mm, addr);
  return p ? readPte(s, p) : NONE;
}

/** The address a PTE table's place key ("entries.<index>", see placeKey) maps, or undefined for other keys. */
export function entryAddress(table: Value, key: string): number | undefined {
  const m = /^entries\.(\d+)$/.exec(key);
  const base = isRec(table) ? table.fields.base : undefined;
  return m && typeof base === 'number' ? base + Number(m[1]) * PAGE_SIZE : undefined;
}

/** The address a PTE pointer maps: table base + index * PAGE_SIZE. */
export function addressOfPte(s: State, p: Ptr): number {
  const t = recOf(s, p.obj);
  return (t.fields.base as number) + Number(p.path.at(-1)) * PAGE_SIZE;
}

// ---- VMAs ----

export interface VmaSpec {
  start: number;
  end: number;
  /** VM_* bits */
  flags: number;
  anon?: boolean;
  label?: string;
}

export function addVma(s: State, mm: number, v: VmaSpec): number {
  const id = alloc(s, 'vma', v.label ?? `vma ${hex(v.start)}-${hex(v.end)}`, rec('vm_area_struct', {
    vm_start: v.start, vm_end: v.end, vm_flags: v.flags, vm_mm: ptr(mm),
    // Private mappings get read-only protections; writability comes from VM_WRITE at fault time.
    vm_page_prot: 0, vm_pgoff: v.start / PAGE_SIZE,
    anon_vma: v.anon === false ? null : ptr(alloc(s, 'record', 'anon_vma', rec('anon_vma'))),
    vm_ops: null, vm_file: null, vm_userfaultfd_ctx: rec('vm_userfaultfd_ctx', { ctx: null }),
  }));
  const vmas = mmRec(s, mm).fields.vmas as { t: 'arr'; items: Record<number, Value>; length: number };
  vmas.items[vmas.length++] = ptr(id);
  return id;
}

export function vmaRec(s: State, vma: Ptr): Rec {
  const v = vma.path.length === 0 ? recOf(s, vma.obj) : load(s, vma);
  if (!isRec(v) || v.type !== 'vm_area_struct') throw new ModelError('not a VMA');
  return v;
}

export function findVma(s: State, mm: number, addr: number): Ptr | null {
  const vmas = mmRec(s, mm).fields.vmas as { items: Record<number, Value>; length: number };
  for (let i = 0; i < vmas.length; i++) {
    const p = vmas.items[i];
    if (!isPtr(p)) continue;
    const v = vmaRec(s, p);
    if ((v.fields.vm_start as number) <= addr && addr < (v.fields.vm_end as number)) return p;
  }
  return null;
}

// ---- folios and pages ----

export interface FolioSpec {
  pfn: number;
  order?: number;
  anon?: boolean;
  dirty?: boolean;
}

/**
 * The memmap: every struct page, indexed by pfn, in one heap object, so a `struct page *` is a
 * pointer to an element and `page + n` / `page - pfn` work as they do on the kernel's memmap.
 */
export function memmap(s: State): number {
  if (!s.world.memmap) {
    s.world.memmap = alloc(s, 'page', 'memmap', { t: 'arr', items: {}, length: Number.MAX_SAFE_INTEGER });
  }
  return s.world.memmap;
}

export function newFolio(s: State, f: FolioSpec): number {
  const nr = 2 ** (f.order ?? 0);
  const id = alloc(s, 'folio', `folio@pfn${f.pfn}`, rec('folio', {
    pfn: f.pfn, nr, order: f.order ?? 0, _refcount: 0, _mapcount: 0,
    lock: lock('mutex', `folio lock @pfn${f.pfn}`),
    dirty: f.dirty ? 1 : 0, anon: f.anon === false ? 0 : 1, hugetlb: 0, pins: 0, swapcache: 0, lru: 1, freed: 0,
  }));
  const mem = (obj(s, memmap(s)).v as { items: Record<number, Value> }).items;
  for (let i = 0; i < nr; i++) mem[f.pfn + i] = rec('page', { folio: ptr(id), pfn: f.pfn + i, _mapcount: 0 });
  s.world.folios.push(id);
  return id;
}

/**
 * Whether the memmap has a struct page for `pfn`. Read as the page's folio link, so the explorer
 * does not count it as reading the page's mapcount.
 */
function pageExists(s: State, pfn: number): boolean {
  if (!s.world.memmap) return false;
  try {
    return load(s, ptr(s.world.memmap, pfn, 'folio')) !== undefined;
  } catch (e) {
    if (e instanceof ModelError) return false;
    throw e;
  }
}

export function pagePtr(s: State, pfn: number): Ptr {
  if (!pageExists(s, pfn)) throw new ModelError(`no struct page for pfn ${pfn}`);
  return ptr(memmap(s), pfn);
}

export function hasPage(s: State, pfn: number): boolean {
  return pageExists(s, pfn);
}

/** The folio of a page pointer (a folio pointer is returned as it is). */
export function folioOf(s: State, p: Ptr): Ptr {
  const o = meta(s, p.obj);
  if (o.kind === 'folio') return ptr(p.obj);
  if (o.kind !== 'page' || p.path.length !== 1) throw new ModelError(`${o.label} is not a page or folio`);
  if (!pageExists(s, Number(p.path[0]))) throw new ModelError(`no struct page for pfn ${String(p.path[0])}`);
  return load(s, { ...p, path: [...p.path, 'folio'] }) as Ptr;
}

export function folioRec(s: State, p: Ptr): Rec {
  return recOf(s, folioOf(s, p).obj);
}

export function pageRec(s: State, p: Ptr): Rec {
  const o = meta(s, p.obj);
  if (o.kind === 'folio') return recAt(s, pagePtr(s, recOf(s, p.obj).fields.pfn as number));
  if (o.kind !== 'page' || p.path.length !== 1 || !pageExists(s, Number(p.path[0]))) throw new ModelError(`${o.label} is not a page`);
  return recAt(s, p);
}

export function pfnOfPage(s: State, p: Ptr): number {
  return pageRec(s, p).fields.pfn as number;
}

/** Installs a present PTE that maps `pfn` and accounts the mapping (mapcount, reference). */
export function mapPage(s: State, mm: number, addr: number, pte: Pte): void {
  const p = ptePtr(s, mm, addr, true)!;
  store(s, p, pte);
  if (pte.k === 'present' || (pte.k === 'swp' && pte.entry.kind.startsWith('device_exclusive'))) {
    const pfn = pte.k === 'present' ? pte.pfn : pte.entry.offset;
    const page = pagePtr(s, pfn);
    const f = folioRec(s, page);
    (pageRec(s, page).fields._mapcount as number)++;
    f.fields._mapcount = (f.fields._mapcount as number) + 1;
    f.fields._refcount = (f.fields._refcount as number) + 1;
  }
}

export function nextPfn(s: State): number {
  if (!s.world.memmap) return 0x100;
  const used = Object.keys((obj(s, s.world.memmap).v as { items: Record<number, Value> }).items).map(Number);
  return used.length ? Math.max(...used) + 1 : 0x100;
}
