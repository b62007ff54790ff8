/**
 * The only module that knows the component library: @vscode/webview-ui-toolkit (archived
 * upstream). The panel builds its controls through these functions and sees plain HTMLElements,
 * so moving to @vscode-elements/elements means rewriting this file and nothing else.
 */
import {
  provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeCheckbox, vsCodeDataGrid, vsCodeDataGridCell, vsCodeDataGridRow,
  vsCodeDropdown, vsCodeOption, vsCodePanels, vsCodePanelTab, vsCodePanelView,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Defines the custom elements (once). */
export function registerUi(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodeCheckbox(), vsCodeBadge(),
    vsCodePanels(), vsCodePanelTab(), vsCodePanelView(), vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell(),
  );
}

export interface UiButton {
  el: HTMLElement;
  setLabel(text: string, title?: string): void;
  setDisabled(disabled: boolean): void;
}

/** A button; `secondary` for the less important ones, `icon` for a bare glyph. */
export function button(opts: { id: string; label: string; title: string; appearance?: 'primary' | 'secondary' | 'icon'; onClick: () => void }): UiButton {
  const el = document.createElement('vscode-button');
  el.id = opts.id;
  el.setAttribute('appearance', opts.appearance ?? 'primary');
  el.textContent = opts.label;
  el.title = opts.title;
  el.setAttribute('aria-label', opts.title);
  el.addEventListener('click', () => {
    if (!el.hasAttribute('disabled')) opts.onClick();
  });
  return {
    el,
    setLabel(text, title) {
      if (el.textContent !== text) el.textContent = text;
      if (title !== undefined && el.title !== title) {
        el.title = title;
        el.setAttribute('aria-label', title);
      }
    },
    setDisabled(disabled) {
      el.toggleAttribute('disabled', disabled);
    },
  };
}

export interface UiDropdown {
  el: HTMLElement;
  value: string;
}

/** A drop-down list of choices. */
export function dropdown(opts: { id: string; title: string; options: readonly { value: string; label: string }[]; value: string; onChange: (value: string) => void }): UiDropdown {
  const el = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  el.id = opts.id;
  el.title = opts.title;
  el.setAttribute('aria-label', opts.title);
  for (const o of opts.options) {
    const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
    opt.setAttribute('value', o.value);
    opt.textContent = o.label;
    if (o.value === opts.value) opt.setAttribute('selected', '');
    el.append(opt);
  }
  el.addEventListener('change', () => opts.onChange(el.value));
  return {
    el,
    get value() {
      return el.value;
    },
    set value(v: string) {
      el.value = v;
    },
  };
}

export interface UiCheckbox {
  el: HTMLElement;
  checked: boolean;
}

export function checkbox(opts: { id: string; label: string; checked: boolean; onChange: (checked: boolean) => void }): UiCheckbox {
  const el = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  el.id = opts.id;
  el.textContent = opts.label;
  if (opts.checked) el.setAttribute('checked', '');
  el.addEventListener('change', () => opts.onChange(el.checked));
  return {
    el,
    get checked() {
      return el.checked;
    },
    set checked(v: boolean) {
      el.checked = v;
    },
  };
}

/** A small count or label. */
export function badge(text: string): HTMLElement {
  const el = document.createElement('vscode-badge');
  el.textContent = text;
  return el;
}

export interface UiTabs {
  el: HTMLElement;
  /** The id of the shown tab. */
  active(): string;
  select(id: string): void;
  onChange(listener: (id: string) => void): void;
}

/** Tabs, each with its content. */
export function tabs(items: readonly { id: string; title: string; content: HTMLElement }[]): UiTabs {
  const el = document.createElement('vscode-panels') as HTMLElement & { activeid: string };
  el.setAttribute('aria-label', 'Details');
  for (const it of items) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${it.id}`;
    tab.textContent = it.title;
    el.append(tab);
  }
  for (const it of items) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${it.id}`;
    view.append(it.content);
    el.append(view);
  }
  const listeners: ((id: string) => void)[] = [];
  const current = (): string => (el.activeid ?? `tab-${items[0].id}`).replace(/^tab-/, '');
  el.addEventListener('change', () => {
    for (const l of listeners) l(current());
  });
  return {
    el,
    active: current,
    select(id) {
      el.activeid = `tab-${id}`;
    },
    onChange(l) {
      listeners.push(l);
    },
  };
}

export interface UiGrid {
  el: HTMLElement;
  setRows(rows: Record<string, string>[]): void;
}

/** A read-only table. */
export function grid(opts: { id: string; label: string; columns: readonly { key: string; title: string; width?: string }[] }): UiGrid {
  const el = document.createElement('vscode-data-grid') as HTMLElement & {
    rowsData: object[]; columnDefinitions: { columnDataKey: string; title: string }[]; gridTemplateColumns: string;
  };
  el.id = opts.id;
  el.setAttribute('aria-label', opts.label);
  el.setAttribute('generate-header', 'sticky');
  el.columnDefinitions = opts.columns.map((c) => ({ columnDataKey: c.key, title: c.title }));
  if (opts.columns.some((c) => c.width)) el.setAttribute('grid-template-columns', opts.columns.map((c) => c.width ?? '1fr').join(' '));
  return {
    el,
    setRows(rows) {
      el.rowsData = rows;
    },
  };
}
