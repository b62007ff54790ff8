// The engine on real kernel trees: the tree's own code runs the scenarios.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { SCENARIOS } from '../../extension/engine/scenarios/catalog';
import { passed, simulate } from '../../extension/engine/simulate';
import { engineTree } from '../helpers/engine';
import { kernelTrees } from '../helpers/kernelTrees';

const { trees, source } = kernelTrees();
const byLabel = new Map(trees.map((t) => [path.basename(t), t]));
const skip = (label: string): string | false => (byLabel.has(label) ? false : `no ${label} tree in ${source}`);

/** Retry-loop drivers (nouveau, the reference driver) livelock taking a page another device holds: see test/unit/engine/simulate.test.ts. */
const RETRY_LOOP_LIVELOCK = new Set(['exclusive-two-atomics']);

for (const label of ['v6.18.15', 'v6.12.107']) {
  for (const sc of SCENARIOS) {
    test(`${label}: ${sc.id} runs with no unmodelled call and ${sc.expectedViolations ? 'fails as it is built to' : 'holds every check'}`, { skip: skip(label) }, async () => {
      const r = simulate(await engineTree(byLabel.get(label)!), sc.id);
      assert.deepEqual(r.unmodelled, []);
      if (sc.expectedViolations) assert.ok(!passed(r) && r.threads.some((t) => /step bound/.test(t.error ?? '')), r.threads.map((t) => t.error).join('; '));
      else assert.ok(passed(r), r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('\n'));
      assert.match(r.driver, sc.driver === 'kpsim' ? /kpsim\/refdriver\.c/ : /lib\/test_hmm\.c/);
    });
  }
}

test('v6.18.15: with retry-loop drivers, a second device never takes the page from the first (livelock until nouveau\'s timeout)', { skip: skip('v6.18.15') }, async () => {
  const t = await engineTree(byLabel.get('v6.18.15')!);
  for (const driver of ['nouveau', 'kpsim'] as const) {
    const r = simulate(t, 'exclusive-two-atomics', { driver, limits: { maxSteps: 300_000 } });
    assert.ok(r.threads.some((x) => /step bound/.test(x.error ?? '')), `${driver}: ${r.threads.map((x) => x.error).join('; ')}`);
  }
});

