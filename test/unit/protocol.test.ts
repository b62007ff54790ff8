import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseHostMessage, parseWebviewMessage } from '../../extension/protocol';

test('well-formed messages pass', () => {
  assert.ok(parseWebviewMessage({ v: 1, type: 'ready' }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'open', file: 'mm/rmap.c', line: 2673 }));
  assert.ok(parseHostMessage({ v: 1, type: 'pathTree', tree: 't', depth: 2, root: { name: 'f', file: 'mm/a.c', line: 1, children: [{ name: 'g' }] } }));
});

test('malformed messages are rejected', () => {
  for (const bad of [null, 42, 'ready', {}, { type: 'ready' }, { v: 2, type: 'ready' }, { v: 1, type: 'nope' },
    { v: 1, type: 'open', file: 'x' }, { v: 1, type: 'open', file: 'x', line: 0 }, { v: 1, type: 'open', file: 1, line: 1 },
    { v: 1, type: 'expand', requestId: 'a', name: 'f', file: 'x' }, { v: 1, type: 'toString' }, { v: 1, type: '__proto__' }]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(parseHostMessage({ v: 1, type: 'pathTree', tree: 't', depth: 2, root: { name: 3 } }), undefined);
  assert.equal(parseHostMessage({ v: 1, type: 'children', requestId: 1, children: [{}] }), undefined);
});

// ---- the simulation panel's messages ---------------------------------------------------------
import { isPanelState, isPanelTrace, panelTraceProblem } from '../../extension/protocol';

function tinyTrace(): Record<string, unknown> {
  return {
    format: 'kpsim-trace', version: 1, scenario: { id: 's', title: 'S', description: '', mirrors: '' }, tree: 'v6.18.15',
    threads: [{ id: 'dev0', title: 't', entry: 'f', status: 'done' }],
    steps: [{ i: 0, thread: 'dev0', fn: 'f', file: 'mm/rmap.c', line: 1, depth: 0, prims: [], changes: [], notes: [] }],
    events: [],
    views: [{ step: -1, view: { addresses: [], devices: [], locks: {}, notifier: { seq: 0, active: 0, event: '' }, threads: {} }, changed: [] }],
  };
}

test('panel messages: well-formed ones pass', () => {
  assert.ok(parseHostMessage({ v: 1, type: 'trace', trace: tinyTrace(), step: -1 }));
  assert.ok(parseHostMessage({ v: 1, type: 'trace', trace: tinyTrace(), step: 0, sentAt: 1700000000000 }));
  assert.ok(parseHostMessage({ v: 1, type: 'traceText', json: JSON.stringify(tinyTrace()), step: -1, sentAt: 1 }));
  assert.ok(parseHostMessage({ v: 1, type: 'goto', step: 3 }));
  assert.ok(parseHostMessage({ v: 1, type: 'status', message: 'Indexing…' }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'step', step: 5, file: 'mm/memory.c', line: 4290 }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'step', step: -1, file: '', line: 0 }), 'back to the start: no line');
  for (const format of ['ascii', 'json'] as const) assert.ok(parseWebviewMessage({ v: 1, type: 'export', format }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'export', format: 'svg', svg: '<svg/>' }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'openText' }));
});

