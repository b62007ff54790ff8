// The simulation panel in the webview: the state diagram, one lane per thread, a scrubbable
// timeline with play/pause/step/back/restart/speed, the step list and the step's details; or a
// "Compare before/after" report whose counterexamples open here (and go back to it). Talks to the
// host only through protocol.ts; the component library only through ui.ts.
import { type HostMessage, PROTOCOL_VERSION, type PanelState, type WebviewMessage, isPanelState, panelTraceProblem, parseHostMessage } from '../extension/protocol';
import type { CompareView } from '../extension/views/compareView';
import { renderReport } from './compareReport';
import { DIAGRAM_CSS, diagramSvg, resolveCssVars } from './diagram';
import {
  type Lane, type PanelTrace, SPEEDS, TraceIndex, changeMark, formatValue, lastAtOrBefore, ownerLabel, positionLabel, stepRow,
} from './panelModel';
import { type UiButton, button, checkbox, dropdown, grid, registerUi, tabs } from './ui';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): unknown;
  /** undefined: nothing to bring back after a reload. */
  setState(s: PanelState | undefined): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const epoch = (): number => performance.timeOrigin + performance.now();
/** Timings for the tests (host clock and this page's clock are the same machine's). */
const perf: Record<string, number> = { navStart: performance.timeOrigin, scriptStart: epoch() };
performance.mark('kp-script-start');

const vscode = acquireVsCodeApi();
const body = document.body;
// After a window reload: the trace, the step and the settings saved before it.
// (A comparison report comes back from the host, which kept it: the state has only its id.)
const saved = ((): Extract<PanelState, { trace: object }> | undefined => {
  const st = vscode.getState();
  return isPanelState(st) && st.trace !== undefined ? st : undefined;
})();
for (const k of ['tCommand', 'tCreated'] as const) {
  const v = Number(body.dataset[k]);
  if (Number.isFinite(v) && v > 0) perf[k] = v;
}
let cspViolations = 0;
document.addEventListener('securitypolicyviolation', (e) => {
  cspViolations++;
  console.warn(`simulation panel: CSP refused ${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`);
  publishPerf();
});