for (const label of ['v6.18.15', 'v6.12.107']) {
  for (const driver of ['nouveau', 'kpsim'] as const) {
    test(`${label}: every scenario also holds with the ${driver === 'kpsim' ? "model's reference driver" : 'nouveau SVM driver'}`, { skip: skip(label) }, async () => {
      const t = await engineTree(byLabel.get(label)!);
      for (const sc of SCENARIOS.filter((x) => !x.expectedViolations && !x.driver && !RETRY_LOOP_LIVELOCK.has(x.id))) {
        const r = simulate(t, sc.id, { driver });
        assert.deepEqual(r.unmodelled, [], sc.id);
        assert.ok(passed(r), `${sc.id}: ${r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
        if (driver === 'nouveau') assert.ok(r.steps.some((s) => s.fn === 'nouveau_atomic_range_fault'), sc.id);
      }
    });
  }
}

test('nouveau: its interval notifier skips the MMU_NOTIFY_EXCLUSIVE event it caused; its SVM notifier clears the GPU PTE', { skip: skip('v6.18.15') }, async () => {
  const r = simulate(await engineTree(byLabel.get('v6.18.15')!), 'exclusive-stays', { driver: 'nouveau' });
  const start = r.events.find((e) => e.event === 'MMU_NOTIFY_EXCLUSIVE' && e.phase === 'start');
  // Delivered twice to gpu0 (interval notifier, classic SVM notifier): one skipped it, one acted.
  assert.deepEqual([...(start?.deliveries ?? [])].map((d) => `${d.device}:${d.filtered}`).sort(), ['gpu0:false', 'gpu0:true']);
  assert.match(r.final[0].devices[0].maps ?? '', /atomic/);
});

test('a choice point changes the story: nouveau\'s timeout expiring fails the request with -EBUSY', { skip: skip('v6.18.15') }, async () => {
  const r = simulate(await engineTree(byLabel.get('v6.18.15')!), 'exclusive-stays', { driver: 'nouveau', choices: { timeout: 1 } });
  assert.equal(r.threads[0].result, -16);
  assert.ok(r.steps.some((s) => s.notes.includes('choice timeout: expired')));
  assert.equal(r.checks.find((c) => c.name === 'dev0 request succeeded')?.ok, false);
});

test('v6.18.15: exclusive-then-cpu-write steps through make_device_exclusive and remove_device_exclusive_entry', { skip: skip('v6.18.15') }, async () => {
  const r = simulate(await engineTree(byLabel.get('v6.18.15')!), 'exclusive-then-cpu-write');
  const lines = (file: string, fn: string): number[] => r.steps.filter((s) => s.file === file && s.fn === fn).map((s) => s.line);
  const mde = lines('mm/rmap.c', 'make_device_exclusive');
  assert.ok(mde.length > 10 && mde.every((l) => l >= 2673 && l <= 2767), `make_device_exclusive lines ${mde.join(',')}`);
  const rde = lines('mm/memory.c', 'remove_device_exclusive_entry');
  assert.ok(rde.length > 5 && rde.every((l) => l >= 4275 && l <= 4316), `remove_device_exclusive_entry lines ${rde.join(',')}`);
  assert.ok(lines('mm/memory.c', 'restore_exclusive_pte').length > 3);
  assert.ok(lines('mm/memory.c', 'do_swap_page').includes(4611), 'the device-exclusive branch of do_swap_page');
  const end = r.final[0];
  assert.match(end.pte, /^present pfn=\d+ rw dirty/);
  assert.deepEqual(end.devices, [{ device: 'dmirror0', maps: null }]);
  assert.deepEqual([end.folio?.locked, end.folio?.refcount], [[], 1]);
});

test('v6.12.107: the same path through make_device_exclusive_range and the rmap walk', { skip: skip('v6.12.107') }, async () => {
  const r = simulate(await engineTree(byLabel.get('v6.12.107')!), 'exclusive-then-cpu-write');
  assert.match(r.api, /make_device_exclusive_range/);
  const fns = new Set(r.steps.map((s) => s.fn));
  for (const f of ['make_device_exclusive_range', 'folio_make_device_exclusive', 'page_make_device_exclusive_one', 'remove_device_exclusive_entry', 'restore_exclusive_pte']) assert.ok(fns.has(f), f);
  assert.ok(passed(r));
});

test('commit-8cdf3792526a: the device half runs, the missing CPU half is reported', { skip: skip('commit-8cdf3792526a') }, async () => {
  const t = await engineTree(byLabel.get('commit-8cdf3792526a')!);
  const stays = simulate(t, 'exclusive-stays');
  assert.ok(passed(stays), stays.checks.filter((c) => !c.ok).map((c) => c.name).join(', '));
  assert.match(stays.driver, /reference driver/);
  assert.ok(stays.steps.some((s) => s.fn === 'page_make_device_exclusive_one'));
  const write = simulate(t, 'exclusive-then-cpu-write');
  assert.deepEqual(write.unmodelled.map((u) => [u.name, u.file]), [['do_swap_page', 'kpsim/fault.c']]);
  assert.equal(write.threads.find((x) => x.id === 'cpu1')?.status, 'failed');
});

test('v5.10.262: the tool says the tree has no device-exclusive support', { skip: skip('v5.10.262') }, async () => {
  const t = await engineTree(byLabel.get('v5.10.262')!);
  assert.throws(() => simulate(t, 'exclusive-then-cpu-write'), /has no device-exclusive support/);
});

test('a one-line change to the real code changes the outcome: without folio_mark_dirty the dirty bit is lost', { skip: skip('v6.18.15') }, async () => {
  const original = byLabel.get('v6.18.15')!;
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-patched-'));
  fs.cpSync(original, copy, { recursive: true });
  const rmap = path.join(copy, 'mm/rmap.c');
  const text = fs.readFileSync(rmap, 'utf8');
  const lines = text.split('\n');
  const at = lines.findIndex((l, i) => i > 2673 && l.trim() === 'folio_mark_dirty(folio);');
  assert.ok(at > 2673 && at < 2767, 'folio_mark_dirty is in make_device_exclusive');
  lines[at] = lines[at].replace('folio_mark_dirty(folio);', ';');
  fs.writeFileSync(rmap, lines.join('\n'));
  const before = simulate(await engineTree(original), 'exclusive-then-cpu-read');
  const after = simulate(await engineTree(copy), 'exclusive-then-cpu-read');
  const dirty = (r: typeof before) => r.checks.find((c) => c.name.includes('stays dirty'));
  assert.equal(dirty(before)?.ok, true);
  assert.equal(dirty(after)?.ok, false, dirty(after)?.detail);
  assert.match(dirty(after)?.detail ?? '', /PTE clean, folio clean/);
});
