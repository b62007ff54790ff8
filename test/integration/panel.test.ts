// The simulation panel in a real extension host (code-server), on the examples tree: editor sync,
// exports, opening a saved trace, following the debug session, bad messages.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../../extension/ctx';
import type { SimulationPanel, SimulationPanels } from '../../extension/views/simulationPanel';

const EXT_ID = 'kernel-path-sim.kernel-path-sim';

async function poll<T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ws(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f);
  return f.uri;
}

function api(): { ctx: Ctx; panels: SimulationPanels } {
  const ext = vscode.extensions.getExtension<{ ctx: Ctx; panels: SimulationPanels }>(EXT_ID);
  assert.ok(ext?.isActive);
  return ext.exports;
}

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('kernelPathSim.simulation'));
}

async function simulate(scenario: string): Promise<SimulationPanel> {
  const rmap = vscode.Uri.joinPath(ws(), 'mm/rmap.c');
  await vscode.window.showTextDocument(rmap, { viewColumn: vscode.ViewColumn.One });
  const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('kernelPathSim.simulatePath', { uri: rmap.toString(), name: 'make_device_exclusive', line: 1, scenario });
  assert.ok(uri);
  return poll('the panel with its trace', () => api().panels.all.find((p) => p.scenario === scenario && p.trace));
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-panel-'));

suite('The simulation panel', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext);
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the step the webview shows is highlighted and revealed in the editor the run started from; the panel stays beside', async () => {
    const panel = await simulate('exclusive-then-cpu-write');
    assert.strictEqual(panel.webviewPanel.viewColumn, vscode.ViewColumn.Two);
    const steps = (panel.trace as { steps: { i: number; fn: string; file: string; line: number }[] }).steps;
    const fault = steps.find((s) => s.fn === 'remove_device_exclusive_entry');
    assert.ok(fault, 'the CPU fault runs remove_device_exclusive_entry');
    // What the webview sends when it moves to that step (it is not open here: mm/memory.c opens).
    await panel.receive({ v: 1, type: 'step', step: fault.i, file: fault.file, line: fault.line });
    const editor = await poll('mm/memory.c in the first group', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath.endsWith(path.join('mm', 'memory.c'))));
    assert.strictEqual(editor.viewColumn, vscode.ViewColumn.One, 'where the simulation started');
    await poll('the line revealed', () => editor.visibleRanges.some((r) => r.contains(new vscode.Position(fault.line - 1, 0))));
    assert.strictEqual(panel.currentStep, fault.i);
    assert.ok(panelTabs().some((t) => t.group.viewColumn === vscode.ViewColumn.Two && t.group.activeTab === t), 'the panel is still shown beside');
    // The model's own C opens from the extension.
    const model = steps.find((s) => s.file.startsWith('kpsim/'));
    assert.ok(model);
    await panel.receive({ v: 1, type: 'step', step: model.i, file: model.file, line: model.line });
    await poll(`${model.file} open`, () => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath.endsWith(path.join('engine', 'model', model.file))));
    // Back to the start: nothing to highlight, nothing thrown.
    await panel.receive({ v: 1, type: 'step', step: -1, file: '', line: 0 });
    assert.strictEqual(panel.currentStep, -1);
  });

  test('bad messages from the webview are dropped and logged, never thrown', async () => {
    const panel = await simulate('exclusive-then-cpu-write');
    for (const bad of [null, 'step', { type: 'step' }, { v: 1, type: 'step', step: 'x', file: 'a', line: 1 }, { v: 1, type: 'step', step: 1e9, file: 'mm/memory.c', line: 1 },
      { v: 1, type: 'export', format: 'pdf' }, { v: 1, type: 'export', format: 'svg', svg: 'not svg' }, { v: 1, type: 'step', step: 1, file: '../../etc/passwd', line: 1 },
      { v: 1, type: 'expand', requestId: 1, name: 'f', file: 'x' }]) {
      await panel.receive(bad);
    }
    assert.notStrictEqual(panel.currentStep, 1e9);
    assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath.endsWith('passwd')), 'no file outside the tree opens');
  });

  test('the debug session moves the panel that shows its scenario and tree', async () => {
    const panel = await simulate('exclusive-then-cpu-write');
    const root = path.resolve(ws().fsPath);
    api().ctx.traceStep.fire({ scenario: 'exclusive-then-cpu-write', tree: root, step: 7 });
    assert.strictEqual(panel.currentStep, 7);
    api().ctx.traceStep.fire({ scenario: 'exclusive-stays', tree: root, step: 9 });
    assert.strictEqual(panel.currentStep, 7, 'another scenario: not this panel');
    api().ctx.traceStep.fire({ scenario: 'exclusive-then-cpu-write', tree: '/elsewhere/linux', step: 9 });
    assert.strictEqual(panel.currentStep, 7, 'another tree: not this panel');
  });

  test('export: the ASCII timeline to the clipboard, the JSON trace and the SVG diagram to files; the JSON opens again', async () => {
    const panel = await simulate('exclusive-then-cpu-write');
    const { panels } = api();
    await vscode.env.clipboard.writeText('');
    await panel.receive({ v: 1, type: 'export', format: 'ascii' });
    assert.match(await vscode.env.clipboard.readText(), /^kpsim: exclusive-then-cpu-write on examples: PASS/);

    const json = vscode.Uri.file(path.join(tmp, 'trace.json'));
    const svg = vscode.Uri.file(path.join(tmp, 'diagram.svg'));
    const asked: vscode.SaveDialogOptions[] = [];
    const saved = panels.dialogs;
    try {
      panels.dialogs = { save: (o) => (asked.push(o), Promise.resolve(o.filters?.SVG ? svg : json)) };
      await panel.receive({ v: 1, type: 'export', format: 'json' });
      await panel.receive({ v: 1, type: 'export', format: 'svg', svg: '<svg xmlns="http://www.w3.org/2000/svg"><text>x</text></svg>' });
    } finally {
      panels.dialogs = saved;
    }
    assert.match(asked[0].defaultUri?.path ?? '', /exclusive-then-cpu-write-examples\.kptrace\.json$/);
    const back = JSON.parse(fs.readFileSync(json.fsPath, 'utf8')) as { format: string; views: unknown[]; steps: unknown[] };
    assert.strictEqual(back.format, 'kpsim-trace');
    assert.ok(back.views.length > 1 && back.steps.length > 10);
    assert.match(fs.readFileSync(svg.fsPath, 'utf8'), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);

    // Open it again: the panel of that scenario on that tree shows it.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.window.showTextDocument(vscode.Uri.joinPath(ws(), 'mm/rmap.c'), { viewColumn: vscode.ViewColumn.One });
    const opened = await vscode.commands.executeCommand<SimulationPanel | undefined>('kernelPathSim.openTrace', json);
    assert.ok(opened, 'the saved trace opened');
    assert.strictEqual(opened.scenario, 'exclusive-then-cpu-write');
    assert.strictEqual(opened.root, path.resolve(ws().fsPath), 'its tree is the open workspace (same name)');
    await poll('its panel beside', () => panelTabs().find((t) => t.group.viewColumn === vscode.ViewColumn.Two));
  });

  test('open a saved trace: a file that is not one is refused, and no panel opens', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const cases: Record<string, string> = {
      'not-json.json': 'kpsim: exclusive-stays on examples: PASS\n',
      'other.json': '{"name": "x", "version": "1.0.0"}',
      'no-views.json': JSON.stringify({ format: 'kpsim-trace', version: 1, scenario: { id: 's' }, tree: 'examples', threads: [], steps: [], events: [] }),
    };
    for (const [name, text] of Object.entries(cases)) {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, text);
      const r = await vscode.commands.executeCommand<SimulationPanel | undefined>('kernelPathSim.openTrace', vscode.Uri.file(f));
      assert.strictEqual(r, undefined, name);
    }
    const missing = await vscode.commands.executeCommand<SimulationPanel | undefined>('kernelPathSim.openTrace', vscode.Uri.file(path.join(tmp, 'missing.json')));
    assert.strictEqual(missing, undefined);
    assert.deepStrictEqual(panelTabs(), []);
  });
});
