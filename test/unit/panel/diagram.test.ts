// The state diagram's SVG: chips coloured by kind, folio and device cards, locks, notifier arrows
// (dashed when filtered), change highlighting, escaping, theme variables.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ViewModel } from '../../../extension/engine/trace/view';
import { simulate } from '../../../extension/engine/simulate';
import { DIAGRAM_CSS, PTE_KIND_TITLES, cssVariables, diagramSvg, escapeXml, resolveCssVars } from '../../../webview/diagram';
import { type EventArrow, type PanelTrace, TraceIndex } from '../../../webview/panelModel';
import { engineTree } from '../../helpers/engine';
import { EXAMPLES } from '../../helpers/parser';

/** Tags open and close in order, attributes are quoted, no stray '<' or '&' (what an XML parser needs). */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const text = xml.slice(last, m.index);
    assert.ok(!/[<>]/.test(text), `stray bracket in text: ${text.slice(0, 80)}`);
    assert.ok(!/&(?!(amp|lt|gt|quot|#\d+);)/.test(text), `unescaped & in: ${text.slice(0, 80)}`);
    last = re.lastIndex;
    if (!m[2]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else if (!m[4]) stack.push(m[2]);
  }
  assert.ok(!/[<>]/.test(xml.slice(last)), 'markup after the last tag');
  assert.deepEqual(stack, [], 'every element closed');
}

function base(): ViewModel {
  return {
    addresses: [{
      addr: '0x7f0000000000', pte: { kind: 'device-exclusive', label: 'device-exclusive-write pfn=256', pfn: 256 },
      folio: { pfn: 256, refcount: 2, mapcount: 1, dirty: true, locked: 'dev0', freed: false }, devices: { dmirror0: 'pfn 256 atomic', dmirror1: '' },
    }],
    devices: [{ name: 'dmirror0', driver: 'lib/test_hmm.c', mutex: 'dev0', seq: 3 }, { name: 'dmirror1', driver: 'kpsim/refdriver.c', mutex: '', seq: 2 }],
    locks: { mmap_lock: 'dev0', 'PTL 0x7f0000000000': '' },
    notifier: { seq: 3, active: 1, event: 'MMU_NOTIFY_EXCLUSIVE [0x7f0000000000, 0x7f0000001000)' },
    threads: { dev0: 'running' },
  };
}

const EVENT: EventArrow = {
  id: 0, event: 'MMU_NOTIFY_EXCLUSIVE', range: '[0x7f0000000000, 0x7f0000001000)', owner: '&dmirror0', thread: 'dev0', phase: 'active', startStep: 3,
  deliveries: [{ device: 'dmirror0', filtered: true }, { device: 'dmirror1', filtered: false }],
};

test('PTE chips carry their kind (class and data-kind), with the entry as text', () => {
  const { svg, width, height } = diagramSvg({ view: base(), changed: new Set(), events: [] });
  assertWellFormed(svg);
  assert.ok(width > 0 && height > 100);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="kp-diagram" viewBox="0 0 \d+ \d+"/);
  assert.match(svg, /<g class="kp-pte kind-device-exclusive" data-role="pte" data-addr="0x7f0000000000" data-kind="device-exclusive">/);
  assert.match(svg, />device-exclusive<\/text>/);
  assert.match(svg, /class="kp-chip-detail">write pfn=256<\/text>/);
  for (const kind of Object.keys(PTE_KIND_TITLES)) {
    const v = base();
    v.addresses[0].pte = { kind: kind as keyof typeof PTE_KIND_TITLES, label: kind };
    const out = diagramSvg({ view: v, changed: new Set(), events: [] }).svg;
    assert.ok(out.includes(`data-kind="${kind}"`), kind);
    assert.ok(DIAGRAM_CSS.includes(`.kind-${kind} .kp-chip`), `a colour for ${kind}`);
  }
});

test('folio card, device cards, locks and the notifier state are drawn', () => {
  const { svg } = diagramSvg({ view: base(), changed: new Set(), events: [] });
  assert.match(svg, /folio pfn 256/);
  assert.match(svg, />refcount 2</);
  assert.match(svg, />mapcount 1</);
  assert.match(svg, />dirty</);
  assert.match(svg, />locked by dev0</);
  assert.match(svg, /data-role="device" data-device="dmirror0"/);
  assert.match(svg, />mutex held by dev0</);
  assert.match(svg, />notifier seq 3</);
  assert.match(svg, /data-role="device-entry" data-addr="0x7f0000000000" data-entry="pfn 256 atomic"/);
  assert.match(svg, /data-role="device-entry" data-addr="0x7f0000000000" data-entry=""/);
  assert.match(svg, /data-role="lock" data-lock="mmap_lock" data-holder="dev0"/);
  assert.match(svg, /data-lock="PTL 0x7f0000000000" data-holder="">free</);
  assert.match(svg, />invalidate_seq 3</);
  assert.match(svg, />running MMU_NOTIFY_EXCLUSIVE \[0x7f0000000000, 0x7f0000001000\)</);
  // A child's PTE after fork.
  const v = base();
  v.addresses[0].childPte = { kind: 'present-ro', label: 'present pfn=256 ro' };
  assert.match(diagramSvg({ view: v, changed: new Set(), events: [] }).svg, /data-role="child-pte" data-addr="0x7f0000000000" data-kind="present-ro"/);
});

test('notifier events: an arrow from the mm to each device, labelled; a filtered delivery is dashed and says so', () => {
  const { svg } = diagramSvg({ view: base(), changed: new Set(), events: [EVENT] }, { width: 1100 });
  assertWellFormed(svg);
  assert.match(svg, /data-role="event" data-event="MMU_NOTIFY_EXCLUSIVE" data-phase="active"/);
  assert.match(svg, /class="kp-ev-name">MMU_NOTIFY_EXCLUSIVE</);
  assert.match(svg, />\[0x7f0000000000, 0x7f0000001000\)</);
  assert.match(svg, />owner &amp;dmirror0 · by dev0</);
  assert.match(svg, /data-role="delivery" data-device="dmirror0" data-filtered="1"><title>[^<]*filtered out by the driver[^<]*<\/title><line class="kp-arrow kp-filtered"/);
  assert.match(svg, /data-role="delivery" data-device="dmirror1" data-filtered="0"><title>[^<]*delivered<\/title><line class="kp-arrow" [^>]*marker-end="url\(#kp-head\)"/);
  assert.match(svg, />filtered</);
  // Narrow (a panel beside the editor): the label wraps instead of running into the cards.
  const narrow = diagramSvg({ view: base(), changed: new Set(), events: [EVENT] }, { width: 540 });
  assertWellFormed(narrow.svg);
  assert.equal(narrow.width, 540);
  assert.match(narrow.svg, />\[0x7f0000000000,<\/text><text [^>]*> 0x7f0000001000\)</);
  assert.match(narrow.svg, />owner &amp;dmirror0<\/text><text [^>]*>by dev0</);
  // An event over is drawn faded; none at all: no arrow.
  assert.match(diagramSvg({ view: base(), changed: new Set(), events: [{ ...EVENT, phase: 'ended' }] }).svg, /kp-ev-ended" data-role="event"[^>]*data-phase="ended"/);
  assert.doesNotMatch(diagramSvg({ view: base(), changed: new Set(), events: [] }).svg, /data-role="delivery"/);
});

test('changed fields are highlighted where they are, deep inside cards; unchanged ones are not', () => {
  const changed = new Set(['addresses.0.pte.kind', 'addresses.0.folio.refcount', 'devices.0.mutex', 'addresses.0.devices.dmirror0', 'locks.mmap_lock', 'notifier.active']);
  const { svg } = diagramSvg({ view: base(), changed, events: [] });
  assertWellFormed(svg);
  assert.match(svg, /data-kind="device-exclusive" data-changed="1"/);
  // The refcount text is bold on a highlight; the mapcount next to it is not.
  assert.match(svg, /<rect class="kp-chg-bg"[^>]*\/><text x="[\d.]+" y="[\d.]+" class="kp-chg-text">refcount 2<\/text>/);
  assert.match(svg, /<text x="[\d.]+" y="[\d.]+">mapcount 1<\/text>/);
  // The folio card holds a change: its border is highlighted.
  assert.match(svg, /data-role="folio"[^>]*><rect class="kp-card kp-chg"/);
  assert.match(svg, /class="kp-held kp-chg-text">mutex held by dev0</);
  assert.match(svg, /class="kp-atomic kp-chg-text" data-role="device-entry"/);
  assert.match(svg, /class="kp-held kp-chg-text" data-role="lock" data-lock="mmap_lock"/);
  assert.match(svg, /class="kp-held kp-chg-text">active 1</);
  // Nothing changed: no highlight at all.
  assert.doesNotMatch(diagramSvg({ view: base(), changed: new Set(), events: [] }).svg, /kp-chg/);
});

test('labels are escaped: the markup stays well-formed whatever the names', () => {
  const v = base();
  v.devices[0].name = 'dev<&>"x\'';
  v.addresses[0].devices = { [v.devices[0].name]: '<script>' };
  v.locks = { 'a<b': 'c&d' };
  const { svg } = diagramSvg({ view: v, changed: new Set(), events: [{ ...EVENT, event: '</svg><script>', owner: '&"' }] });
  assertWellFormed(svg);
  assert.ok(!svg.includes('<script>'));
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('theme-aware: every colour is a VS Code theme variable; a standalone file gets them resolved', () => {
  // No colour outside a var(--vscode-…, fallback).
  const stripped = DIAGRAM_CSS.replace(/var\(--vscode-[\w-]+(?:,\s*(?:var\(--vscode-[\w-]+(?:,\s*[^()]*(?:\([^()]*\))?)?\)|[^()]*(?:\([^()]*\))?))?\)/g, 'V');
  assert.doesNotMatch(stripped, /#[0-9a-f]{3,8}\b|rgba?\(/i, stripped);
  const vars = cssVariables(DIAGRAM_CSS);
  for (const v of ['--vscode-charts-green', '--vscode-charts-purple', '--vscode-foreground', '--vscode-editorWarning-foreground', '--vscode-contrastBorder']) assert.ok(vars.includes(v), v);
  const theme: Record<string, string> = { '--vscode-charts-green': '#89d185', '--vscode-foreground': '#cccccc' };
  const css = resolveCssVars(DIAGRAM_CSS, (n) => theme[n]);
  assert.doesNotMatch(css, /var\(/);
  assert.match(css, /\.kind-present-rw \.kp-chip \{ fill: #89d185; stroke: #89d185; \}/);
  assert.match(css, /fill: #cccccc/);
  // Unknown: the fallback, a nested var resolved too.
  assert.match(css, /\.kp-box \{ fill: #f8f8f8; stroke: #c8c8c8;/);
  assert.equal(resolveCssVars('a { b: var(--x, rgba(1, 2, 3, 0.5)); c: var(--y); }', () => undefined), 'a { b: rgba(1, 2, 3, 0.5); c: currentColor; }');
  const standalone = diagramSvg({ view: base(), changed: new Set(), events: [], caption: 'c & d' }, { embedCss: css, background: true }).svg;
  assertWellFormed(standalone);
  assert.match(standalone, /<style>[^<]*\.kp-diagram/);
  assert.match(standalone, /<rect class="kp-bg"/);
  assert.match(standalone, />c &amp; d</);
});

test('a real trace draws at every step, and quickly', async () => {
  const r = simulate(await engineTree(EXAMPLES), 'exclusive-then-cpu-write', { views: true }) as PanelTrace;
  const idx = new TraceIndex(r);
  const t0 = performance.now();
  let arrows = 0;
  for (let i = -1; i < idx.length; i++) {
    const { svg } = diagramSvg({ view: idx.viewAt(i), changed: idx.changedAt(i), events: idx.eventsAt(i) });
    if (i % 25 === 0) assertWellFormed(svg);
    if (svg.includes('data-role="delivery"')) arrows++;
  }
  const per = (performance.now() - t0) / (idx.length + 1);
  assert.ok(arrows > 0, 'some steps draw the invalidation');
  assert.ok(per < 5, `${per.toFixed(2)} ms per diagram`);
});

test('laid out for the panel\'s width: every text stays inside the diagram, none is cut mid-word without an ellipsis', () => {
  for (const width of [300, 520, 640, 900, 1400]) {
    const v = base();
    v.addresses.push({ ...v.addresses[0], addr: '0x7f0000001000', childPte: { kind: 'present-ro', label: 'present pfn=257 ro dirty,young,soft-dirty,uffd-wp' } });
    const { svg, width: w } = diagramSvg({ view: v, changed: new Set(['addresses.1.folio.refcount']), events: [EVENT] }, { width });
    assertWellFormed(svg);
    assert.equal(w, Math.max(520, width));
    for (const m of svg.matchAll(/<text x="([\d.]+)" y="[\d.]+"(?: class="([^"]*)")?[^>]*>([^<]*)<\/text>/g)) {
      const size = /kp-small|kp-chip-detail|kp-ev-/.test(m[2] ?? '') ? 10 : 11;
      const right = Number(m[1]) + m[3].replace(/&\w+;/g, '&').length * size * 0.6;
      assert.ok(right <= w + 1, `"${m[3]}" ends at ${right.toFixed(0)} beyond ${w}`);
    }
  }
});