function publishPerf(): void {
  // When the page's own files arrived (the webview's resource loading is part of its first paint).
  for (const r of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
    const name = /\/(panel\.(?:js|css))(?:\?|$)/.exec(r.name)?.[1];
    if (name) {
      perf[`${name}Requested`] = performance.timeOrigin + r.startTime;
      perf[`${name}Loaded`] = performance.timeOrigin + r.responseEnd;
    }
  }
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  if (nav) {
    perf.navRequest = performance.timeOrigin + nav.requestStart;
    perf.navResponseEnd = performance.timeOrigin + nav.responseEnd;
  }
  body.dataset.perf = JSON.stringify({ ...perf, cspViolations });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function send(m: WebviewMessage): void {
  vscode.postMessage(m);
}

// The diagram's stylesheet, adopted (a constructed sheet is not inline style: the CSP allows it).
{
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(DIAGRAM_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

registerUi();

// ---- the page --------------------------------------------------------------------------------
const app = document.getElementById('app') as HTMLElement;
app.replaceChildren();
app.removeAttribute('aria-live');
app.classList.add('panel');

// Above the trace, when it is a counterexample of the comparison report: the way back to it.
const reportNav = el('nav', 'report-nav');
reportNav.hidden = true;
const reportBack = button({ id: 'back-to-report', label: '← Back to report', title: 'Back to the comparison report', appearance: 'secondary', onClick: () => backToReport() });
const reportNavLabel = el('span', 'report-nav-label muted');
reportNav.append(reportBack.el, reportNavLabel);

const head = el('header', 'head');
const titleBox = el('div', 'title');
const h1 = el('h1', undefined, body.dataset.title ?? 'Simulation');
const verdict = el('span', 'verdict');
const subtitle = el('div', 'subtitle muted');
titleBox.append(h1, verdict, subtitle);
const exportsBox = el('div', 'exports');
const exportButtons: UiButton[] = [
  button({ id: 'copy-ascii', label: 'Copy ASCII', title: 'Copy the ASCII timeline to the clipboard (for a mail reply)', appearance: 'secondary', onClick: () => send({ v: PROTOCOL_VERSION, type: 'export', format: 'ascii' }) }),
  button({ id: 'save-json', label: 'Save JSON', title: 'Save the JSON trace (open it again with "Open a saved trace…")', appearance: 'secondary', onClick: () => send({ v: PROTOCOL_VERSION, type: 'export', format: 'json' }) }),
  button({ id: 'save-svg', label: 'Save SVG', title: 'Save the state diagram as SVG', appearance: 'secondary', onClick: () => exportSvg() }),
  button({ id: 'open-text', label: 'Open as text', title: 'Open the ASCII trace as a read-only document', appearance: 'secondary', onClick: () => send({ v: PROTOCOL_VERSION, type: 'openText' }) }),
];
for (const b of exportButtons) {
  b.setDisabled(true);
  exportsBox.append(b.el);
}
head.append(titleBox, exportsBox);

const status = el('p', 'status muted', body.dataset.status ?? 'Waiting for the simulation…');
status.setAttribute('role', 'status');

const transport = el('div', 'transport');
const restartBtn = button({ id: 'restart', label: '|◀', title: 'Restart (Home)', appearance: 'secondary', onClick: () => { pause(); goto(-1, 'user'); } });
const backBtn = button({ id: 'step-back', label: '◀', title: 'Step back (←; Shift+← to the previous change)', appearance: 'secondary', onClick: () => { pause(); goto(pos - 1, 'user'); } });
const playBtn = button({ id: 'play', label: '▶ Play', title: 'Play / pause (Space)', onClick: () => togglePlay() });
const stepBtn = button({ id: 'step', label: '▶|', title: 'Step (→; Shift+→ to the next change)', appearance: 'secondary', onClick: () => { pause(); goto(pos + 1, 'user'); } });
let speed = saved?.speed && SPEEDS.some((x) => x.id === saved.speed) ? saved.speed : '10';
const speedBox = dropdown({
  id: 'speed', title: 'Playback speed', value: speed, options: SPEEDS.map((s) => ({ value: s.id, label: s.label })),
  onChange: (v) => {
    if (SPEEDS.some((s) => s.id === v)) speed = v;
    saveStateSoon();
  },
});
const counter = el('span', 'counter', 'start / 0');
counter.id = 'counter';
const where = el('span', 'where muted');
where.id = 'where';
transport.append(restartBtn.el, backBtn.el, playBtn.el, stepBtn.el, speedBox.el, counter, where);

const timeline = el('div', 'timeline');
const ticks = el('div', 'ticks');
ticks.setAttribute('aria-hidden', 'true');
const scrub = el('input', 'scrub');
scrub.type = 'range';
scrub.id = 'scrub';
scrub.min = '-1';
scrub.max = '-1';
scrub.step = '1';
scrub.value = '-1';
scrub.setAttribute('aria-label', 'Step');
timeline.append(ticks, scrub);

const lanesBox = el('section', 'lanes');
lanesBox.id = 'lanes';
lanesBox.setAttribute('aria-label', 'Threads');

const diagramBox = el('section', 'diagram');
diagramBox.id = 'diagram';

// Details: steps, this step, locals, events, checks.
const stepsTab = el('div', 'steps-tab');
const stepsTools = el('div', 'steps-tools');
let changesOnly = Boolean(saved?.changesOnly);
const onlyChanges = checkbox({ id: 'changes-only', label: 'Only steps that changed state', checked: changesOnly, onChange: (c) => { changesOnly = c; stepList.setRows(); saveStateSoon(); } });
stepsTools.append(onlyChanges.el);
const stepsScroll = el('div', 'steps');
stepsScroll.id = 'steps';
stepsScroll.tabIndex = 0;
stepsScroll.setAttribute('role', 'listbox');
stepsScroll.setAttribute('aria-label', 'Steps');
const stepsSpacer = el('div', 'steps-spacer');
stepsScroll.append(stepsSpacer);
stepsTab.append(stepsTools, stepsScroll);
const detailsBox = el('div', 'details');
detailsBox.id = 'step-details';
const localsBox = el('div', 'locals');
localsBox.id = 'locals';
const eventsBox = el('div', 'events');
eventsBox.id = 'events';
const checksGrid = grid({ id: 'checks', label: 'Checks', columns: [{ key: 'result', title: 'Result', width: '70px' }, { key: 'name', title: 'Check', width: '2fr' }, { key: 'detail', title: 'Detail', width: '3fr' }] });
const details = tabs([
  { id: 'steps', title: 'Steps', content: stepsTab },
  { id: 'step', title: 'This step', content: detailsBox },
  { id: 'locals', title: 'Locals', content: localsBox },
  { id: 'events', title: 'Notifier events', content: eventsBox },
  { id: 'checks', title: 'Checks', content: checksGrid.el },
]);
details.el.classList.add('details-tabs');
details.onChange(() => renderDetails());

const traceView = el('div', 'trace-view');
traceView.append(reportNav, head, status, transport, timeline, lanesBox, diagramBox, details.el);
const reportView = el('div', 'report-view');
reportView.id = 'compare-report';
reportView.hidden = true;
app.append(reportView, traceView);

// ---- state -----------------------------------------------------------------------------------
let idx: TraceIndex | undefined;
let trace: PanelTrace | undefined;
let pos = -1;
let playing = false;
let playTimer: ReturnType<typeof setTimeout> | undefined;
let frame = 0;
let diagramKey = '';
let laneEls: { root: HTMLElement; status: HTMLElement; fn: HTMLElement; where: HTMLElement }[] = [];

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  status.textContent = text;
  status.classList.toggle('error', kind === 'error');
  status.hidden = text === '';
}

/** Shows a trace (a new one, or the same again: then only the step moves). */
function setTrace(t: PanelTrace, step: number, fromHost: boolean): void {
  if (trace && idx && sameTrace(trace, t)) {
    goto(step, fromHost ? 'host' : 'user');
    return;
  }
  const index = new TraceIndex(t);
  pause();
  trace = t;
  idx = index;
  diagramKey = '';
  diagramHeight = 0;
  diagramBox.style.minHeight = '';
  const ok = t.checks.filter((c) => c.ok).length;
  h1.textContent = t.scenario.title;
  verdict.textContent = `${ok === t.checks.length ? 'PASS' : 'FAIL'} ${ok}/${t.checks.length}`;
  verdict.className = `verdict ${ok === t.checks.length ? 'pass' : 'fail'}`;
  subtitle.textContent = `${t.scenario.id} on ${t.tree} · ${t.steps.length} steps · ${t.api} · driver ${t.driver}`;
  document.title = `${t.scenario.id} on ${t.tree}`;
  setStatus(t.unmodelled.length ? `${t.unmodelled.length} call(s) on the path are not modelled; the run stopped there: ${t.unmodelled.map((u) => `${u.name} (${u.file}:${u.line})`).join(', ')}` : '');
  for (const b of exportButtons) b.setDisabled(false);
  scrub.max = String(t.steps.length - 1);
  buildTicks(index);
  buildLanes(index);
  buildEvents(index);
  checksGrid.setRows(t.checks.map((c) => ({ result: c.ok ? 'ok' : 'FAIL', name: c.name, detail: c.detail })));
  stepList.setRows();
  pos = index.clamp(step);
  renderNow();
}

function sameTrace(a: PanelTrace, b: PanelTrace): boolean {
  return a.scenario.id === b.scenario.id && a.tree === b.tree && a.steps.length === b.steps.length && a.stats.ms === b.stats.ms && a.schedule.join() === b.schedule.join();
}

function threadClass(thread: string): string {
  const k = trace ? trace.threads.findIndex((t) => t.id === thread) : -1;
  return `t${k < 0 ? 0 : k % 6}`;
}

/** One tick per step, one row per thread; steps that changed state are taller. */
function buildTicks(index: TraceIndex): void {
  const n = Math.max(1, index.length);
  const rows = trace!.threads.length || 1;
  const h = 4 * rows + 4;
  const paths = trace!.threads.map(() => ({ small: [] as string[], big: [] as string[] }));
  for (const s of index.steps) {
    const k = Math.max(0, trace!.threads.findIndex((t) => t.id === s.thread));
    const x = (s.i + 0.5).toFixed(1);
    const y = k * 4 + 2;
    if (s.changes.length || s.notes.length) paths[k].big.push(`M${x} ${y - 2}v6`);
    else paths[k].small.push(`M${x} ${y}v2`);
  }
  const d = paths.map((p, k) => `<path class="tick t${k % 6}" d="${p.small.join('')}" vector-effect="non-scaling-stroke"/><path class="tick big t${k % 6}" d="${p.big.join('')}" vector-effect="non-scaling-stroke"/>`).join('');
  ticks.innerHTML = `<svg viewBox="0 0 ${n} ${h}" preserveAspectRatio="none" width="100%" height="${h * 3}">${d}</svg>`;
}

function buildLanes(index: TraceIndex): void {
  lanesBox.replaceChildren();
  laneEls = trace!.threads.map((t, k) => {
    const root = el('div', `lane t${k % 6}`);
    root.dataset.thread = t.id;
    const swatch = el('span', 'swatch');
    const name = el('span', 'lane-id', t.id);
    const title = el('span', 'lane-title muted', t.title);
    const st = el('span', 'lane-status');
    const fn = el('span', 'lane-fn');
    const w = el('a', 'lane-where');
    w.href = '#';
    w.addEventListener('click', (ev) => {
      ev.preventDefault();
      const lane = index.lanesAt(pos)[k];
      if (lane.file && lane.line) send({ v: PROTOCOL_VERSION, type: 'step', step: lane.step ?? pos, file: lane.file, line: lane.line });
    });
    const line1 = el('div', 'lane-head');
    line1.append(swatch, name, st, title);
    const line2 = el('div', 'lane-at');
    line2.append(fn, w);
    root.append(line1, line2);
    lanesBox.append(root);
    return { root, status: st, fn, where: w };
  });
}

function buildEvents(index: TraceIndex): void {
  eventsBox.replaceChildren();
  const t = trace!;
  if (!t.events.length) {
    eventsBox.append(el('p', 'muted', 'No MMU-notifier invalidation in this run.'));
    return;
  }
  const list = el('ul', 'event-list');
  t.events.forEach((e, k) => {
    const li = el('li');
    const at = index.eventSteps[k];
    const a = el('a', undefined, at === undefined ? '?' : `step ${at}`);
    a.href = '#';
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      if (at !== undefined) {
        pause();
        goto(at, 'user');
      }
    });
    const text = e.phase === 'start'
      ? ` ${e.event} [0x${e.start.toString(16)}, 0x${e.end.toString(16)}) starts, owner ${ownerLabel(e.owner, t.objects)}, by ${e.thread}: ${e.deliveries.map((d) => `${d.device} ${d.filtered ? 'filtered it' : 'invalidated'}`).join(', ') || 'no device notified'}`
      : ` ${e.event} ends (${e.thread})`;
    li.append(a, document.createTextNode(text));
    list.append(li);
  });
  eventsBox.append(list);
}

