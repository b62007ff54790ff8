// The path view in the webview: renders the call tree the host sends, asks for deeper levels on
// demand and asks the host to open definitions. Runs in the browser; talks only through protocol.ts.
import type { CallNode } from '../extension/parsing/callTree';
import { type HostMessage, PROTOCOL_VERSION, type WebviewMessage, parseHostMessage } from '../extension/protocol';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
const pending = new Map<number, (children: CallNode[]) => void>();
let nextRequest = 1;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function send(m: WebviewMessage): void {
  vscode.postMessage(m);
}

function renderNode(node: CallNode, isRoot = false): HTMLLIElement {
  const li = el('li', 'node');
  li.setAttribute('role', 'treeitem');
  const row = el('div', 'row');
  const expandable = Boolean(node.file) && !node.recursive && !node.indirect;
  const twisty = el('button', 'twisty', expandable ? (node.children?.length === 0 ? '·' : '▾') : '·');
  twisty.disabled = !expandable || node.children?.length === 0;
  twisty.title = 'Show what it calls';
  row.append(twisty);

  const name = el(node.file && node.line ? 'a' : 'span', 'name', node.name);
  if (node.file && node.line) {
    const { file, line } = node;
    name.setAttribute('href', '#');
    name.title = `Open ${file}:${line}`;
    name.addEventListener('click', (ev) => {
      ev.preventDefault();
      send({ v: PROTOCOL_VERSION, type: 'open', file, line });
    });
  }
  row.append(name);
  if (node.file) row.append(el('span', 'where', `${node.file}:${node.line ?? '?'}`));
  else if (node.indirect) row.append(el('span', 'badge indirect', 'through a function pointer'));
  else row.append(el('span', 'badge missing', 'not in this tree'));
  if (node.recursive) row.append(el('span', 'badge', 'recursive'));
  if (!isRoot && node.callLine) row.append(el('span', 'callsite', `called at line ${node.callLine}`));
  li.append(row);

  const ul = el('ul', 'children');
  ul.setAttribute('role', 'group');
  li.append(ul);
  let loaded = node.children !== undefined;
  if (node.children) for (const c of node.children) ul.append(renderNode(c));
  if (expandable && !loaded) {
    twisty.textContent = '▸';
    li.classList.add('collapsed');
  }
  twisty.addEventListener('click', () => {
    if (!loaded && node.file) {
      loaded = true;
      twisty.textContent = '…';
      const requestId = nextRequest++;
      pending.set(requestId, (children) => {
        for (const c of children) ul.append(renderNode(c));
        li.classList.remove('collapsed');
        twisty.textContent = children.length ? '▾' : '·';
      });
      send({ v: PROTOCOL_VERSION, type: 'expand', requestId, name: node.name, file: node.file });
      return;
    }
    const collapsed = li.classList.toggle('collapsed');
    twisty.textContent = collapsed ? '▸' : '▾';
  });
  return li;
}

function countMissing(n: CallNode, seen = new Set<string>()): number {
  let k = 0;
  for (const c of n.children ?? []) {
    if (!c.file && !c.indirect && !seen.has(c.name)) {
      seen.add(c.name);
      k++;
    }
    k += countMissing(c, seen);
  }
  return k;
}

function renderTree(m: Extract<HostMessage, { type: 'pathTree' }>): void {
  app.replaceChildren();
  const h = el('h1', undefined, m.root.name);
  app.append(h);
  const where = m.root.file ? `${m.root.file}:${m.root.line}–${m.root.endLine}` : 'not defined in this tree';
  app.append(el('p', 'summary', `Call path in ${m.tree} · ${where} · ${m.root.children?.length ?? 0} direct callees · ${countMissing(m.root)} helpers not in this tree`));
  app.append(el('p', 'muted', `Calls are shown ${m.depth} levels deep; ▸ expands further. Click a name to open its definition.`));
  const ul = el('ul', 'tree');
  ul.setAttribute('role', 'tree');
  ul.append(renderNode(m.root, true));
  app.append(ul);
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const m = parseHostMessage(ev.data);
  if (!m) {
    console.warn('path view: ignored a malformed message', ev.data);
    return;
  }
  switch (m.type) {
    case 'pathTree':
      renderTree(m);
      break;
    case 'children':
      pending.get(m.requestId)?.(m.children);
      pending.delete(m.requestId);
      break;
    case 'error': {
      const p = el('p', 'error', m.message);
      app.prepend(p);
      break;
    }
  }
});

send({ v: PROTOCOL_VERSION, type: 'ready' });
