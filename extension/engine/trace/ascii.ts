/**
 * The trace as plain text for a mail reply: the steps that changed state or met a notifier, the
 * end state and the checks. Fixed-width columns, ASCII only, at most 100 columns where it can.
 */
import { type Change, type HeapObj, placeName } from '../state/state';
import { type Value, show } from '../state/values';
import type { SimulationResult } from '../simulate';

type Objects = SimulationResult['objects'];

function brief(v: Value, objects: Objects): string {
  if (typeof v === 'object' && v !== null && v.t === 'ptr') {
    const o = objects[v.obj];
    const fake = o ? { kind: o.kind as HeapObj['kind'], label: o.label, v: { t: 'rec' as const, type: 'x', fields: { base: o.base } } } : undefined;
    return `&${placeName(fake, v.obj, v.path)}`;
  }
  if (v === undefined) return '(none)';
  if (typeof v === 'object' && v !== null && v.t === 'lock') return v.holders.length ? `held by ${v.holders.join(',')}${v.write === false ? ' (read)' : ''}` : 'free';
  if (typeof v === 'object' && v !== null && v.t === 'rec') {
    if (v.type === 'xa_tagged') return `${brief(v.fields.ptr, objects)}${v.fields.tag === 1 ? ' (atomic)' : v.fields.tag === 3 ? ' (write)' : ''}`;
    return `{${Object.entries(v.fields).filter(([, x]) => x !== undefined).map(([k, x]) => `${k}=${brief(x, objects)}`).join(' ')}}`;
  }
  return show(v);
}

function describeChange(c: Change, objects: Objects): string {
  return `${c.field}: ${brief(c.before, objects)} -> ${brief(c.after, objects)}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function verdict(r: SimulationResult): string {
  const ok = r.checks.filter((c) => c.ok).length;
  return `${ok === r.checks.length ? 'PASS' : 'FAIL'} (${ok}/${r.checks.length} checks)`;
}

/** The steps worth reading: state changes, notifier events, warnings and choices. */
export function interestingSteps(r: SimulationResult): SimulationResult['steps'] {
  return r.steps.filter((s) => s.changes.length || s.notes.length);
}

export function renderAscii(r: SimulationResult, options: { maxSteps?: number } = {}): string {
  const out: string[] = [];
  out.push(`kpsim: ${r.scenario.id} on ${r.tree}: ${verdict(r)}`);
  out.push(`  ${r.scenario.title}`);
  out.push(`  API: ${r.api}; driver: ${r.driver}`);
  r.threads.forEach((t, i) => out.push(`  ${i === 0 ? 'threads:' : '        '} ${t.id} = ${t.title}`));
  out.push('');
  const steps = interestingSteps(r);
  const shown = options.maxSteps ? steps.slice(0, options.maxSteps) : steps;
  const where = (s: (typeof steps)[number]): string => `${s.file}:${s.line}`;
  const w = Math.max(9, ...shown.map((s) => where(s).length));
  const fw = Math.max(8, ...shown.map((s) => s.fn.length));
  out.push(`  ${pad('step', 5)} ${pad('thread', 6)} ${pad('file:line', w)} ${pad('function', fw)} what happened`);
  out.push(`  ${'-'.repeat(5)} ${'-'.repeat(6)} ${'-'.repeat(w)} ${'-'.repeat(fw)} ${'-'.repeat(30)}`);
  for (const s of shown) {
    const what = [...s.notes, ...s.changes.map((c) => describeChange(c, r.objects))];
    what.forEach((line, i) => {
      const head = i === 0 ? `  ${pad(String(s.i), 5)} ${pad(s.thread, 6)} ${pad(where(s), w)} ${pad(s.fn, fw)}` : `  ${' '.repeat(5 + 1 + 6 + 1 + w + 1 + fw)}`;
      out.push(`${head} ${line}`);
    });
  }
  if (shown.length < steps.length) out.push(`  ... ${steps.length - shown.length} more steps (of ${r.steps.length} in all)`);
  out.push('');
  for (const a of r.final) {
    const folio = a.folio ? `; folio pfn ${a.folio.pfn}: refcount ${a.folio.refcount}, mapcount ${a.folio.mapcount}, ${a.folio.dirty ? 'dirty' : 'clean'}${a.folio.locked.length ? `, locked by ${a.folio.locked.join(',')}` : ''}${a.folio.freed ? ', FREED' : ''}` : '';
    out.push(`  end state at ${a.addr}: PTE ${a.pte}${folio}`);
    for (const d of a.devices) out.push(`    ${d.device}: ${d.maps ?? 'does not map it'}`);
  }
  out.push('');
  out.push('  checks:');
  for (const c of r.checks) out.push(`    [${c.ok ? 'ok' : 'FAIL'}] ${c.name}: ${c.detail}`);
  if (r.unmodelled.length) {
    out.push('');
    out.push('  not modelled (the run stopped there):');
    for (const u of r.unmodelled) out.push(`    ${u.kind} ${u.name} at ${u.file}:${u.line} (${u.thread})`);
  }
  out.push('');
  out.push(`  ${r.stats.steps} steps, ${r.stats.instructions} instructions, ${r.schedule.length} scheduling decisions (replay with --schedule from the JSON trace)`);
  out.push('  model:');
  for (const a of r.assumptions) out.push(`    - ${a}`);
  return out.join('\n') + '\n';
}