// ---- the step list (virtual: only the visible rows exist) -------------------------------------
const ROW = 20;
const stepList = {
  rows: [] as number[],
  pool: [] as HTMLElement[],
  height: 0,
  setRows(): void {
    if (!idx) return;
    this.rows = changesOnly ? idx.changeSteps : idx.steps.map((s) => s.i);
    stepsSpacer.style.height = `${this.rows.length * ROW}px`;
    this.reveal(pos);
    this.render();
  },
  renderedTop: -1,
  render(): void {
    if (!idx) return;
    const top = stepsScroll.scrollTop;
    this.renderedTop = top;
    const first = Math.max(0, Math.floor(top / ROW) - 2);
    const count = Math.min(this.rows.length - first, Math.ceil((this.height || 300) / ROW) + 5);
    while (this.pool.length < count) {
      const r = el('div', 'step-row');
      r.setAttribute('role', 'option');
      for (const c of ['n', 'th', 'fn', 'at', 'pr']) r.append(el('span', c));
      stepsScroll.append(r);
      this.pool.push(r);
    }
    this.pool.forEach((r, k) => {
      if (k >= count) {
        r.hidden = true;
        return;
      }
      const i = this.rows[first + k];
      const s = idx!.steps[i];
      const row = stepRow(s);
      r.hidden = false;
      r.style.transform = `translateY(${(first + k) * ROW}px)`;
      if (r.dataset.step !== String(i)) {
        r.dataset.step = String(i);
        const [n, th, fn, at, pr] = Array.from(r.children) as HTMLElement[];
        n.textContent = String(row.i);
        th.textContent = row.thread;
        th.className = `th ${threadClass(row.thread)}`;
        fn.textContent = row.fn;
        at.textContent = row.where;
        pr.textContent = row.prims;
        r.classList.toggle('changed', row.changed);
        r.title = `${row.thread} ${row.fn} at ${row.where}${row.prims ? ` · calls ${row.prims}` : ''}`;
      }
      const current = i === pos;
      r.classList.toggle('current', current);
      r.setAttribute('aria-selected', current ? 'true' : 'false');
    });
  },
  /** Scrolls the list so that the row of step i (or the last before it) is visible. */
  reveal(i: number): void {
    if (!this.height) return;
    const k = Math.max(0, lastAtOrBefore(this.rows, i));
    const y = k * ROW;
    if (y < stepsScroll.scrollTop + ROW || y + 2 * ROW > stepsScroll.scrollTop + this.height) stepsScroll.scrollTop = Math.max(0, y - this.height / 2);
  },
};
stepsScroll.addEventListener('scroll', () => {
  if (stepsScroll.scrollTop !== stepList.renderedTop) stepList.render();
}, { passive: true });
stepsScroll.addEventListener('click', (ev) => {
  const row = (ev.target as HTMLElement).closest<HTMLElement>('.step-row');
  if (!row?.dataset.step) return;
  pause();
  goto(Number(row.dataset.step), 'user', true);
});
new ResizeObserver(() => {
  stepList.height = stepsScroll.clientHeight;
  stepList.render();
}).observe(stepsScroll);

