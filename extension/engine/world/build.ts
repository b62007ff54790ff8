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
  /** The tree's lib/test_hmm.c, the tree's nouveau SVM, or the model's reference driver. */
  kind: 'test_hmm' | 'nouveau' | 'kpsim';
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
  for (let i = 0; i < sc.devices; i++) addDevice(s, mm, i, driver, sc.ownerFilter !== false);
  return s;
}

const REF_DRIVER: DriverChoice = { kind: 'kpsim', file: 'kpsim/refdriver.c', invalidate: 'kpsim_mirror_invalidate', structType: 'kpsim_mirror' };

/** nouveau: an SVM mm (classic notifier, mutex, VMM whose page table the model keeps), the drm device as owner. */
function addNouveau(s: State, mm: number, i: number, d: DriverChoice): Device {
  const name = `gpu${i}`;
  const dev = alloc(s, 'record', `${name} struct device`, rec('device'));
  const drm = alloc(s, 'record', `${name} nouveau_drm`, rec('nouveau_drm', { dev: ptr(dev) }));
  const cli = alloc(s, 'record', `${name} nouveau_cli`, rec('nouveau_cli', { drm: ptr(drm) }));
  const vmm = alloc(s, 'driver', name, rec('nouveau_vmm', { cli: ptr(cli), vmm: rec('nvif_vmm', { object: rec('nvif_object', { pt: rec('xarray', { entries: rec('xa_entries') }) }) }) }));
  const mnops = alloc(s, 'record', `${name} mmu_notifier_ops`, rec('mmu_notifier_ops', { invalidate_range_start: { t: 'fn', name: 'nouveau_svmm_invalidate_range_start', file: d.file }, invalidate_range_end: null }));
  const svmm = alloc(s, 'driver', `${name} svmm`, rec('nouveau_svmm', { notifier: rec('mmu_notifier', { mm: ptr(mm), ops: ptr(mnops) }), vmm: ptr(vmm), mutex: lock('mutex', `${name} svmm mutex`), unmanaged: rec('unmanaged', { start: 0, limit: 0 }) }));
  const sn = alloc(s, 'record', `${name} svm_notifier`, rec('svm_notifier', { notifier: rec('mmu_interval_notifier', { mm: ptr(mm), invalidate_seq: 0 }), svmm: ptr(svmm) }));
  const device: Device = { name, obj: svmm, pt: ptr(vmm, 'vmm', 'object', 'pt'), notifier: ptr(sn, 'notifier'), mn: ptr(svmm, 'notifier'), owner: ptr(dev), driver: d.file };
  s.world.devices.push(device);
  s.world.mmuNotifiers.push(ptr(svmm, 'notifier'));
  return device;
}

/** The arguments of nouveau_atomic_range_fault(svmm, drm, args, size, notifier). */
export function nouveauArgs(s: State, dev: Device, addr: number, pages: number): Value[] {
  const svmm = s.heap[dev.obj].v as { fields: Record<string, Value> };
  const vmm = (svmm.fields.vmm as Ptr).obj;
  const cli = ((s.heap[vmm].v as { fields: Record<string, Value> }).fields.cli as Ptr).obj;
  const drm = (s.heap[cli].v as { fields: Record<string, Value> }).fields.drm as Ptr;
  const args = alloc(s, 'record', `${dev.name} pfnmap args`, rec('nouveau_pfnmap_args', {
    i: rec('nvif_ioctl_v0_hdr'), m: rec('nvif_ioctl_mthd_v0_hdr'),
    p: rec('nvif_vmm_pfnmap_v0', { addr, size: pages * PAGE_SIZE, page: 12, phys: { t: 'arr', items: {}, length: pages } }),
  }));
  return [ptr(dev.obj), drm, ptr(args), 64, { t: 'ptr', obj: dev.notifier.obj, path: [] }];
}

function addDevice(s: State, mm: number, i: number, d: DriverChoice, ownerFilter = true): Device {
  if (d.kind === 'nouveau') return i === 0 ? addNouveau(s, mm, i, d) : addDevice(s, mm, i, REF_DRIVER, ownerFilter);
  const name = d.kind === 'test_hmm' ? `dmirror${i}` : `mirror${i}`;
  const ops = alloc(s, 'record', `${name} notifier ops`, rec('mmu_interval_notifier_ops', { invalidate: { t: 'fn', name: d.invalidate, file: d.file } }));
  const notifier = rec('mmu_interval_notifier', {
    mm: ptr(mm), interval_tree: rec('interval_tree_node', { start: 0, last: Number.MAX_SAFE_INTEGER }), ops: ptr(ops), invalidate_seq: 2,
  });
  const fields: Record<string, Value> = {
    notifier, pt: rec('xarray', { entries: rec('xa_entries') }), mutex: lock('mutex', `${name} mutex`),
  };
  if (d.kind === 'test_hmm') fields.mdevice = null;
  if (d.kind === 'kpsim') fields.filters_own = ownerFilter ? 1 : 0;
  const id = alloc(s, 'driver', name, rec(d.structType, fields));
  const dev: Device = { name, obj: id, pt: ptr(id, 'pt'), notifier: ptr(id, 'notifier'), owner: d.kind === 'test_hmm' ? null : ptr(id), driver: d.file };
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
