/**
 * The state diagram of the simulation panel as SVG markup: the CPU page table (one PTE chip per
 * address, coloured by kind; the child's after a fork), folio cards, device cards, the locks and
 * the MMU-notifier state, and each running invalidation as arrows from the mm to the devices it
 * reached (dashed when the driver filtered it). Pure: a string out, so it is tested without a DOM
 * and exported as a file as is.
 *
 * Colours are classes; DIAGRAM_CSS maps them to VS Code theme variables (light, dark and
 * high-contrast themes all define them), with fallbacks for a file opened outside VS Code.
 */
import type { AddressView, PteKind, PteView, ViewModel } from '../extension/engine/trace/view';
import { type ChangeMark, type EventArrow, changeMark } from './panelModel';

export interface DiagramInput {
  view: ViewModel;
  /** Dotted paths of the fields the current step changed. */
  changed: ReadonlySet<string>;
  events: readonly EventArrow[];
  /** A line above the diagram (scenario, tree, step). */
  caption?: string;
}

export interface DiagramOptions {
  /** A <style> to embed (for a standalone file); the live panel styles it from its own sheet. */
  embedCss?: string;
  /** Paint the theme's editor background behind it (a standalone file has none of its own). */
  background?: boolean;
  /** The width to lay out for, in px (the panel's); default 900. */
  width?: number;
}

export const PTE_KIND_TITLES: Record<PteKind, string> = {
  'present-rw': 'present rw',
  'present-ro': 'present ro',
  'device-exclusive': 'device-exclusive',
  none: 'none',
  migration: 'migration',
  swap: 'swap',
  'device-private': 'device-private',
  other: 'other',
};

const FONT = 11;
const CHAR = FONT * 0.6;
const SMALL = 10;
const LINE = 16;
const PAD = 10;
/** The narrowest the diagram lays itself out for (narrower, it scales down). */
export const MIN_WIDTH = 520;

/** Where things go, for a given width: the mm on the left, the devices on the right, the arrows between. */
interface Layout {
  W: number;
  mmX: number;
  mmW: number;
  gapX: number;
  gapW: number;
  devX: number;
  devW: number;
}