// ---- moving through the trace -------------------------------------------------------------
/** Who moved: a step, a key or a click (user), the scrubber (scrub), playback (play), the host (the debugger). */
type Origin = 'user' | 'scrub' | 'play' | 'host';
let lastOrigin: Origin = 'user';

/** Moves to position i; the host hears of it (it highlights the line) unless it asked for it. */
function goto(i: number, origin: Origin, reveal = false): void {
  if (!idx) return;
  const next = idx.clamp(i);
  if (next === pos && !reveal) return;
  pos = next;
  lastOrigin = origin;
  scheduleRender();
  if (origin !== 'host') tellHost(reveal ? 'now' : origin === 'scrub' ? 'settled' : 'throttled');
  saveStateSoon();
}

let hostTimer: ReturnType<typeof setTimeout> | undefined;
let hostLast = 0;
/**
 * The editor follows: at once for a click; at most every 60 ms while stepping or playing; once the
 * scrubber rests for 150 ms while dragging (an editor jumping under a drag helps nobody, and its
 * work shares this page's thread in a browser).
 */
function tellHost(how: 'now' | 'throttled' | 'settled'): void {
  const fire = (): void => {
    hostTimer = undefined;
    hostLast = performance.now();
    const s = idx?.stepAt(pos);
    send({ v: PROTOCOL_VERSION, type: 'step', step: pos, file: s?.file ?? '', line: s?.line ?? 0 });
  };
  if (how === 'now' || how === 'settled') {
    if (hostTimer) clearTimeout(hostTimer);
    if (how === 'now') fire();
    else hostTimer = setTimeout(fire, 150);
    return;
  }
  if (hostTimer) return;
  const wait = Math.max(0, 60 - (performance.now() - hostLast));
  hostTimer = setTimeout(fire, wait);
}