test('panel messages: malformed ones are rejected, whatever they hold', () => {
  const bad: unknown[] = [
    { v: 1, type: 'trace', trace: {}, step: 0 },
    { v: 1, type: 'trace', trace: tinyTrace(), step: 'x' },
    { v: 1, type: 'trace', trace: tinyTrace(), step: 0, sentAt: 'now' },
    { v: 1, type: 'trace', trace: { ...tinyTrace(), views: undefined }, step: 0 },
    { v: 1, type: 'traceText', json: tinyTrace(), step: 0 },
    { v: 1, type: 'traceText', json: '{}', step: 'x' },
    { v: 1, type: 'traceText', json: '{}', step: 0, sentAt: '1' },
    { v: 1, type: 'goto', step: -2 },
    { v: 1, type: 'goto', step: 1.5 },
    { v: 1, type: 'goto' },
    { v: 1, type: 'status', message: 3 },
    { v: 2, type: 'goto', step: 1 },
  ];
  for (const b of bad) assert.equal(parseHostMessage(b), undefined, JSON.stringify(b)?.slice(0, 120));
  const badFromWebview: unknown[] = [
    { v: 1, type: 'step', step: -2, file: 'a.c', line: 1 },
    { v: 1, type: 'step', step: 1, file: 3, line: 1 },
    { v: 1, type: 'step', step: 1, file: 'a.c' },
    { v: 1, type: 'export', format: 'pdf' },
    { v: 1, type: 'export', format: 'svg' },
    { v: 1, type: 'export', format: 'svg', svg: 42 },
    { v: 1, type: 'export', format: 'svg', svg: 'x'.repeat(5_000_001) },
    { v: 1, type: 'export', format: 'ascii', svg: {} },
    { v: 1, type: 'openText ' },
    { v: 1, type: 'constructor' },
    { v: 1, type: 'hasOwnProperty' },
  ];
  for (const b of badFromWebview) assert.equal(parseWebviewMessage(b), undefined, JSON.stringify(b)?.slice(0, 120));
});

test('no input makes the checks throw: junk of every shape is just rejected', () => {
  const junk: unknown[] = [undefined, null, true, 0, NaN, '', 'x', [], [1], () => 1, Symbol('s'), new Date(), Object.create(null),
    { v: 1 }, { v: 1, type: null }, { v: 1, type: 'trace', trace: null, step: 0 }, { v: 1, type: 'trace', trace: { format: 'kpsim-trace', version: 1, steps: null } },
    { v: 1, type: 'trace', trace: { ...tinyTrace(), steps: [null] }, step: 0 }, { v: 1, type: 'trace', trace: { ...tinyTrace(), views: [null] }, step: 0 },
    { v: 1, type: 'trace', trace: { ...tinyTrace(), threads: [null] }, step: 0 }];
  for (const j of junk) {
    assert.doesNotThrow(() => parseHostMessage(j));
    assert.doesNotThrow(() => parseWebviewMessage(j));
    assert.equal(parseHostMessage(j), undefined);
    assert.equal(parseWebviewMessage(j), undefined);
  }
});

test('a trace the panel cannot show says what is wrong with it', () => {
  assert.equal(panelTraceProblem(tinyTrace()), undefined);
  assert.ok(isPanelTrace(tinyTrace()));
  const cases: [unknown, RegExp][] = [
    [[], /not a JSON object/],
    [{ format: 'other' }, /not a kpsim trace \(format is "other", expected "kpsim-trace"\)/],
    [{ ...tinyTrace(), version: 2 }, /version 2 of the trace format; this extension reads version 1/],
    [{ ...tinyTrace(), scenario: {} }, /no scenario id/],
    [{ ...tinyTrace(), tree: 1 }, /does not name its kernel tree/],
    [{ ...tinyTrace(), steps: [{ i: 0 }] }, /step 0 is malformed/],
    [{ ...tinyTrace(), views: undefined }, /recorded without views.*kpsim simulate --json --views/],
    [{ ...tinyTrace(), views: [] }, /views are empty/],
    [{ ...tinyTrace(), views: [{ step: 2, view: {}, changed: [] }] }, /view 0 lacks addresses/],
    [{ ...tinyTrace(), views: [{ ...(tinyTrace().views as object[])[0], step: 3 }, { ...(tinyTrace().views as object[])[0], step: 1 }] }, /view 1 is out of step order/],
  ];
  for (const [x, re] of cases) assert.match(panelTraceProblem(x) ?? 'no problem', re);
});

