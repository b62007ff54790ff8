/**
 * What the panel draws, computed from the state: per address the CPU PTE, its folio and each
 * device's entry; the devices; the locks; the notifier state; the threads. Plain data, small, so a
 * trace can carry one per step that changed something.
 */
import { type State, load, obj } from '../state/state';
import { type Pte, type Rec, type Value, isLock, isPtr, isRec, showPte } from '../state/values';
import { untag } from '../primitives/driver';
import { PAGE_SIZE, hasPage, hex, mmRec, pagePtr, pageRec, pteAt } from '../world/layout';

export type PteKind = 'none' | 'present-rw' | 'present-ro' | 'device-exclusive' | 'migration' | 'swap' | 'device-private' | 'other';

export interface PteView {
  kind: PteKind;
  label: string;
  pfn?: number;
  dirty?: boolean;
}

export interface FolioView {
  pfn: number;
  refcount: number;
  mapcount: number;
  dirty: boolean;
  locked: string;
  freed: boolean;
}

export interface AddressView {
  addr: string;
  pte: PteView;
  /** The same address in a forked child, when there is one. */
  childPte?: PteView;
  folio?: FolioView;
  /** device name -> its entry for this address ('' when none). */
  devices: Record<string, string>;
}

export interface DeviceView {
  name: string;
  driver: string;
  mutex: string;
  /** The interval notifier's sequence. */
  seq: number;
}

export interface ViewModel {
  addresses: AddressView[];
  devices: DeviceView[];
  /** Lock name -> holders ('' when free). */
  locks: Record<string, string>;
  notifier: { seq: number; active: number; event: string };
  threads: Record<string, string>;
}

export function pteView(p: Pte): PteView {
  if (p.k === 'none') return { kind: 'none', label: 'none' };
  if (p.k === 'present') return { kind: p.write ? 'present-rw' : 'present-ro', label: showPte(p), pfn: p.pfn, dirty: p.dirty };
  const k = p.entry.kind;
  const kind: PteKind = k.startsWith('device_exclusive') ? 'device-exclusive' : k.startsWith('migration') ? 'migration' : k === 'swap' ? 'swap' : k.startsWith('device_private') ? 'device-private' : 'other';
  return { kind, label: showPte(p), pfn: p.entry.offset };
}

function holders(l: Value): string {
  return isLock(l) ? l.holders.join(',') : '';
}

function folioView(s: State, pfn: number): FolioView | undefined {
  if (!hasPage(s, pfn)) return undefined;
  const f = obj(s, (pageRec(s, pagePtr(s, pfn)).fields.folio as { obj: number }).obj).v as Rec;
  return {
    pfn: f.fields.pfn as number, refcount: f.fields._refcount as number, mapcount: f.fields._mapcount as number,
    dirty: Boolean(f.fields.dirty), locked: holders(f.fields.lock), freed: Boolean(f.fields.freed),
  };
}

function deviceEntry(s: State, pt: Value, addr: number): string {
  const entries = isRec(pt) && isRec(pt.fields.entries) ? pt.fields.entries.fields : {};
  const e = entries[String(Math.floor(addr / PAGE_SIZE))];
  if (e === undefined || e === null) return '';
  const p = untag(e);
  const tag = isRec(e) && e.type === 'xa_tagged' ? Number(e.fields.tag) : 0;
  const what = isPtr(p) && obj(s, p.obj).kind === 'page' ? `pfn ${String(p.path[0])}` : 'mapped';
  return `${what}${tag === 1 ? ' atomic' : tag === 3 ? ' rw' : ' ro'}`;
}

export function viewOf(s: State): ViewModel {
  const mm = mmRec(s, s.world.mm);
  const child = s.world.mms.find((m) => m !== s.world.mm);
  const addresses = s.world.addresses.map((addr): AddressView => {
    const pte = pteAt(s, s.world.mm, addr);
    const pfn = pte.k === 'present' ? pte.pfn : pte.k === 'swp' ? pte.entry.offset : undefined;
    return {
      addr: hex(addr),
      pte: pteView(pte),
      childPte: child === undefined ? undefined : pteView(pteAt(s, child, addr)),
      folio: pfn === undefined ? undefined : folioView(s, pfn),
      devices: Object.fromEntries(s.world.devices.map((d) => [d.name, deviceEntry(s, load(s, d.pt), addr)])),
    };
  });
  const locks: Record<string, string> = { mmap_lock: holders(mm.fields.mmap_lock) };
  for (const o of Object.values(s.heap)) {
    if (o.kind === 'pgtable') locks[`PTL ${o.label.replace('PTE table ', '')}`] = holders((o.v as Rec).fields.ptl);
  }
  const devices = s.world.devices.map((d): DeviceView => {
    const driver = obj(s, d.obj).v as Rec;
    const n = load(s, d.notifier);
    return { name: d.name, driver: d.driver, mutex: holders(driver.fields.mutex), seq: isRec(n) ? Number(n.fields.invalidate_seq ?? 0) : 0 };
  });
  const subs = mm.fields.notifier_subscriptions as Rec;
  const running = [...s.events].reverse().find((e) => e.phase === 'start');
  const active = subs.fields.active_invalidate_ranges as number;
  return {
    addresses, devices, locks,
    notifier: { seq: subs.fields.invalidate_seq as number, active, event: active && running ? `${running.event} [${hex(running.start)}, ${hex(running.end)})` : '' },
    threads: Object.fromEntries(s.threads.map((t) => [t.id, t.status === 'blocked' ? `blocked on ${t.blockedOn ?? '?'}` : t.status])),
  };
}

/** Dotted paths of the leaves that differ between two views ("addresses.0.pte.kind"). */
export function changedPaths(a: unknown, b: unknown, path = ''): string[] {
  if (a === b) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (!isObj(a) || !isObj(b)) return [path];
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out.push(...changedPaths(a[k], b[k], path ? `${path}.${k}` : k));
  return out;
}
