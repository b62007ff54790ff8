// Runs inside a real VS Code extension host (code-server), on the examples tree as the workspace.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { SCENARIOS } from '../../extension/engine/scenarios/catalog';
import { scenariosFor } from '../../extension/run/scenarioChoice';

const EXT_ID = 'kernel-path-sim.kernel-path-sim';

function ws(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri;
}

async function poll<T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function lenses(rel: string): Promise<vscode.CodeLens[]> {
  const uri = vscode.Uri.joinPath(ws(), rel);
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

async function lens(rel: string, name: string, title: string): Promise<vscode.Command> {
  const l = (await lenses(rel)).find((x) => x.command?.title === title && (x.command.arguments?.[0] as { name: string }).name === name);
  assert.ok(l?.command, `a "${title}" lens above ${name} in ${rel}`);
  return l.command;
}

/** Runs a command that shows a quick pick, accepting the first item (the default) when it shows. */
async function acceptingQuickPick<T>(run: Thenable<T>): Promise<T> {
  let done = false;
  const p = Promise.resolve(run).finally(() => (done = true));
  while (!done) {
    await new Promise((r) => setTimeout(r, 150));
    if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return p;
}

function traceTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === 'kpsim-trace');
}

/** The simulation panels' tabs (webviews of view type kernelPathSim.simulation). */
function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('kernelPathSim.simulation'));
}

/** What activate() returns: the shared services and the simulation panels. */
interface Api {
  panels: { all: readonly { scenario: string; tree: string; trace?: unknown; openText(): Promise<vscode.Uri | undefined> }[] };
}

function api(): Api {
  const ext = vscode.extensions.getExtension<Api>(EXT_ID);
  assert.ok(ext?.isActive, 'the extension is active');
  return ext.exports;
}

/** The arguments of a trace link (a command: URI that opens a file at a line). */
function linkArgs(link: vscode.DocumentLink): { path: string; line: number; column?: number } {
  assert.ok(link.target, 'the link has a target');
  assert.strictEqual(link.target.scheme, 'command');
  assert.strictEqual(link.target.path, 'kernelPathSim.openTraceLocation');
  let args: unknown;
  try {
    args = JSON.parse(link.target.query);
  } catch {
    args = JSON.parse(decodeURIComponent(link.target.query));
  }
  return (args as [{ path: string; line: number; column?: number }])[0];
}