test('the panel state a reload restores', () => {
  assert.ok(isPanelState({ v: 1, trace: tinyTrace(), step: 0 }));
  assert.ok(isPanelState({ v: 1, trace: tinyTrace(), step: -1, speed: '10', changesOnly: true }));
  // A comparison report (kept by the host under an id), and a counterexample of it being shown.
  assert.ok(isPanelState({ v: 1, report: '3f1c9a2e-0b7d-4c55-9a51-2f7e8d6c1b90' }));
  assert.ok(isPanelState({ v: 1, trace: tinyTrace(), step: 4, report: '3f1c9a2e-0b7d-4c55-9a51-2f7e8d6c1b90', counterexample: 1 }));
  for (const bad of [undefined, {}, { v: 1, trace: tinyTrace() }, { v: 1, trace: {}, step: 0 }, { v: 1, trace: tinyTrace(), step: -3 }, { v: 2, trace: tinyTrace(), step: 0 }, { v: 1, trace: tinyTrace(), step: 0, speed: 5 },
    { v: 1, report: '../../etc/passwd' }, { v: 1, report: 'ABC' }, { v: 1 }, { v: 1, trace: tinyTrace(), step: 0, report: 'abcdefgh-1', counterexample: -1 }]) {
    assert.equal(isPanelState(bad), false, JSON.stringify(bad)?.slice(0, 80));
  }
});

// ---- the comparison report in the panel ------------------------------------------------------
import { isCompareView } from '../../extension/protocol';

function tinyReport(): Record<string, unknown> {
  return {
    patch: '[v1 2/2] mm/rmap: stop marking the folio dirty', before: 'examples + 1 patch', after: 'examples with [v1 2/2]',
    applied: ['[v1 2/2] mm/rmap: stop marking the folio dirty'], skipped: [], notes: [],
    summary: '1 new violation, 0 fixed, in 1 scenario', limits: [],
    scenarios: [{
      id: 'exclusive-stays', tone: 'new', verdict: 'NEW dirty-preserved',
      exploration: { before: '40 states, 39 transitions, 0.1 s: complete', after: '41 states, 40 transitions, 0.1 s: complete' },
      violations: [{ kind: 'new', invariant: 'dirty-preserved', title: 'The dirty bit is never lost', message: 'pfn 256 was dirty', at: 'mm/rmap.c:82 (dev0)', steps: 21, schedule: 'dev0 x20, cpu1', counterexample: 0 }],
      endState: [{ where: '0x7f0000000000', field: 'dirty', before: 'true', after: 'false' }], results: [], events: { removed: [], added: ['MMU_NOTIFY_CLEAR'] }, checks: [], errors: [], unmodelled: [],
    }],
    assumptions: ['bounded'],
  };
}

/** A copy of the report with one path changed (a deep path into scenarios[0]...). */
function withReport(change: (r: Record<string, unknown>) => void): Record<string, unknown> {
  const r = JSON.parse(JSON.stringify(tinyReport())) as Record<string, unknown>;
  change(r);
  return r;
}

type Obj = Record<string, unknown>;
const sc0 = (r: Obj): Obj => (r.scenarios as Obj[])[0];
const v0 = (r: Obj): Obj => (sc0(r).violations as Obj[])[0];

test('comparison messages: well-formed ones pass', () => {
  assert.ok(isCompareView(tinyReport()));
  assert.ok(parseHostMessage({ v: 1, type: 'compareReport', report: tinyReport() }));
  assert.ok(parseHostMessage({ v: 1, type: 'compareReport', report: tinyReport(), saved: '3f1c9a2e-0b7d-4c55-9a51-2f7e8d6c1b90' }), 'with the id it is kept under for a reload');
  assert.ok(parseHostMessage({ v: 1, type: 'reportSaved', saved: '3f1c9a2e-0b7d-4c55-9a51-2f7e8d6c1b90' }));
  assert.ok(parseHostMessage({ v: 1, type: 'compareReport', report: withReport((r) => { r.scenarios = []; }) }), 'no scenario: still a report');
  assert.ok(parseHostMessage({ v: 1, type: 'compareReport', report: withReport((r) => { delete v0(r).counterexample; delete v0(r).at; v0(r).kind = 'fixed'; v0(r).caveat = 'the after tree was cut'; }) }));
  // A counterexample shown from the report says which; an unrelated trace does not.
  assert.ok(parseHostMessage({ v: 1, type: 'traceText', json: '{}', step: -1, counterexample: 0 }));
  assert.ok(parseHostMessage({ v: 1, type: 'trace', trace: tinyTrace(), step: -1, counterexample: 3 }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'showCounterexample', index: 0 }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'showCounterexample', index: 12 }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'backToReport' }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'compareText', action: 'copy' }));
  assert.ok(parseWebviewMessage({ v: 1, type: 'compareText', action: 'open' }));
});

