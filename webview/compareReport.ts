// The "Compare before/after" report in the simulation panel: title, what was applied, the summary
// and what bounded it, an overview of the scenarios, then each scenario's new and fixed violations
// (a button per counterexample), changed default run and errors. DOM only; the data is a CompareView
// the host made and protocol.ts checked. Controls come from ui.ts.
import type { CompareChangeView, CompareScenarioView, CompareView, CompareViolationView } from '../extension/views/compareView';
import { counted } from './reportModel';
import { button } from './ui';

export interface ReportActions {
  showCounterexample(k: number): void;
  copyText(): void;
  openText(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const TONE_LABEL: Record<CompareScenarioView['tone'], string> = {
  new: 'NEW', fixed: 'FIXED', error: 'ERROR', incomplete: 'BOUNDED', changed: 'CHANGED', same: 'SAME',
};

function tone(t: CompareScenarioView['tone']): HTMLElement {
  return el('span', `tone tone-${t}`, TONE_LABEL[t]);
}

/** An id for a scenario's section (scenario ids are [a-z0-9-], but never trust one in a selector). */
export function sectionId(scenario: string): string {
  return `scenario-${scenario.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function list(cls: string, items: readonly string[]): HTMLUListElement {
  const ul = el('ul', cls);
  for (const t of items) ul.append(el('li', undefined, t));
  return ul;
}

/** A table of changed fields; `field` names its column when the rows have several fields (the end state's), else it is left out. */
function changesTable(caption: string, rows: readonly CompareChangeView[], where: string, field?: string): HTMLElement {
  const box = el('div', 'cmp-block');
  box.append(el('h4', undefined, caption));
  const table = el('table', 'cmp-changes');
  const head = el('tr');
  for (const h of [where, ...(field ? [field] : []), 'before', 'after']) head.append(el('th', undefined, h));
  table.append(head);
  for (const r of rows) {
    const tr = el('tr');
    tr.append(el('td', 'mono key', r.where), ...(field ? [el('td', 'mono key', r.field)] : []), el('td', 'mono before', r.before), el('td', 'mono after', r.after));
    table.append(tr);
  }
  box.append(table);
  return box;
}

function violation(v: CompareViolationView, actions: ReportActions): HTMLElement {
  const box = el('div', `cmp-violation ${v.kind}`);
  if (v.counterexample !== undefined) box.dataset.counterexample = String(v.counterexample);
  const head = el('div', 'cmp-violation-head');
  head.append(el('span', `tone tone-${v.kind}`, v.kind === 'new' ? 'NEW' : 'FIXED'), el('span', 'mono inv', v.invariant), el('span', 'inv-title', v.title));
  box.append(head);
  box.append(el('p', 'cmp-message', v.kind === 'fixed' ? `Before the patch: ${v.message}` : v.message));
  const facts = el('p', 'cmp-facts muted');
  facts.append(document.createTextNode(`${v.steps} scheduling decision${v.steps === 1 ? '' : 's'}${v.at ? ` · seen at ${v.at}` : ''}`));
  box.append(facts);
  box.append(el('p', 'cmp-schedule mono', `schedule: ${v.schedule}`));
  if (v.caveat) box.append(el('p', 'cmp-caveat', `Note: ${v.caveat}`));
  if (v.counterexample !== undefined) {
    const k = v.counterexample;
    const tree = v.kind === 'new' ? 'with the patch' : 'without the patch';
    const b = button({ id: `show-counterexample-${k}`, label: 'Show counterexample', title: `Animate the counterexample of ${v.invariant} (${tree}) in this panel`, onClick: () => actions.showCounterexample(k) });
    b.el.classList.add('show-counterexample');
    box.append(b.el);
  } else {
    box.append(el('p', 'muted', 'No counterexample to show: it could not be replayed (see the errors).'));
  }
  return box;
}

function hasDetails(s: CompareScenarioView): boolean {
  return s.violations.length + s.endState.length + s.results.length + s.events.added.length + s.events.removed.length + s.checks.length + s.errors.length + s.unmodelled.length > 0;
}

function scenario(s: CompareScenarioView, actions: ReportActions): HTMLElement {
  const sec = el('section', 'cmp-scenario');
  sec.id = sectionId(s.id);
  const h = el('h3');
  h.append(tone(s.tone), el('span', 'mono', s.id));
  sec.append(h);
  sec.append(el('p', 'cmp-verdict', s.verdict));
  const ex = el('p', 'cmp-exploration muted');
  ex.textContent = `Explored before: ${s.exploration.before}. After: ${s.exploration.after}.`;
  sec.append(ex);
  for (const v of s.violations) sec.append(violation(v, actions));
  if (s.endState.length) sec.append(changesTable('End state (default run, no race)', s.endState, 'address', 'field'));
  if (s.results.length) sec.append(changesTable('How the threads ended (default run)', s.results, 'thread'));
  if (s.events.removed.length || s.events.added.length) {
    const box = el('div', 'cmp-block');
    box.append(el('h4', undefined, 'MMU-notifier invalidations (default run)'));
    const ul = el('ul', 'cmp-events mono');
    // A livelock repeats one invalidation hundreds of times: each line once, with its count.
    for (const [e, n] of counted(s.events.removed)) ul.append(el('li', 'removed', `− ${n > 1 ? `${n}× ` : ''}${e}`));
    for (const [e, n] of counted(s.events.added)) ul.append(el('li', 'added', `+ ${n > 1 ? `${n}× ` : ''}${e}`));
    box.append(ul);
    sec.append(box);
  }
  if (s.checks.length) sec.append(changesTable('Checks (default run)', s.checks, 'check'));
  if (s.errors.length) {
    const box = el('div', 'cmp-block');
    box.append(el('h4', undefined, 'Errors'), list('cmp-errors', s.errors));
    sec.append(box);
  }
  if (s.unmodelled.length) {
    const box = el('div', 'cmp-block');
    box.append(el('h4', undefined, 'Not modelled after the patch (paths through them were not followed)'), list('mono', s.unmodelled));
    sec.append(box);
  }
  return sec;
}

/** The report's page. */
export function renderReport(view: CompareView, actions: ReportActions): HTMLElement {
  const root = el('div', 'cmp-report');
  const head = el('header', 'head');
  const title = el('div', 'title');
  const h1 = el('h1', undefined, `Compare before/after: ${view.patch}`);
  const trees = el('div', 'subtitle muted', `${view.before} → ${view.after}`);
  title.append(h1, trees);
  const exports = el('div', 'exports');
  exports.append(
    button({ id: 'copy-report', label: 'Copy as text', title: 'Copy the report as plain text (for a mail reply) to the clipboard', appearance: 'secondary', onClick: () => actions.copyText() }).el,
    button({ id: 'open-report', label: 'Open as text', title: 'Open the report as a plain-text document', appearance: 'secondary', onClick: () => actions.openText() }).el,
  );
  head.append(title, exports);
  root.append(head);

  if (view.applied.length || view.skipped.length || view.notes.length) {
    const box = el('div', 'cmp-patches');
    if (view.applied.length) box.append(el('h4', undefined, 'Applied (in memory)'), list('', view.applied));
    if (view.skipped.length) box.append(el('h4', undefined, 'Skipped'), list('', view.skipped));
    if (view.notes.length) box.append(el('h4', undefined, 'Notes'), list('', view.notes));
    root.append(box);
  }

  const summary = el('div', 'cmp-summary');
  summary.id = 'compare-summary';
  const worst = view.scenarios.some((s) => s.tone === 'new') ? 'new' : view.scenarios.some((s) => s.tone === 'error') ? 'error' : view.limits.length ? 'incomplete' : 'same';
  summary.classList.add(`tone-border-${worst}`);
  summary.append(el('p', 'cmp-summary-line', view.summary));
  if (view.limits.length) summary.append(list('cmp-limits', view.limits));
  root.append(summary);

  // The overview: one row per scenario, its verdict; a click goes to its details.
  const table = el('table', 'cmp-overview');
  for (const s of view.scenarios) {
    const tr = el('tr');
    const name = el('td', 'mono');
    if (hasDetails(s)) {
      const a = el('a', undefined, s.id);
      a.href = '#';
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        document.getElementById(sectionId(s.id))?.scrollIntoView({ block: 'start' });
      });
      name.append(a);
    } else {
      name.textContent = s.id;
    }
    const t = el('td');
    t.append(tone(s.tone));
    tr.append(t, name, el('td', 'cmp-verdict', s.verdict));
    table.append(tr);
  }
  root.append(table);

  for (const s of view.scenarios) if (hasDetails(s)) root.append(scenario(s, actions));

  const model = el('details', 'cmp-model');
  model.append(el('summary', undefined, 'What the model and the comparison assume'), list('', view.assumptions));
  root.append(model);
  return root;
}