suite('Kernel Path Simulator in the extension host', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `${EXT_ID} is installed`);
    await ext.activate();
  });

  test('a lens above each family function, at its first line, and none above others', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(ws(), 'mm/memory.c'));
    await vscode.window.showTextDocument(doc);
    const found = await lenses('mm/memory.c');
    const family = ['restore_exclusive_pte', 'try_restore_exclusive_pte', 'copy_nonpresent_pte', 'zap_nonpresent_ptes', 'remove_device_exclusive_entry'];
    // Four lenses per function, on the same line: simulate, the call path, explore races, debug.
    const names = found.map((l) => (l.command?.arguments?.[0] as { name: string }).name);
    assert.deepStrictEqual(names, family.flatMap((n) => [n, n, n, n]));
    assert.deepStrictEqual(found.map((l) => l.command?.title), family.flatMap(() => ['Simulate this path', 'Show call path', 'Explore races', 'Debug this path']));
    assert.deepStrictEqual(found.map((l) => l.command?.command), family.flatMap(() => ['kernelPathSim.simulatePath', 'kernelPathSim.showCallPath', 'kernelPathSim.exploreRaces', 'kernelPathSim.debugPath']));
    for (let i = 0; i < found.length; i += 4) assert.ok([1, 2, 3].every((k) => found[i].range.isEqual(found[i + k].range)));
    for (const l of found) {
      const { name } = l.command?.arguments?.[0] as { name: string };
      // The lens line is where the definition starts: the name is on it or on the next line.
      const text = doc.lineAt(l.range.start.line).text + doc.lineAt(l.range.start.line + 1).text;
      assert.ok(text.includes(`${name}(`), `${name} at line ${l.range.start.line + 1}`);
    }
    assert.ok(!names.includes('do_swap_page'), 'do_swap_page is not in the family');
  });

  test('lenses follow edits and are kept while the code is half-typed', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(ws(), 'mm/rmap.c'));
    const editor = await vscode.window.showTextDocument(doc);
    const before = await lenses('mm/rmap.c');
    assert.strictEqual(before.length, 4, 'make_device_exclusive: simulate, call path, explore races, debug');
    const line = before[0].range.start.line;
    await editor.edit((e) => e.insert(new vscode.Position(line, 0), '/* moved */\n\n'));
    const after = await lenses('mm/rmap.c');
    assert.strictEqual(after[0].range.start.line, line + 2, 'the lens moved with its function');
    // An unbalanced brace mid-typing: the function still has its lens.
    await editor.edit((e) => e.insert(new vscode.Position(line + 4, 0), 'if (x) {\n'));
    const typing = await lenses('mm/rmap.c');
    assert.strictEqual(typing.length, 4);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('Show call path opens the path view beside the editor', async () => {
    const uri = vscode.Uri.joinPath(ws(), 'lib/test_hmm.c');
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
    const cmd = await lens('lib/test_hmm.c', 'dmirror_exclusive', 'Show call path');
    await vscode.commands.executeCommand(cmd.command, ...((cmd.arguments ?? []) as unknown[]));
    const tab = await poll('the path view tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Path: dmirror_exclusive'));
    assert.strictEqual(tab.group.viewColumn, vscode.ViewColumn.Two, 'beside the editor');
    assert.strictEqual(editor.viewColumn, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Simulate this path: a quick pick of the scenarios that enter there, then the panel beside the editor; its ASCII trace has links', async () => {
    const rmap = vscode.Uri.joinPath(ws(), 'mm/rmap.c');
    await vscode.window.showTextDocument(rmap, { viewColumn: vscode.ViewColumn.One });
    const cmd = await lens('mm/rmap.c', 'make_device_exclusive', 'Simulate this path');
    assert.strictEqual(cmd.command, 'kernelPathSim.simulatePath');
    const uri = await acceptingQuickPick(vscode.commands.executeCommand<vscode.Uri | undefined>(cmd.command, ...((cmd.arguments ?? []) as unknown[])));
    assert.ok(uri, 'a simulation ran');
    assert.strictEqual(uri.scheme, 'kpsim-trace', 'the run\'s ASCII trace document');
    // The panel, beside the editor; the source keeps the focus; no text document opened by itself.
    const panelTab = await poll('the simulation panel', () => panelTabs().find((t) => t.label === 'Simulation: exclusive-then-cpu-write'));
    assert.strictEqual(panelTab.group.viewColumn, vscode.ViewColumn.Two, 'beside the editor');
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, rmap.fsPath, 'the editor keeps the focus');
    assert.deepStrictEqual(traceTabs(), [], 'the text trace opens only on request');
    const panel = api().panels.all.find((p) => p.scenario === 'exclusive-then-cpu-write');
    assert.ok(panel?.trace, 'the panel has its trace');

    // "Open as text": the read-only ASCII trace, in the panel's group.
    assert.strictEqual((await panel.openText())?.toString(), uri.toString());
    const tab = await poll('the trace tab', () => traceTabs().find((t) => (t.input as vscode.TabInputText).uri.toString() === uri.toString()));
    assert.strictEqual(tab.group.viewColumn, vscode.ViewColumn.Two, 'beside the editor');
    assert.strictEqual(tab.isPreview, false);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document.uri.toString() === uri.toString(), 'the trace is the active editor');
    const doc = editor.document;
    const text = doc.getText();
    // The first scenario that enters at make_device_exclusive, the default of the quick pick.
    assert.match(text, /^kpsim: exclusive-then-cpu-write on examples: PASS \(\d+\/\d+ checks\)/);
    assert.ok(text.includes('make_device_exclusive'));
    assert.strictEqual(doc.languageId, 'kpsim-trace');

    // Hovering a step shows all it did (that column is off-screen in a narrow editor).
    const pteLine = text.split('\n').findIndex((l) => /mm\/rmap\.c:\d+ +make_device_exclusive +PTE 0x/.test(l));
    assert.ok(pteLine > 0);
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(pteLine, 4))) ?? [];
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(hoverText, /\*\*Step \d+\*\* · dev0 · `make_device_exclusive` at `mm\/rmap\.c:\d+`/);
    assert.match(hoverText, /PTE 0x7f0000000000: present pfn=\d+ rw dirty,young -> none/);

    // Links: every file:line of the step lines, tree files against the tree, kpsim/*.c in the extension.
    const links = (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', uri)) ?? [];
    const rmapLinks = links.filter((l) => doc.getText(l.range).startsWith('mm/rmap.c:'));
    assert.ok(rmapLinks.length >= 3, `links to mm/rmap.c lines: ${links.length} links in all`);
    for (const l of rmapLinks) {
      const a = linkArgs(l);
      assert.strictEqual(a.path, rmap.fsPath);
      assert.strictEqual(`mm/rmap.c:${a.line}`, doc.getText(l.range));
      assert.strictEqual(a.column, vscode.ViewColumn.One, 'opens in the editor the lens was in');
    }
    const model = links.find((l) => doc.getText(l.range).startsWith('kpsim/'));
    assert.ok(model, 'a link to the model\'s C');
    const m = linkArgs(model);
    assert.match(m.path, /extension[\\/]engine[\\/]model[\\/]kpsim[\\/]\w+\.c$/);
    assert.ok(fs.existsSync(m.path), m.path);

    // Following a link opens the file at that line in the first group; the trace stays open.
    const target = linkArgs(rmapLinks[0]);
    await vscode.commands.executeCommand('kernelPathSim.openTraceLocation', target);
    const opened = await poll('mm/rmap.c active at the linked line', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.fsPath === rmap.fsPath && e.selection.active.line === target.line - 1 ? e : undefined;
    });
    assert.strictEqual(opened.viewColumn, vscode.ViewColumn.One);
    assert.ok(traceTabs().some((t) => t.group.viewColumn === vscode.ViewColumn.Two && t.group.activeTab === t), 'the trace is still shown beside');
  });

  test('every run gets its own trace; a function no scenario enters offers them all', async () => {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(ws(), 'mm/rmap.c'), { viewColumn: vscode.ViewColumn.One });
    const cmd = await lens('mm/rmap.c', 'make_device_exclusive', 'Simulate this path');
    const args = { ...(cmd.arguments?.[0] as object), scenario: 'exclusive-stays' };
    const a = await vscode.commands.executeCommand<vscode.Uri>(cmd.command, args);
    const b = await vscode.commands.executeCommand<vscode.Uri>(cmd.command, args);
    assert.ok(a && b && a.toString() !== b.toString(), `${a?.toString()} vs ${b?.toString()}`);
    for (const u of [a, b]) assert.match((await vscode.workspace.openTextDocument(u)).getText(), /^kpsim: exclusive-stays on examples: PASS/);
    // One panel: the second run replaced the first one's trace in it.
    await poll('the panel', () => panelTabs().find((t) => t.label === 'Simulation: exclusive-stays'));
    assert.strictEqual(panelTabs().length, 1);

    // A function no scenario lists: every scenario is offered (the first is the default).
    const none = { ...(cmd.arguments?.[0] as object), name: 'kpsim_test_no_scenario_enters_here' };
    assert.deepStrictEqual(scenariosFor(none.name), []);
    const c = await acceptingQuickPick(vscode.commands.executeCommand<vscode.Uri | undefined>(cmd.command, none));
    assert.ok(c);
    assert.match((await vscode.workspace.openTextDocument(c)).getText(), new RegExp(`^kpsim: ${SCENARIOS[0].id} on examples:`));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the palette command simulates a scenario on the current tree', async () => {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(ws(), 'lib/test_hmm.c'), { viewColumn: vscode.ViewColumn.One });
    const uri = await acceptingQuickPick(vscode.commands.executeCommand<vscode.Uri | undefined>('kernelPathSim.simulateScenario'));
    assert.ok(uri);
    assert.match((await vscode.workspace.openTextDocument(uri)).getText(), new RegExp(`^kpsim: ${SCENARIOS[0].id} on examples: PASS`));
    await poll('the panel beside', () => panelTabs().find((t) => t.group.viewColumn === vscode.ViewColumn.Two && t.label === `Simulation: ${SCENARIOS[0].id}`));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('bad input: an unknown scenario is an error, and no trace opens', async () => {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(ws(), 'mm/rmap.c'), { viewColumn: vscode.ViewColumn.One });
    const cmd = await lens('mm/rmap.c', 'make_device_exclusive', 'Simulate this path');
    const r = await vscode.commands.executeCommand<vscode.Uri | undefined>(cmd.command, { ...(cmd.arguments?.[0] as object), scenario: 'no-such-scenario' });
    assert.strictEqual(r, undefined);
    assert.deepStrictEqual(traceTabs(), []);
    assert.deepStrictEqual(panelTabs(), [], 'no panel either');
    // Bad link arguments are ignored, not thrown.
    await vscode.commands.executeCommand('kernelPathSim.openTraceLocation', { path: 42 });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('bad input: C that is not kernel code, text that is not C: no lenses, no crash', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'c', content: 'int main(void) { return 0; }\n' });
    await vscode.window.showTextDocument(doc);
    const none = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)) ?? [];
    assert.deepStrictEqual(none, []);
    const junk = await vscode.workspace.openTextDocument({ language: 'c', content: '@@@ this is {{{ not C ))) at all\n'.repeat(20) });
    const stillNone = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', junk.uri, 100)) ?? [];
    assert.deepStrictEqual(stillNone, []);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
