/**
 * What the debugger's Variables view shows at a step, as a tree of named values: the frame's
 * locals, the mm state (the trace's view model) and what the step did. Pure data; the adapter
 * hands out variable references for the nodes that have children.
 */
import type { SimulationResult } from '../engine/simulate';
import type { ViewModel } from '../engine/trace/view';
import { type HeapObj, placeName } from '../engine/state/state';
import { type Value, show } from '../engine/state/values';

export interface VarNode {
  name: string;
  value: string;
  children?: VarNode[];
}

type Views = NonNullable<SimulationResult['views']>;

/**
 * The mm state as step `step` starts (before its statement runs, like the locals): the last view
 * recorded after an earlier step, or the initial one (recorded as step -1).
 */
export function viewBefore(views: Views | undefined, step: number): ViewModel | undefined {
  if (!views?.length) return undefined;
  let lo = 0;
  let hi = views.length - 1;
  let found: ViewModel | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (views[mid].step < step) {
      found = views[mid].view;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found ?? views[0].view;
}

const leaf = (name: string, value: string | number | boolean): VarNode => ({ name, value: String(value) });
const orFree = (holders: string): string => holders || 'free';

/** The locals of a frame, in declaration order; "?" is a variable not yet assigned. */
export function localsNodes(locals: Record<string, string> | undefined): VarNode[] {
  return Object.entries(locals ?? {}).map(([k, v]) => leaf(k, v));
}

/** The mm state: addresses (PTE, folio, device entries), devices, locks, the MMU notifier, threads. */
export function mmStateNodes(view: ViewModel | undefined): VarNode[] {
  if (!view) return [leaf('mm state', 'not recorded in this trace')];
  const addresses: VarNode = {
    name: 'addresses',
    value: view.addresses.map((a) => `${a.addr}: ${a.pte.kind}`).join(', ') || 'none',
    children: view.addresses.map((a): VarNode => {
      const children: VarNode[] = [
        { name: 'pte', value: a.pte.label, children: [leaf('kind', a.pte.kind), ...(a.pte.pfn === undefined ? [] : [leaf('pfn', a.pte.pfn)]), ...(a.pte.dirty === undefined ? [] : [leaf('dirty', a.pte.dirty)])] },
      ];
      if (a.childPte) children.push({ name: 'child pte', value: a.childPte.label, children: [leaf('kind', a.childPte.kind)] });
      if (a.folio) {
        const f = a.folio;
        children.push({
          name: 'folio',
          value: `pfn ${f.pfn} refcount ${f.refcount} mapcount ${f.mapcount}${f.dirty ? ' dirty' : ''}${f.locked ? ` locked by ${f.locked}` : ''}${f.freed ? ' FREED' : ''}`,
          children: [leaf('pfn', f.pfn), leaf('refcount', f.refcount), leaf('mapcount', f.mapcount), leaf('dirty', f.dirty), leaf('locked', f.locked || 'no'), leaf('freed', f.freed)],
        });
      }
      const devs = Object.entries(a.devices);
      children.push({ name: 'devices', value: devs.map(([d, e]) => `${d}: ${e || 'none'}`).join(', ') || 'none', children: devs.map(([d, e]) => leaf(d, e || 'none')) });
      return { name: a.addr, value: a.pte.label, children };
    }),
  };
  const devices: VarNode = {
    name: 'devices',
    value: view.devices.map((d) => d.name).join(', ') || 'none',
    children: view.devices.map((d) => ({
      name: d.name,
      value: `${d.driver}, mutex ${orFree(d.mutex)}, seq ${d.seq}`,
      children: [leaf('driver', d.driver), leaf('mutex', orFree(d.mutex)), leaf('notifier seq', d.seq)],
    })),
  };
  const lockList = Object.entries(view.locks);
  const held = lockList.filter(([, h]) => h);
  const locks: VarNode = {
    name: 'locks',
    value: held.length ? held.map(([l, h]) => `${l} held by ${h}`).join(', ') : 'all free',
    children: lockList.map(([l, h]) => leaf(l, orFree(h))),
  };
  const n = view.notifier;
  const notifier: VarNode = {
    name: 'notifier',
    value: n.active ? `invalidating: ${n.event || '?'}` : `idle, seq ${n.seq}`,
    children: [leaf('seq', n.seq), leaf('active ranges', n.active), leaf('event', n.event || 'none')],
  };
  const threadList = Object.entries(view.threads);
  const threads: VarNode = { name: 'threads', value: threadList.map(([t, s]) => `${t} ${s}`).join(', '), children: threadList.map(([t, s]) => leaf(t, s)) };
  return [addresses, devices, locks, notifier, threads];
}

type Objects = SimulationResult['objects'];

/** A value as the ASCII trace writes it: pointers by what they point at. */
export function brief(v: Value, objects: Objects): string {
  if (typeof v === 'object' && v !== null && v.t === 'ptr') {
    const o = objects[v.obj];
    const fake = o ? ({ kind: o.kind as HeapObj['kind'], label: o.label, v: { t: 'rec', type: 'x', fields: { base: o.base } } } as unknown as HeapObj) : undefined;
    return `&${placeName(fake, v.obj, v.path)}`;
  }
  if (typeof v === 'object' && v !== null && v.t === 'lock') return v.holders.length ? `held by ${v.holders.join(',')}` : 'free';
  if (typeof v === 'object' && v !== null && v.t === 'rec' && v.type === 'xa_tagged') {
    return `${brief(v.fields.ptr, objects)}${v.fields.tag === 1 ? ' (atomic)' : v.fields.tag === 3 ? ' (write)' : ''}`;
  }
  return v === undefined ? '(none)' : show(v);
}

/** What a step does: its index and thread, the helpers it calls, the state it changes, its notes. */
export function stepNodes(step: SimulationResult['steps'][number], objects: Objects): VarNode[] {
  const nodes: VarNode[] = [leaf('step', step.i), leaf('thread', step.thread), leaf('at', `${step.fn} ${step.file}:${step.line}`)];
  nodes.push({ name: 'calls', value: step.prims.join(', ') || 'none', children: step.prims.map((p, i) => leaf(String(i), p)) });
  nodes.push({
    name: 'changes',
    value: step.changes.length ? `${step.changes.length} field${step.changes.length === 1 ? '' : 's'}` : 'none',
    children: step.changes.map((c) => leaf(c.field, `${brief(c.before, objects)} -> ${brief(c.after, objects)}`)),
  });
  if (step.notes.length) nodes.push({ name: 'notes', value: step.notes.join('; '), children: step.notes.map((t, i) => leaf(String(i), t)) });
  return nodes;
}