test('comparison messages: malformed ones are rejected, down to one field of one violation', () => {
  const badReports: Record<string, unknown>[] = [
    withReport((r) => { delete r.summary; }),
    withReport((r) => { r.limits = 'none'; }),
    withReport((r) => { r.applied = [1]; }),
    withReport((r) => { r.scenarios = {}; }),
    withReport((r) => { r.scenarios = [null]; }),
    withReport((r) => { r.assumptions = undefined; }),
    withReport((r) => { sc0(r).tone = 'great'; }),
    withReport((r) => { sc0(r).exploration = { before: 'x' }; }),
    withReport((r) => { sc0(r).events = { removed: [], added: [3] }; }),
    withReport((r) => { sc0(r).endState = [{ where: 'a', field: 'b', before: 'c' }]; }),
    withReport((r) => { sc0(r).errors = [{}]; }),
    withReport((r) => { sc0(r).unmodelled = undefined; }),
    withReport((r) => { v0(r).kind = 'old'; }),
    withReport((r) => { v0(r).steps = -1; }),
    withReport((r) => { v0(r).steps = 2.5; }),
    withReport((r) => { v0(r).counterexample = -1; }),
    withReport((r) => { v0(r).counterexample = '0'; }),
    withReport((r) => { v0(r).at = 82; }),
    withReport((r) => { v0(r).schedule = ['dev0']; }),
  ];
  for (const r of badReports) {
    assert.equal(isCompareView(r), false, JSON.stringify(r).slice(0, 200));
    assert.equal(parseHostMessage({ v: 1, type: 'compareReport', report: r }), undefined);
  }
  for (const b of [{ v: 1, type: 'compareReport' }, { v: 1, type: 'compareReport', report: [] }, { v: 2, type: 'compareReport', report: tinyReport() },
    { v: 1, type: 'traceText', json: '{}', step: 0, counterexample: -1 }, { v: 1, type: 'traceText', json: '{}', step: 0, counterexample: 1.5 },
    { v: 1, type: 'trace', trace: tinyTrace(), step: 0, counterexample: '0' },
    { v: 1, type: 'compareReport', report: tinyReport(), saved: '../report' }, { v: 1, type: 'reportSaved' }, { v: 1, type: 'reportSaved', saved: 7 }]) {
    assert.equal(parseHostMessage(b), undefined, JSON.stringify(b).slice(0, 120));
  }
  for (const b of [{ v: 1, type: 'showCounterexample' }, { v: 1, type: 'showCounterexample', index: -1 }, { v: 1, type: 'showCounterexample', index: 0.5 },
    { v: 1, type: 'showCounterexample', index: '0' }, { v: 2, type: 'backToReport' }, { v: 1, type: 'compareText' },
    { v: 1, type: 'compareText', action: 'save' }, { v: 1, type: 'compareText', action: ['copy'] }]) {
    assert.equal(parseWebviewMessage(b), undefined, JSON.stringify(b));
  }
  // Junk in every field shape never makes the check throw.
  for (const j of [undefined, null, 0, 'x', [], [tinyReport()], { scenarios: [{ violations: [null] }] }]) {
    assert.doesNotThrow(() => isCompareView(j));
    assert.equal(isCompareView(j), false);
  }
});
