// Race exploration and before/after comparison in a real extension host, on the examples tree.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CompareOutcome } from '../../extension/run/compareClient';
import type { SimulationPanels } from '../../extension/views/simulationPanel';

const EXT_ID = 'kernel-path-sim.kernel-path-sim';

interface Api {
  panels: SimulationPanels;
}

async function poll<T>(what: string, get: () => T | undefined | false, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ws(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri;
}

function api(): Api {
  const ext = vscode.extensions.getExtension<Api>(EXT_ID);
  assert.ok(ext?.isActive);
  return ext.exports;
}

interface Explored { result: { complete: boolean; states: number; violations: { invariant: string }[]; expected: { invariant: string }[] }; shown?: { invariant: string; schedule: string[] } }

suite('Race exploration in the extension host', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXT_ID)?.activate();
    await vscode.workspace.getConfiguration('kernelPathSim.explore').update('maxSeconds', 20, vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('kernelPathSim.explore').update('maxSeconds', undefined, vscode.ConfigurationTarget.Global);
  });

  test('"Explore races" lens above make_device_exclusive; a race-free scenario is reported complete and clean', async () => {
    const uri = vscode.Uri.joinPath(ws(), 'mm/rmap.c');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
    const lens = lenses.find((l) => l.command?.title === 'Explore races');
    assert.ok(lens?.command, 'an "Explore races" lens');
    assert.strictEqual(lens.command.command, 'kernelPathSim.exploreRaces');
    const out = await vscode.commands.executeCommand<Explored | undefined>('kernelPathSim.exploreRaces', { scenario: 'exclusive-two-devices' });
    assert.ok(out);
    assert.strictEqual(out.result.complete, true);
    assert.deepStrictEqual(out.result.violations, []);
    assert.ok(out.result.states > 50);
  });

  test('a driver without its owner filter: the livelock is found, as the scenario expects', async () => {
    const out = await vscode.commands.executeCommand<Explored | undefined>('kernelPathSim.exploreRaces', { scenario: 'driver-without-own-filter' });
    assert.ok(out);
    assert.deepStrictEqual(out.result.expected.map((v) => v.invariant), ['progress']);
  });

  test('"Compare before/after" on a patch that drops folio_mark_dirty: the report in the panel, a counterexample from it and back, the text on demand', async function () {
    // Every scenario entering at make_device_exclusive, on both sides: a few seconds each at most.
    this.timeout(240000);
    await vscode.workspace.getConfiguration('kernelPathSim.explore').update('maxSeconds', 4, vscode.ConfigurationTarget.Global);
    const fixture = path.resolve(ws().fsPath, '../test/fixtures/review/dirty-series.mbox');
    await vscode.commands.executeCommand('kernelPathSim.openPatch', vscode.Uri.file(fixture));
    const out = await vscode.commands.executeCommand<CompareOutcome | undefined>('kernelPathSim.compareBeforeAfter', { series: 'series-0@example.org', patch: 1 });
    assert.ok(out, 'a report');
    const found = out.report.scenarios.flatMap((s) => s.newViolations.map((v) => `${s.id}:${v.invariant}`));
    assert.ok(found.some((f) => f.endsWith(':dirty-preserved')), found.join(', '));
    assert.match(out.text, /dirty/);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'untitled' && d.getText() === out.text), 'the text opens on demand only');

    // The report reached the panel's webview.
    const panel = await poll('the panel with the report', () => api().panels.all.find((p) => !p.isDisposed && p.comparison?.text === out.text));
    assert.strictEqual(panel.mode, 'report');
    await poll('the report delivered to the webview', () => panel.reportDelivered);
    await poll('the tab titled after the patch', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Compare: [v1 2/2]'));
    const view = panel.comparison!.view;
    assert.deepStrictEqual(view.scenarios.map((s) => s.id), out.report.scenarios.map((s) => s.id));
    assert.match(view.summary, new RegExp(`^${out.report.newViolations} new violations?, ${out.report.fixed} fixed, in ${out.report.scenarios.length} scenarios?`));
    assert.match(view.applied[0], /^\[v1 2\/2\] mm\/rmap: stop marking the folio dirty/);
    assert.ok(view.notes.some((n) => /earlier patch applied: \[v1 1\/2\]/.test(n)), view.notes.join(' | '));
    const news = view.scenarios.flatMap((s) => s.violations.filter((v) => v.kind === 'new').map((v) => ({ id: s.id, v })));
    assert.strictEqual(news.length, out.report.newViolations);
    assert.ok(news.every((n) => n.v.counterexample !== undefined), 'every new violation has its counterexample');
    const dirty = news.find((n) => n.v.invariant === 'dirty-preserved')!;
    const k = dirty.v.counterexample!;
    assert.deepStrictEqual([out.traces[k].scenario, out.traces[k].invariant, out.traces[k].side], [dirty.id, 'dirty-preserved', 'after']);

    // "Show counterexample": the trace, animated in the same panel, its lines in the patch's post image.
    await panel.receive({ v: 1, type: 'showCounterexample', index: k });
    assert.strictEqual(panel.mode, 'trace');
    assert.strictEqual(panel.counterexample, k);
    assert.strictEqual(panel.variant, 'with [v1 2/2]');
    assert.strictEqual(panel.trace?.scenario.id, dirty.id);
    assert.ok(panel.trace.steps.length > 0 && panel.trace.schedule.length > 0);
    const i = panel.trace.steps.findIndex((s) => s.file === 'mm/rmap.c');
    assert.ok(i >= 0, 'the counterexample runs mm/rmap.c');
    await panel.receive({ v: 1, type: 'step', step: i, file: 'mm/rmap.c', line: panel.trace.steps[i].line });
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'kpsim-patch' && e.document.uri.path === '/after/mm/rmap.c');
    assert.ok(shown, `the step's line is shown in the patched image: ${vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()).join(', ')}`);

    // "Back to report", then the plain text: copied, and opened.
    await panel.receive({ v: 1, type: 'backToReport' });
    assert.strictEqual(panel.mode, 'report');
    await panel.receive({ v: 1, type: 'showCounterexample', index: 9999 });
    assert.strictEqual(panel.mode, 'report', 'no such counterexample: the report stays');
    await vscode.env.clipboard.writeText('');
    await panel.receive({ v: 1, type: 'compareText', action: 'copy' });
    assert.strictEqual(await vscode.env.clipboard.readText(), out.text);
    await panel.receive({ v: 1, type: 'compareText', action: 'open' });
    assert.ok(vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'untitled' && d.getText() === out.text), 'the report is open as text');

    // A window reload: the webview saved only the report's id; the report, its text and its
    // counterexamples come back from the file the host kept.
    const id = await poll('the report kept for a reload', () => panel.savedReportId);
    const restore = async (state: unknown): Promise<{ wp: vscode.WebviewPanel; p: (typeof panel) | undefined }> => {
      const wp = vscode.window.createWebviewPanel('kernelPathSim.simulation', 'restored', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
      await api().panels.deserializeWebviewPanel(wp, state);
      return { wp, p: api().panels.all.find((x) => x.webviewPanel === wp && !x.isDisposed) };
    };
    const again = (await restore({ v: 1, report: id })).p;
    assert.ok(again, 'the report panel is back');
    assert.strictEqual(again.mode, 'report');
    assert.strictEqual(again.comparison?.text, out.text);
    assert.deepStrictEqual(again.comparison.view, view);
    await poll('the restored report delivered to its webview', () => again.reportDelivered);
    const onCx = (await restore({ v: 1, trace: out.traces[k].trace, step: 3, report: id, counterexample: k })).p;
    assert.ok(onCx, 'the panel on the counterexample is back');
    assert.deepStrictEqual([onCx.mode, onCx.counterexample, onCx.variant, onCx.currentStep], ['trace', k, 'with [v1 2/2]', 3]);
    await onCx.receive({ v: 1, type: 'backToReport' });
    assert.strictEqual(onCx.mode, 'report', 'and its way back to the report');
    // A report whose file is gone (or was never kept): the panel closes rather than come back empty.
    const gone = await restore({ v: 1, report: '00000000-0000-4000-8000-000000000000' });
    assert.strictEqual(gone.p, undefined);
    again.dispose();
    onCx.dispose();

    // Another simulation in the panel: the report is forgotten, not offered as a way back.
    await vscode.commands.executeCommand('kernelPathSim.simulatePath', { uri: vscode.Uri.joinPath(ws(), 'mm/rmap.c').toString(), name: 'make_device_exclusive', line: 1, scenario: 'exclusive-stays' });
    await poll('the panel showing the new run', () => (panel.variant === undefined && panel.trace?.scenario.id === 'exclusive-stays' ? true : undefined));
    assert.strictEqual(panel.comparison, undefined);
    assert.strictEqual(panel.counterexample, undefined);
  });
});
