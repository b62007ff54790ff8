/** Builds the initial state of a scenario, with the devices the tree's driver (or the model's) runs. */
import { type Device, type State, alloc, emptyState } from '../state/state';
import { type Ptr, type Value, lock, ptr, rec } from '../state/values';
import type { Scenario } from '../scenarios/types';
import { PAGE_SIZE, PMD_SIZE, addVma, mapPage, newFolio, newMm, nextPfn, pmdPtr, hex } from './layout';

const VM_READ = 0x1;
const VM_WRITE = 0x2;
const VM_MAYREAD = 0x10;
const VM_MAYWRITE = 0x20;

export interface DriverChoice {
  /** 'test_hmm' (the tree's lib/test_hmm.c) or 'kpsim' (the model's reference driver). */
  kind: 'test_hmm' | 'kpsim';
  /** File of the driver's code, for function designators. */
  file: string;
  invalidate: string;
  structType: string;
}

export function buildWorld(sc: Scenario, driver: DriverChoice): State {
  const s = emptyState();
  const mm = newMm(s, 'mm');
  const end = sc.vma.start + sc.vma.pages * PAGE_SIZE;
  addVma(s, mm, { start: sc.vma.start, end, flags: VM_READ | VM_MAYREAD | VM_MAYWRITE | (sc.vma.write ? VM_WRITE : 0) });
  for (const pg of sc.pages) {
    s.world.addresses.push(pg.addr);
    if (pg.thp) {
      const pfn = 0x200;
      newFolio(s, { pfn, order: 9 });
      const pmd = pmdPtr(s, mm, pg.addr, true)!;
      const e = (s.heap[pmd.obj].v as { fields: Record<string, Value> }).fields.pmds as { fields: Record<string, Value> };
      e.fields[String(pmd.path.at(-1))] = rec('pmd', { kind: 'huge', table: null, huge: { t: 'pte', k: 'present', pfn, write: pg.write, dirty: pg.dirty, young: true, softDirty: pg.softDirty ?? false, uffdWp: false } });
      const f = s.heap[s.world.folios.at(-1)!].v as { fields: Record<string, Value> };
      f.fields._mapcount = 1;
      f.fields._refcount = 1;
      void PMD_SIZE;
      continue;
    }
    const pfn = nextPfn(s);
    newFolio(s, { pfn });
    mapPage(s, mm, pg.addr, { t: 'pte', k: 'present', pfn, write: pg.write, dirty: pg.dirty, young: true, softDirty: pg.softDirty ?? false, uffdWp: false });
  }
  for (const addr of [...sc.expect.map((e) => e.addr), ...(sc.watch ?? [])]) if (!s.world.addresses.includes(addr)) s.world.addresses.push(addr);
  for (let i = 0; i < sc.devices; i++) addDevice(s, mm, i, driver);
  return s;
}

function addDevice(s: State, mm: number, i: number, d: DriverChoice): Device {
  const name = d.kind === 'test_hmm' ? `dmirror${i}` : `mirror${i}`;
  const ops = alloc(s, 'record', `${name} notifier ops`, rec('mmu_interval_notifier_ops', { invalidate: { t: 'fn', name: d.invalidate, file: d.file } }));
  const notifier = rec('mmu_interval_notifier', {
    mm: ptr(mm), interval_tree: rec('interval_tree_node', { start: 0, last: Number.MAX_SAFE_INTEGER }), ops: ptr(ops), invalidate_seq: 2,
  });
  const fields: Record<string, Value> = {
    notifier, pt: rec('xarray', { entries: rec('xa_entries') }), mutex: lock('mutex', `${name} mutex`),
  };
  if (d.kind === 'test_hmm') fields.mdevice = null;
  const id = alloc(s, 'driver', name, rec(d.structType, fields));
  const dev: Device = { name, obj: id, pt: ptr(id, 'pt'), notifier: ptr(id, 'notifier'), owner: d.kind === 'test_hmm' ? null : ptr(id), driver: d.kind === 'test_hmm' ? d.file : 'kpsim/refdriver.c' };
  s.world.devices.push(dev);
  s.world.notifiers.push(dev.notifier);
  return dev;
}

export function describeAddress(addr: number): string {
  return hex(addr);
}

export function deviceArgs(s: State, dev: Device, addr: number, pages: number, params: string[]): Value[] {
  if (params.length === 2) {
    const cmd = alloc(s, 'record', `${dev.name} command`, rec('hmm_dmirror_cmd', { addr, ptr: 0, npages: pages, cpages: 0, faults: 0 }));
    return [ptr(dev.obj), ptr(cmd)];
  }
  return [ptr(dev.obj), addr, addr + pages * PAGE_SIZE];
}

export function mmPtr(s: State): Ptr {
  return ptr(s.world.mm);
}