function layout(width: number): Layout {
  const W = Math.max(MIN_WIDTH, Math.round(width));
  const devW = Math.max(180, Math.min(280, Math.round(W * 0.3)));
  const gapW = Math.max(140, Math.min(240, Math.round(W * 0.24)));
  const mmW = W - 2 * PAD - devW - gapW;
  return { W, mmX: PAD, mmW, gapX: PAD + mmW, gapW, devX: W - PAD - devW, devW };
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function textWidth(s: string, size = FONT): number {
  return s.length * size * 0.6;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

function charsIn(w: number, size = FONT): number {
  return Math.max(4, Math.floor(w / (size * 0.6)));
}

class Svg {
  readonly parts: string[] = [];
  add(s: string): void {
    this.parts.push(s);
  }
  /** A text item; highlighted (background + bold) when it changed. */
  text(x: number, y: number, s: string, cls = '', mark?: ChangeMark, attrs = '', size = FONT): void {
    if (mark) this.add(`<rect class="kp-chg-bg" x="${x - 2}" y="${y - size}" width="${round(textWidth(s, size) + 4)}" height="${size + 4}" rx="2"/>`);
    const c = [cls, mark ? 'kp-chg-text' : ''].filter(Boolean).join(' ');
    this.add(`<text x="${round(x)}" y="${round(y)}"${c ? ` class="${c}"` : ''}${attrs}>${escapeXml(s)}</text>`);
  }
  box(x: number, y: number, w: number, h: number, cls: string, mark?: ChangeMark, attrs = ''): void {
    this.add(`<rect class="${cls}${mark ? ' kp-chg' : ''}" x="${round(x)}" y="${round(y)}" width="${round(w)}" height="${round(h)}" rx="4"${attrs}/>`);
  }
  /**
   * Text items left to right, wrapping to the next line when the width is used up; returns the
   * height taken. Each item may be highlighted on its own.
   */
  flow(x: number, y: number, w: number, items: { text: string; cls?: string; mark?: ChangeMark; attrs?: string }[]): number {
    let cx = x;
    let cy = y;
    for (const it of items) {
      const t = clip(it.text, charsIn(w));
      const tw = textWidth(t);
      if (cx > x && cx + tw > x + w) {
        cx = x;
        cy += LINE;
      }
      this.text(cx, cy, t, it.cls, it.mark, it.attrs);
      cx += tw + 12;
    }
    return cy - y + LINE;
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The chip of one PTE: a rounded box coloured by kind, its kind in bold and the entry after it. */
function pteChip(g: Svg, x: number, y: number, w: number, pte: PteView, mark: ChangeMark, role: string, addr: string, who: string): number {
  const kind = PTE_KIND_TITLES[pte.kind];
  let rest = pte.kind === 'none' ? '' : pte.label.replace(/^(present|device-exclusive|migration|device-private|swap)-?\s*/, '');
  if (pte.kind === 'present-rw' || pte.kind === 'present-ro') rest = rest.replace(/ r[wo]\b/, '');
  // The entry beside its kind when it fits, else under it.
  const beside = textWidth(kind) + 24 + textWidth(rest, SMALL) <= w;
  const h = rest && !beside ? 38 : 24;
  g.add(`<g class="kp-pte kind-${pte.kind}" data-role="${role}" data-addr="${escapeXml(addr)}" data-kind="${pte.kind}"${mark ? ' data-changed="1"' : ''}>`);
  g.add(`<title>${escapeXml(`${who} PTE at ${addr}: ${pte.label}`)}</title>`);
  g.box(x, y, w, h, 'kp-chip', mark);
  g.text(x + 8, y + 16, kind, 'kp-chip-kind');
  if (rest && beside) g.text(x + 16 + textWidth(kind), y + 16, rest, 'kp-chip-detail', undefined, '', SMALL);
  else if (rest) g.text(x + 8, y + 31, clip(rest, charsIn(w - 16, SMALL)), 'kp-chip-detail', undefined, '', SMALL);
  g.add('</g>');
  return h;
}

function folioCard(g: Svg, x: number, y: number, w: number, a: AddressView, k: number, changed: ReadonlySet<string>): number {
  const f = a.folio!;
  const base = `addresses.${k}.folio`;
  const inner = new Svg();
  inner.text(x + 8, y + 15, `folio pfn ${f.pfn}`, 'kp-title', changeMark(changed, `${base}.pfn`));
  if (f.freed) inner.text(x + 8 + textWidth(`folio pfn ${f.pfn}  `), y + 15, 'FREED', 'kp-bad', changeMark(changed, `${base}.freed`));
  const m = (p: string): ChangeMark => changeMark(changed, `${base}.${p}`);
  const fh = inner.flow(x + 8, y + 15 + LINE, w - 16, [
    { text: `refcount ${f.refcount}`, mark: m('refcount') },
    { text: `mapcount ${f.mapcount}`, mark: m('mapcount') },
    { text: f.dirty ? 'dirty' : 'clean', cls: f.dirty ? '' : 'kp-muted', mark: m('dirty') },
    { text: f.locked ? `locked by ${f.locked}` : 'unlocked', cls: f.locked ? 'kp-held' : 'kp-muted', mark: m('locked') },
  ]);
  const h = LINE + fh + 8;
  g.add(`<g class="kp-folio" data-role="folio" data-addr="${escapeXml(a.addr)}">`);
  g.box(x, y, w, h, f.freed ? 'kp-card kp-freed' : 'kp-card', changeMark(changed, base));
  g.parts.push(...inner.parts);
  g.add('</g>');
  return h;
}

function addressBlock(g: Svg, x: number, y: number, w: number, a: AddressView, k: number, changed: ReadonlySet<string>): number {
  let h = 0;
  g.text(x, y + 12, `address ${a.addr}`, 'kp-title');
  h += LINE + 2;
  h += pteChip(g, x, y + h, w, a.pte, changeMark(changed, `addresses.${k}.pte`), 'pte', a.addr, 'CPU') + 4;
  if (a.childPte) {
    g.text(x, y + h + 12, 'child after fork', 'kp-muted');
    h += LINE;
    h += pteChip(g, x, y + h, w, a.childPte, changeMark(changed, `addresses.${k}.childPte`), 'child-pte', a.addr, 'child') + 4;
  }
  if (a.folio) h += folioCard(g, x, y + h + 2, w, a, k, changed) + 2;
  else {
    g.text(x + 8, y + h + 14, 'no folio mapped', 'kp-muted', changeMark(changed, `addresses.${k}.folio`));
    h += LINE + 4;
  }
  return h;
}

interface DeviceSlot {
  name: string;
  y: number;
  h: number;
}

/** The last hex digits of an address, enough to tell the scenario's pages apart. */
function shortAddr(addr: string): string {
  return addr.length > 7 ? `…${addr.slice(-5)}` : addr;
}

function deviceCards(g: Svg, L: Layout, y0: number, view: ViewModel, changed: ReadonlySet<string>): DeviceSlot[] {
  const slots: DeviceSlot[] = [];
  let y = y0;
  const w = L.devW;
  view.devices.forEach((d, j) => {
    const base = `devices.${j}`;
    const entryMarks = view.addresses.map((_, k) => changeMark(changed, `addresses.${k}.devices.${d.name}`));
    const inner = new Svg();
    inner.text(L.devX + 8, y + 15, clip(d.name, charsIn(w - 16)), 'kp-title');
    let h = LINE;
    h += inner.flow(L.devX + 8, y + 15 + h, w - 16, [{ text: d.driver, cls: 'kp-muted' }]);
    h += inner.flow(L.devX + 8, y + 15 + h, w - 16, [
      { text: d.mutex ? `mutex held by ${d.mutex}` : 'mutex free', cls: d.mutex ? 'kp-held' : 'kp-muted', mark: changeMark(changed, `${base}.mutex`) },
      { text: `notifier seq ${d.seq}`, mark: changeMark(changed, `${base}.seq`) },
    ]);
    view.addresses.forEach((a, k) => {
      const e = a.devices[d.name] ?? '';
      h += inner.flow(L.devX + 8, y + 15 + h, w - 16, [{
        text: `${shortAddr(a.addr)} → ${e || '—'}`, cls: e ? (e.includes('atomic') ? 'kp-atomic' : '') : 'kp-muted', mark: entryMarks[k],
        attrs: ` data-role="device-entry" data-addr="${escapeXml(a.addr)}" data-entry="${escapeXml(e)}"`,
      }]);
    });
    h += 8;
    g.add(`<g class="kp-device" data-role="device" data-device="${escapeXml(d.name)}">`);
    g.box(L.devX, y, w, h, 'kp-card kp-device-card', changeMark(changed, base) ?? (entryMarks.some(Boolean) ? 'within' : undefined));
    g.parts.push(...inner.parts);
    g.add('</g>');
    slots.push({ name: d.name, y, h });
    y += h + 10;
  });
  return slots;
}

/** The label lines of an event, wrapped to the gap's width. */
function eventLines(e: EventArrow, chars: number): string[] {
  const lines = [e.event];
  if (e.range.length <= chars) lines.push(e.range);
  else {
    const cut = e.range.indexOf(', ');
    lines.push(e.range.slice(0, cut + 1), ` ${e.range.slice(cut + 2)}`);
  }
  const who = `owner ${e.owner} · by ${e.thread}`;
  if (who.length <= chars) lines.push(who);
  else lines.push(`owner ${e.owner}`, `by ${e.thread}`);
  if (!e.deliveries.length) lines.push('no device notified');
  if (e.phase === 'ended') lines.push('(over)');
  return lines;
}

function arrows(g: Svg, L: Layout, events: readonly EventArrow[], slots: DeviceSlot[], mmTop: number): void {
  if (!events.length) return;
  const x1 = L.gapX + 2;
  const x2 = L.devX - 4;
  // The labels stack at the top of the gap; the arrows run below them, into each device's card.
  let ly = mmTop + 14;
  const chars = charsIn(L.gapW - 14, SMALL);
  const placed = events.map((e) => {
    const lines = eventLines(e, chars);
    const top = ly;
    ly += lines.length * 12 + 6;
    return { e, lines, top };
  });
  const below = ly + 2;
  placed.forEach(({ e, lines, top }, n) => {
    const cls = e.phase === 'ended' ? 'kp-ev-ended' : 'kp-ev';
    g.add(`<g class="kp-event ${cls}" data-role="event" data-event="${escapeXml(e.event)}" data-phase="${e.phase}">`);
    lines.forEach((l, k) => g.text(L.gapX + 8, top + k * 12, clip(l, chars), k === 0 ? 'kp-ev-name' : l === 'no device notified' || l === '(over)' ? 'kp-muted kp-small' : 'kp-ev-detail', undefined, '', SMALL));
    for (const d of e.deliveries) {
      const s = slots.find((x) => x.name === d.device);
      if (!s) continue;
      const y = Math.min(Math.max(below + n * 10, s.y + 12), s.y + s.h - 8);
      const c = d.filtered ? 'kp-arrow kp-filtered' : 'kp-arrow';
      g.add(`<g data-role="delivery" data-device="${escapeXml(d.device)}" data-filtered="${d.filtered ? 1 : 0}">`);
      g.add(`<title>${escapeXml(`${e.event} ${e.range} to ${d.device}: ${d.filtered ? 'filtered out by the driver (owner matches)' : 'delivered'}`)}</title>`);
      g.add(`<line class="${c}" x1="${x1}" y1="${y}" x2="${x2 - (d.filtered ? 6 : 0)}" y2="${y}"${d.filtered ? '' : ' marker-end="url(#kp-head)"'}/>`);
      if (d.filtered) {
        g.add(`<line class="${c} kp-bar" x1="${x2 - 6}" y1="${y - 7}" x2="${x2 - 6}" y2="${y + 7}"/>`);
        g.text(x2 - 58, y + 14, 'filtered', 'kp-ev-detail', undefined, '', SMALL);
      }
      g.add('</g>');
    }
    g.add('</g>');
  });
}

function locksBox(g: Svg, x: number, y: number, w: number, view: ViewModel, changed: ReadonlySet<string>): number {
  const names = Object.keys(view.locks);
  const h = (1 + names.length) * LINE + 10;
  const nameChars = Math.min(22, Math.max(10, charsIn(w / 2)));
  g.add('<g data-role="locks">');
  g.box(x, y, w, h, 'kp-box', changeMark(changed, 'locks'));
  g.text(x + 8, y + 15, 'locks', 'kp-title');
  names.forEach((n, k) => {
    const holder = view.locks[n];
    const yy = y + 15 + (k + 1) * LINE;
    g.text(x + 8, yy, clip(n, nameChars), '');
    g.text(x + 8 + (nameChars + 1) * CHAR, yy, clip(holder ? `held by ${holder}` : 'free', charsIn(w - 16 - (nameChars + 1) * CHAR)), holder ? 'kp-held' : 'kp-muted', changeMark(changed, `locks.${n}`),
      ` data-role="lock" data-lock="${escapeXml(n)}" data-holder="${escapeXml(holder)}"`);
  });
  g.add('</g>');
  return h;
}

function notifierBox(g: Svg, x: number, y: number, w: number, view: ViewModel, changed: ReadonlySet<string>): number {
  const n = view.notifier;
  const inner = new Svg();
  inner.text(x + 8, y + 15, 'MMU notifiers of the mm', 'kp-title');
  let h = LINE;
  h += inner.flow(x + 8, y + 15 + h, w - 16, [
    { text: `invalidate_seq ${n.seq}`, mark: changeMark(changed, 'notifier.seq') },
    { text: `active ${n.active}`, cls: n.active ? 'kp-held' : 'kp-muted', mark: changeMark(changed, 'notifier.active') },
  ]);
  const ev = n.event ? `running ${n.event}` : 'no invalidation running';
  const evMark = changeMark(changed, 'notifier.event');
  if (n.event && textWidth(ev) > w - 16) {
    const cut = n.event.indexOf(' [');
    h += inner.flow(x + 8, y + 15 + h, w - 16, [{ text: `running ${n.event.slice(0, cut)}`, cls: 'kp-ev-name', mark: evMark }]);
    h += inner.flow(x + 8, y + 15 + h, w - 16, [{ text: n.event.slice(cut + 1), cls: 'kp-ev-detail', mark: evMark }]);
  } else h += inner.flow(x + 8, y + 15 + h, w - 16, [{ text: ev, cls: n.event ? 'kp-ev-name' : 'kp-muted', mark: evMark }]);
  h += 8;
  g.add('<g data-role="notifier">');
  g.box(x, y, w, h, 'kp-box', changeMark(changed, 'notifier'));
  g.parts.push(...inner.parts);
  g.add('</g>');
  return h;
}

const LEGEND: PteKind[] = ['present-rw', 'present-ro', 'device-exclusive', 'none', 'migration', 'swap', 'device-private'];

function legend(g: Svg, L: Layout, y: number): number {
  let x = L.mmX;
  let yy = y;
  g.add('<g data-role="legend">');
  for (const k of LEGEND) {
    const t = PTE_KIND_TITLES[k];
    const w = 16 + textWidth(t, SMALL) + 14;
    if (x + w > L.W - PAD) {
      x = L.mmX;
      yy += LINE;
    }
    g.add(`<g class="kp-pte kind-${k}">`);
    g.box(x, yy, 12, 12, 'kp-chip');
    g.add('</g>');
    g.text(x + 16, yy + 10, t, 'kp-muted kp-small', undefined, '', SMALL);
    x += w;
  }
  g.add('</g>');
  return yy - y + LINE;
}

/** The whole diagram, laid out for `width` px: returns the SVG markup and its size in user units. */
export function diagramSvg(input: DiagramInput, options: DiagramOptions = {}): { svg: string; width: number; height: number } {
  const { view, changed, events } = input;
  const L = layout(options.width ?? 900);
  const g = new Svg();
  let y = PAD;
  if (input.caption) {
    y += PAD + g.flow(PAD, y + 12, L.W - 2 * PAD, [{ text: input.caption, cls: 'kp-muted' }]) - LINE;
    y += LINE + 4 - PAD;
  }
  // Locks and the notifier state side by side when they fit, else one above the other.
  const topW = L.W - 2 * PAD;
  if (topW >= 560) {
    const w = (topW - 10) / 2;
    y += Math.max(locksBox(g, PAD, y, w, view, changed), notifierBox(g, PAD + w + 10, y, w, view, changed)) + 12;
  } else {
    y += locksBox(g, PAD, y, topW, view, changed) + 8;
    y += notifierBox(g, PAD, y, topW, view, changed) + 12;
  }
  // The mm: one block per address; the devices beside it; the invalidations between them.
  const mmTop = y;
  const inner = new Svg();
  let h = LINE + 6;
  view.addresses.forEach((a, k) => {
    h += addressBlock(inner, L.mmX + 10, mmTop + h, L.mmW - 20, a, k, changed) + 8;
  });
  const slots = deviceCards(g, L, mmTop, view, changed);
  const devBottom = slots.length ? slots[slots.length - 1].y + slots[slots.length - 1].h : mmTop;
  h = Math.max(h, devBottom - mmTop);
  g.add('<g data-role="mm">');
  g.box(L.mmX, mmTop, L.mmW, h, 'kp-box');
  g.text(L.mmX + 8, mmTop + 15, 'CPU page table (mm)', 'kp-title');
  g.parts.push(...inner.parts);
  g.add('</g>');
  if (!slots.length) g.text(L.devX, mmTop + 15, 'no device', 'kp-muted');
  arrows(g, L, events, slots, mmTop);
  y = mmTop + h + 12;
  y += legend(g, L, y) + PAD;
  const height = Math.ceil(y);
  const W = L.W;
  const style = options.embedCss ? `<style>${options.embedCss}</style>` : '';
  const defs = '<defs><marker id="kp-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="kp-head" d="M0,0 L10,5 L0,10 z"/></marker></defs>';
  const bg = options.background ? `<rect class="kp-bg" x="0" y="0" width="${W}" height="${height}"/>` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="kp-diagram" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${escapeXml(describe(input))}">${style}${defs}${bg}${g.parts.join('')}</svg>`;
  return { svg, width: W, height };
}

/** A one-line text summary (the diagram's accessible name). */
export function describe(input: DiagramInput): string {
  const a = input.view.addresses.map((x) => `${x.addr}: ${PTE_KIND_TITLES[x.pte.kind]}`).join('; ');
  return `State: ${a}${input.events.length ? `; ${input.events.map((e) => e.event).join(', ')}` : ''}`;
}

/**
 * The diagram's stylesheet: every colour a VS Code theme variable (with a fallback for a file
 * opened elsewhere). Chips are tinted fills with a solid border and foreground text, so they read
 * on light, dark and high-contrast backgrounds alike.
 */
export const DIAGRAM_CSS = `
.kp-diagram { max-width: 100%; height: auto; }
.kp-diagram .kp-bg { fill: var(--vscode-editor-background, #ffffff); }
.kp-diagram text { font-family: var(--vscode-editor-font-family, monospace); font-size: ${FONT}px; fill: var(--vscode-foreground, #3b3b3b); white-space: pre; }
.kp-diagram .kp-small, .kp-diagram .kp-chip-detail, .kp-diagram .kp-ev-name, .kp-diagram .kp-ev-detail { font-size: ${SMALL}px; }
.kp-diagram .kp-title { font-weight: 600; }
.kp-diagram .kp-muted { fill: var(--vscode-descriptionForeground, #717171); }
.kp-diagram .kp-held { fill: var(--vscode-charts-orange, #d18616); font-weight: 600; }
.kp-diagram .kp-bad { fill: var(--vscode-errorForeground, #e51400); font-weight: 700; }
.kp-diagram .kp-atomic { fill: var(--vscode-charts-purple, #652d90); font-weight: 600; }
.kp-diagram .kp-box { fill: var(--vscode-editorWidget-background, #f8f8f8); stroke: var(--vscode-contrastBorder, var(--vscode-editorWidget-border, #c8c8c8)); stroke-width: 1; }
.kp-diagram .kp-card { fill: var(--vscode-editor-background, #ffffff); stroke: var(--vscode-contrastBorder, var(--vscode-panel-border, #c8c8c8)); stroke-width: 1; }
.kp-diagram .kp-freed { stroke-dasharray: 4 3; }
.kp-diagram .kp-chip { stroke-width: 1.5; fill-opacity: 0.22; }
.kp-diagram .kp-chip-kind { font-weight: 700; }
.kp-diagram .kind-present-rw .kp-chip { fill: var(--vscode-charts-green, #388a34); stroke: var(--vscode-charts-green, #388a34); }
.kp-diagram .kind-present-ro .kp-chip { fill: var(--vscode-charts-blue, #1a85ff); stroke: var(--vscode-charts-blue, #1a85ff); }
.kp-diagram .kind-device-exclusive .kp-chip { fill: var(--vscode-charts-purple, #652d90); stroke: var(--vscode-charts-purple, #652d90); }
.kp-diagram .kind-none .kp-chip { fill: transparent; stroke: var(--vscode-descriptionForeground, #717171); stroke-dasharray: 4 3; }
.kp-diagram .kind-migration .kp-chip { fill: var(--vscode-charts-orange, #d18616); stroke: var(--vscode-charts-orange, #d18616); }
.kp-diagram .kind-swap .kp-chip { fill: var(--vscode-charts-yellow, #bf8803); stroke: var(--vscode-charts-yellow, #bf8803); }
.kp-diagram .kind-device-private .kp-chip { fill: var(--vscode-charts-red, #e51400); stroke: var(--vscode-charts-red, #e51400); }
.kp-diagram .kind-other .kp-chip { fill: var(--vscode-charts-foreground, #616161); stroke: var(--vscode-charts-foreground, #616161); }
.kp-diagram .kp-chg { stroke: var(--vscode-editorWarning-foreground, #bf8803); stroke-width: 3; }
.kp-diagram .kp-chg-bg { fill: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.33)); stroke: var(--vscode-editor-findMatchHighlightBorder, transparent); }
.kp-diagram .kp-chg-text { font-weight: 700; }
.kp-diagram .kp-arrow { stroke: var(--vscode-charts-orange, #d18616); stroke-width: 2; }
.kp-diagram .kp-filtered { stroke: var(--vscode-descriptionForeground, #717171); stroke-dasharray: 6 4; }
.kp-diagram .kp-bar { stroke-dasharray: none; stroke-width: 3; }
.kp-diagram .kp-head { fill: var(--vscode-charts-orange, #d18616); }
.kp-diagram .kp-ev-name { font-weight: 700; fill: var(--vscode-charts-orange, #d18616); }
.kp-diagram .kp-ev-detail { fill: var(--vscode-foreground, #3b3b3b); }
.kp-diagram .kp-ev-ended { opacity: 0.55; }
.kp-diagram .kp-ev-ended .kp-arrow:not(.kp-filtered) { stroke: var(--vscode-descriptionForeground, #717171); }
.kp-diagram .kp-ev-ended .kp-ev-name { fill: var(--vscode-descriptionForeground, #717171); }
`;

/** The CSS variables a stylesheet uses (to resolve them for a standalone file). */
export function cssVariables(css: string): string[] {
  return [...new Set([...css.matchAll(/var\((--[\w-]+)/g)].map((m) => m[1]))];
}

/**
 * Replaces each var(--x, fallback) with the value `resolve` gives for --x (the fallback when it
 * gives none): the exported SVG carries the colours of the theme it was saved in.
 */
export function resolveCssVars(css: string, resolve: (name: string) => string | undefined): string {
  // Innermost first: a fallback may itself be a var().
  let out = css;
  for (let guard = 0; guard < 8 && out.includes('var('); guard++) {
    out = out.replace(/var\((--[\w-]+)(?:\s*,\s*([^()]*(?:\([^()]*\))?[^()]*))?\)/g, (_m, name: string, fallback?: string) => {
      const v = resolve(name)?.trim();
      return v ? v : (fallback ?? '').trim() || 'currentColor';
    });
  }
  return out;
}
