// Reading the ASCII trace back: its file:line references (the trace document's links) and step lines.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { simulate } from '../../../extension/engine/simulate';
import { renderAscii } from '../../../extension/engine/trace/ascii';
import { SCENARIOS } from '../../../extension/engine/scenarios/catalog';
import type { Scenario } from '../../../extension/engine/scenarios/types';
import { scenariosFor } from '../../../extension/run/scenarioChoice';
import { findTraceLocations, isModelFile, traceStepAt, traceStepLines } from '../../../extension/run/traceText';
import { engineTree } from '../../helpers/engine';
import { EXAMPLES } from '../../helpers/parser';

test('every step line of a real trace has its file:line found, tree and model files alike', async () => {
  const text = renderAscii(simulate(await engineTree(EXAMPLES), 'exclusive-then-cpu-write'));
  const lines = text.split('\n');
  const steps = traceStepLines(text);
  assert.ok(steps.length > 10);
  const locs = findTraceLocations(text);
  for (const s of steps) {
    const here = locs.filter((l) => l.line === s.line);
    assert.equal(here.length, 1, lines[s.line]);
    assert.equal(`${here[0].file}:${here[0].target}`, `${s.file}:${s.target}`);
    assert.equal(lines[s.line].slice(here[0].start, here[0].end), `${s.file}:${s.target}`);
  }
  assert.ok(steps.some((s) => s.file === 'mm/rmap.c' && s.fn === 'make_device_exclusive'));
  assert.ok(steps.some((s) => isModelFile(s.file)), 'kpsim/*.c steps too');
  // The header and the model's assumptions name files without lines: no links there.
  assert.ok(locs.every((l) => /:\d+$/.test(`${l.file}:${l.target}`) && l.line > 0));
});

test('the step a line belongs to, with all it did (continuation lines too)', async () => {
  const text = renderAscii(simulate(await engineTree(EXAMPLES), 'exclusive-then-cpu-write'));
  const lines = text.split('\n');
  // A notifier step: one line of notes, then the fields it changed on continuation lines.
  const start = lines.findIndex((l) => /kpsim\/notifier\.c:\d+ +mmu_notifier_invalidate_range_start /.test(l));
  assert.ok(start > 0);
  const s = traceStepAt(text, start);
  assert.ok(s);
  assert.equal(s.fn, 'mmu_notifier_invalidate_range_start');
  assert.match(s.what[0], /^MMU notifier: MMU_NOTIFY_EXCLUSIVE \[0x7f0000000000, 0x7f0000001000\) starts$/);
  assert.ok(s.what.length >= 2 && s.what.slice(1).every((w) => /^mm\.notifier_subscriptions\.\w+: \d+ -> \d+$/.test(w)), s.what.join('\n'));
  assert.equal(s.lastLine, start + s.what.length - 1);
  assert.deepEqual(traceStepAt(text, s.lastLine), s, 'a continuation line belongs to its step');
  const next = traceStepAt(text, s.lastLine + 1);
  assert.ok(next && next.step > s.step);
  // Not a step: the header, the end state, the checks.
  for (const l of [0, lines.findIndex((x) => x.startsWith('  step ')), lines.findIndex((x) => x.startsWith('  end state')), lines.findIndex((x) => x.includes('[ok]'))]) {
    assert.equal(traceStepAt(text, l), undefined, lines[l]);
  }
});

test('file:line references: what counts and what does not', () => {
  const found = (s: string): string[] => findTraceLocations(s).map((l) => `${l.file}:${l.target}@${l.start}`);
  assert.deepEqual(found('  12    dev0   mm/rmap.c:2744  make_device_exclusive  x'), ['mm/rmap.c:2744@15']);
  assert.deepEqual(found('    call foo at include/linux/mm.h:12 (cpu1)'), ['include/linux/mm.h:12@16']);
  assert.deepEqual(found('kpsim/notifier.c:14; drivers/gpu/drm/nouveau/nouveau_svm.c:7'), ['kpsim/notifier.c:14@0', 'drivers/gpu/drm/nouveau/nouveau_svm.c:7@21']);
  assert.deepEqual(found('/etc/x.c:1 ../mm/a.c:3 mm/../x.c:4 a.c:0 a.py:3 mm/rmap.c:12x 0x7f0000000000: kpsim/*.c'), []);
  assert.equal(isModelFile('kpsim/gup.c'), true);
  assert.equal(isModelFile('mm/kpsim/gup.c'), false);
});

test('the lens of a function runs the scenarios that enter there, also under its other names', () => {
  const sc = (id: string, entries: string[]): Scenario => ({ ...SCENARIOS[0], id, entries });
  const catalog = [sc('a', ['make_device_exclusive', 'dmirror_exclusive']), sc('b', ['make_device_exclusive_range']), sc('c', ['page_make_device_exclusive']), sc('d', ['dmirror_exclusive'])];
  const ids = (n: string): string[] => scenariosFor(n, catalog).map((s) => s.id);
  // In catalog order; make_device_exclusive_range is make_device_exclusive's other name (and back).
  assert.deepEqual(ids('make_device_exclusive'), ['a', 'b']);
  assert.deepEqual(ids('make_device_exclusive_range'), ['a', 'b']);
  assert.deepEqual(ids('folio_make_device_exclusive'), ['c']);
  assert.deepEqual(ids('dmirror_exclusive'), ['a', 'd']);
  assert.deepEqual(ids('copy_nonpresent_pte'), []);
  // The real catalog: the full story first for the lens above make_device_exclusive.
  assert.equal(scenariosFor('make_device_exclusive')[0].id, 'exclusive-then-cpu-write');
});