function scheduleRender(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function renderNow(): void {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  render();
}

let renderMs = 0;
function render(): void {
  const t0 = performance.now();
  try {
    doRender();
  } finally {
    renderMs = performance.now() - t0;
  }
}

function doRender(): void {
  if (!idx || !trace) return;
  const i = pos;
  const view = idx.viewAt(i);
  const changed = idx.changedAt(i);
  const events = idx.eventsAt(i);
  const key = `${idx.viewIndexAt(i)}|${changed.size ? i : ''}|${events.map((e) => `${e.id}${e.phase}`).join()}`;
  const width = diagramWidth();
  if (`${key}|${width}` !== diagramKey) {
    diagramKey = `${key}|${width}`;
    const d = diagramSvg({ view, changed, events }, { width });
    morph(diagramBox, d.svg);
    // Grow only: what is below does not jump (nor get laid out again) as the diagram changes.
    if (d.height > diagramHeight) {
      diagramHeight = d.height;
      diagramBox.style.minHeight = `${diagramHeight + 10}px`;
    }
  }
  const step = idx.stepAt(i);
  counter.textContent = positionLabel(i, idx.length);
  where.textContent = step ? `${step.thread} · ${step.fn} · ${step.file}:${step.line}` : 'before the first step';
  if (scrub.value !== String(i)) scrub.value = String(i);
  renderLanes(idx.lanesAt(i), changed);
  // While the scrubber is dragged, the step list and the step's details follow once it rests:
  // the diagram, the lanes and the counter are what moves under the drag.
  if (lastOrigin === 'scrub') {
    if (listTimer) clearTimeout(listTimer);
    listTimer = setTimeout(() => {
      listTimer = undefined;
      renderList();
    }, 120);
  } else renderList();
  playBtn.setLabel(playing ? '‖ Pause' : '▶ Play', playing ? 'Pause (Space)' : 'Play (Space)');
  backBtn.setDisabled(i <= -1);
  stepBtn.setDisabled(i >= idx.length - 1);
}

let boxWidth = 0;
let diagramHeight = 0;
/** The diagram is laid out for the panel's width (so its text keeps its size). */
function diagramWidth(): number {
  if (!boxWidth) boxWidth = diagramBox.clientWidth;
  return Math.max(0, Math.floor(boxWidth) - 10) || 560;
}
new ResizeObserver((entries) => {
  const w = entries[entries.length - 1].contentRect.width;
  if (Math.abs(w - boxWidth) >= 1) {
    boxWidth = w;
    scheduleRender();
  }
}).observe(diagramBox);

/**
 * Puts markup into a box, touching only what differs from what is there: the browser then repaints
 * the chips and texts that changed, not the whole diagram (the frame budget while scrubbing).
 */
function morph(box: HTMLElement, markup: string): void {
  const tpl = document.createElement('template');
  tpl.innerHTML = markup;
  const next = tpl.content.firstElementChild;
  const cur = box.firstElementChild;
  if (!next) return;
  if (!cur || cur.tagName !== next.tagName) box.replaceChildren(next);
  else patch(cur, next);
}

function patch(a: Element, b: Element): void {
  for (const at of Array.from(b.attributes)) if (a.getAttribute(at.name) !== at.value) a.setAttribute(at.name, at.value);
  for (const at of Array.from(a.attributes)) if (!b.hasAttribute(at.name)) a.removeAttribute(at.name);
  const ac = a.childNodes;
  const bc = b.childNodes;
  let same = ac.length === bc.length;
  for (let k = 0; same && k < ac.length; k++) {
    const x = ac[k];
    const y = bc[k];
    same = x.nodeType === y.nodeType && (x.nodeType !== Node.ELEMENT_NODE || (x as Element).tagName === (y as Element).tagName);
  }
  if (!same) {
    a.replaceChildren(...Array.from(bc));
    return;
  }
  for (let k = 0; k < ac.length; k++) {
    const x = ac[k];
    const y = bc[k];
    if (x.nodeType === Node.ELEMENT_NODE) patch(x as Element, y as Element);
    else if (x.nodeValue !== y.nodeValue) x.nodeValue = y.nodeValue;
  }
}

let listTimer: ReturnType<typeof setTimeout> | undefined;
function renderList(): void {
  stepList.reveal(pos);
  stepList.render();
  renderDetails();
}

function renderLanes(lanes: Lane[], changed: ReadonlySet<string>): void {
  lanes.forEach((l, k) => {
    const e = laneEls[k];
    if (!e) return;
    e.root.classList.toggle('active', l.active);
    e.root.dataset.status = l.status;
    e.root.dataset.fn = l.fn ?? '';
    e.status.textContent = l.status;
    e.status.classList.toggle('chg', changeMark(changed, `threads.${l.thread}`) !== undefined);
    e.fn.textContent = l.fn ? `${l.fn}()` : 'not started';
    e.fn.title = l.fn ? `${l.fn}(), call depth ${l.depth ?? 0}` : '';
    e.where.textContent = l.file ? `${l.file}:${l.line}` : '';
  });
}

function renderDetails(): void {
  if (!idx || !trace) return;
  const tab = details.active();
  const s = idx.stepAt(pos);
  if (tab === 'step') {
    detailsBox.replaceChildren();
    if (!s) {
      detailsBox.append(el('p', 'muted', 'Before the first step: the scenario\'s initial state.'));
      return;
    }
    detailsBox.append(el('p', 'step-head', `Step ${s.i} · ${s.thread} · ${s.fn}() at ${s.file}:${s.line}${s.prims.length ? ` · calls ${s.prims.join(', ')}` : ''}`));
    if (!s.changes.length && !s.notes.length) detailsBox.append(el('p', 'muted', 'No change to the model\'s state.'));
    for (const n of s.notes) detailsBox.append(el('p', 'note', n));
    if (s.changes.length) {
      const ul = el('ul', 'changes');
      for (const c of s.changes) {
        const li = el('li');
        li.append(el('span', 'field', c.field), document.createTextNode(': '), el('span', 'before', formatValue(c.before, trace.objects)), document.createTextNode(' → '), el('span', 'after', formatValue(c.after, trace.objects)));
        ul.append(li);
      }
      detailsBox.append(ul);
    }
  } else if (tab === 'locals') {
    localsBox.replaceChildren();
    if (!s) {
      localsBox.append(el('p', 'muted', 'No frame yet.'));
      return;
    }
    localsBox.append(el('p', 'step-head', `${s.fn}() in ${s.thread}, as step ${s.i} starts`));
    const entries = Object.entries(s.locals ?? {});
    if (!entries.length) localsBox.append(el('p', 'muted', s.locals ? 'No locals.' : 'This trace was recorded without locals.'));
    const dl = el('dl', 'locals-list');
    for (const [k, v] of entries) dl.append(el('dt', undefined, k), el('dd', undefined, v));
    localsBox.append(dl);
  }
}

// ---- playback ------------------------------------------------------------------------------
function perSecond(): number {
  return SPEEDS.find((s) => s.id === speed)?.perSecond ?? 10;
}

function togglePlay(): void {
  if (playing) pause();
  else play();
}

function play(): void {
  if (!idx || idx.length === 0) return;
  if (pos >= idx.length - 1) goto(-1, 'user');
  playing = true;
  scheduleRender();
  const tick = (): void => {
    playTimer = setTimeout(() => {
      if (!playing || !idx) return;
      if (pos >= idx.length - 1) {
        pause();
        return;
      }
      goto(pos + 1, 'play');
      tick();
    }, 1000 / perSecond());
  };
  tick();
}

function pause(): void {
  if (!playing) return;
  playing = false;
  if (playTimer) clearTimeout(playTimer);
  playTimer = undefined;
  scheduleRender();
}

scrub.addEventListener('input', () => {
  pause();
  goto(Number(scrub.value), 'scrub');
});

document.addEventListener('keydown', (ev) => {
  // The report is a page of buttons and links: the keys are theirs.
  if (mode === 'report') return;
  const t = ev.target as HTMLElement | null;
  if (t && (t.closest('vscode-dropdown') || (t instanceof HTMLInputElement && t.type !== 'range') || t instanceof HTMLTextAreaElement)) return;
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  let handled = true;
  switch (ev.key) {
    case ' ':
      togglePlay();
      break;
    case 'ArrowRight':
      pause();
      goto(ev.shiftKey && idx ? idx.nextChange(pos, 1) : pos + 1, 'user');
      break;
    case 'ArrowLeft':
      pause();
      goto(ev.shiftKey && idx ? idx.nextChange(pos, -1) : pos - 1, 'user');
      break;
    case 'Home':
      pause();
      goto(-1, 'user');
      break;
    case 'End':
      pause();
      if (idx) goto(idx.length - 1, 'user');
      break;
    default:
      handled = false;
  }
  if (handled) {
    ev.preventDefault();
    ev.stopPropagation();
  }
}, true);

// ---- the comparison report -------------------------------------------------------------------
/** What the panel shows: a trace (also before any content arrives), or the comparison report. */
let mode: 'trace' | 'report' = 'trace';
let report: CompareView | undefined;
/** The id the host keeps the report under for a window reload (the state saves only that). */
let savedReport: string | undefined;
/** Which of the report's counterexamples the trace is. */
let shownCounterexample: number | undefined;

function setMode(m: 'trace' | 'report'): void {
  mode = m;
  reportView.hidden = m !== 'report';
  traceView.hidden = m !== 'trace';
  if (m === 'report') {
    pause();
    if (report) document.title = `Compare before/after: ${report.patch}`;
  } else if (trace) {
    document.title = `${trace.scenario.id} on ${trace.tree}`;
  }
}

function showReport(view: CompareView): void {
  report = view;
  shownCounterexample = undefined;
  reportView.replaceChildren(renderReport(view, {
    showCounterexample: (k) => send({ v: PROTOCOL_VERSION, type: 'showCounterexample', index: k }),
    copyText: () => send({ v: PROTOCOL_VERSION, type: 'compareText', action: 'copy' }),
    openText: () => send({ v: PROTOCOL_VERSION, type: 'compareText', action: 'open' }),
  }));
  setMode('report');
  window.scrollTo(0, 0);
}

/** The trace arrived: the way back to the report, if it is one of its counterexamples (else the report is forgotten). */
function traceArrived(counterexample: number | undefined): void {
  if (counterexample === undefined) {
    report = undefined;
    savedReport = undefined;
  }
  shownCounterexample = report ? counterexample : undefined;
  const v = report?.scenarios.flatMap((s) => s.violations.map((x) => ({ s: s.id, x }))).find((e) => e.x.counterexample === shownCounterexample);
  reportNav.hidden = shownCounterexample === undefined;
  reportNavLabel.textContent = v ? `Counterexample: ${v.x.kind === 'new' ? 'new' : 'fixed'} ${v.x.invariant} in ${v.s} (${v.x.kind === 'new' ? report!.after : report!.before})` : '';
  // From the report, scrolled down: the trace starts at its top (the way back is there).
  if (mode === 'report') window.scrollTo(0, 0);
  setMode('trace');
}

function backToReport(): void {
  if (!report) return;
  // The editor follows no step of a trace no longer shown.
  if (hostTimer) clearTimeout(hostTimer);
  hostTimer = undefined;
  const k = shownCounterexample;
  setMode('report');
  send({ v: PROTOCOL_VERSION, type: 'backToReport' });
  if (saveTimer) clearTimeout(saveTimer);
  saveState();
  // Where the reader left: the violation whose counterexample it was.
  for (const e of Array.from(reportView.querySelectorAll<HTMLElement>('.cmp-violation.last-shown'))) e.classList.remove('last-shown');
  const box = k === undefined ? null : reportView.querySelector<HTMLElement>(`.cmp-violation[data-counterexample="${k}"]`);
  if (box) {
    box.classList.add('last-shown');
    box.scrollIntoView({ block: 'center' });
  }
}

// ---- export and state ----------------------------------------------------------------------
function exportSvg(): void {
  if (!idx || !trace) return;
  const root = getComputedStyle(document.documentElement);
  const css = resolveCssVars(DIAGRAM_CSS, (name) => root.getPropertyValue(name) || undefined);
  const s = idx.stepAt(pos);
  const caption = `${trace.scenario.id} on ${trace.tree} · ${s ? `after step ${s.i}: ${s.thread} ${s.fn}() at ${s.file}:${s.line}` : 'initial state'}`;
  const { svg } = diagramSvg({ view: idx.viewAt(pos), changed: idx.changedAt(pos), events: idx.eventsAt(pos), caption }, { embedCss: css, background: true });
  send({ v: PROTOCOL_VERSION, type: 'export', format: 'svg', svg });
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
let saveFirst = 0;
/**
 * Saves the position for a window reload, 400 ms after the last move; with a small trace also at
 * least every 3 s while it keeps moving. setState serialises the whole state, trace included: for
 * a large trace that is a long frame, so not while it is being played or scrubbed.
 */
function saveStateSoon(): void {
  if (!trace) return;
  const now = performance.now();
  if (!saveTimer) saveFirst = now;
  else clearTimeout(saveTimer);
  const small = (trace.steps.length ?? 0) < 3000;
  saveTimer = setTimeout(saveState, small && now - saveFirst > 3000 ? 0 : 400);
}

function saveState(): void {
  saveTimer = undefined;
  // The report: its id (the host keeps the report); a counterexample of it: the trace and the id.
  if (mode === 'report') vscode.setState(savedReport ? ({ v: 1, report: savedReport } satisfies PanelState) : undefined);
  else if (trace) {
    const of = savedReport && shownCounterexample !== undefined ? { report: savedReport, counterexample: shownCounterexample } : {};
    vscode.setState({ v: 1, trace, step: pos, speed, changesOnly, ...of } satisfies PanelState);
  }
}

// ---- messages from the host ------------------------------------------------------------------
function afterPaint(name: string, sentAt?: number): void {
  requestAnimationFrame(() => setTimeout(() => {
    performance.mark(`kp-${name}`);
    perf[name] ??= epoch();
    // Every trace shown (a panel reused for a new run): when it was posted, when it was on screen.
    if (sentAt !== undefined) {
      perf.lastSentAt = sentAt;
      perf.lastPaint = epoch();
    }
    publishPerf();
  }, 0));
}

function receive(m: HostMessage): void {
  switch (m.type) {
    case 'trace': {
      perf.traceReceived ??= epoch();
      if (m.sentAt !== undefined) perf.traceSentAt ??= m.sentAt;
      traceArrived(m.counterexample);
      setTrace(m.trace as PanelTrace, m.step, true);
      afterPaint('firstPaint', m.sentAt);
      // The trace is saved for a reload once it is on screen (a large one takes a moment to serialise).
      setTimeout(saveState, 50);
      break;
    }
    case 'traceText': {
      perf.traceReceived ??= epoch();
      if (m.sentAt !== undefined) perf.traceSentAt ??= m.sentAt;
      let data: unknown;
      try {
        data = JSON.parse(m.json);
      } catch (e) {
        throw new Error(`the trace is not JSON (${e instanceof Error ? e.message : String(e)})`);
      }
      const problem = panelTraceProblem(data);
      if (problem) throw new Error(`the trace cannot be shown: ${problem}`);
      perf.traceParsed ??= epoch();
      traceArrived(m.counterexample);
      setTrace(data as PanelTrace, m.step, true);
      afterPaint('firstPaint', m.sentAt);
      setTimeout(saveState, 50);
      break;
    }
    case 'goto':
      pause();
      goto(m.step, 'host');
      break;
    case 'compareReport':
      showReport(m.report);
      savedReport = m.saved;
      // A reload brings back the report if the host kept it; else nothing, rather than a trace it replaced.
      if (saveTimer) clearTimeout(saveTimer);
      saveState();
      break;
    case 'reportSaved':
      savedReport = m.saved;
      if (mode === 'report') saveState();
      else saveStateSoon();
      break;
    case 'status':
      // Before the first trace, or while a new run for this panel is under way (cleared when it comes).
      setStatus(m.message);
      break;
    case 'error':
      setStatus(m.message, 'error');
      break;
    default:
      console.warn(`simulation panel: ignored a ${m.type} message`);
  }
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const arrived = epoch();
  const m = parseHostMessage(ev.data);
  if (m?.type === 'trace' || m?.type === 'traceText') {
    perf.traceArrived ??= arrived;
    perf.traceChecked ??= epoch();
  }
  if (!m) {
    const problem = typeof ev.data === 'object' && ev.data !== null && (ev.data as { type?: unknown }).type === 'trace' ? panelTraceProblem((ev.data as { trace?: unknown }).trace) : undefined;
    console.warn('simulation panel: ignored a malformed message', problem ?? '', ev.data);
    perf.rejected = (perf.rejected ?? 0) + 1;
    publishPerf();
    return;
  }
  try {
    receive(m);
  } catch (e) {
    console.error('simulation panel: could not show that message', e);
    setStatus(`Could not show the trace: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }
});

// A reload restores the saved trace at once; the host sends it again after `ready` (same trace: only the step moves).
if (saved) {
  try {
    setTrace(saved.trace as PanelTrace, saved.step, false);
    perf.restored = epoch();
    // The editor shows that step's line again.
    tellHost('now');
  } catch (e) {
    console.error('simulation panel: could not restore the saved trace', e);
  }
}

(window as unknown as { kpsimPanel: unknown }).kpsimPanel = {
  position: (): number => pos,
  length: (): number => idx?.length ?? 0,
  playing: (): boolean => playing,
  /** 'trace' or 'report' (a comparison's). */
  mode: (): string => mode,
  /** How long the last render took (script only), ms. */
  renderMs: (): number => renderMs,
};
afterPaint('shellPaint');
send({ v: PROTOCOL_VERSION, type: 'ready' });
publishPerf();
