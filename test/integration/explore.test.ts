// Race exploration and before/after comparison in a real extension host, on the examples tree.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';

const EXT_ID = 'kernel-path-sim.kernel-path-sim';

interface Api {
  panels: { all: readonly { scenario: string; variant?: string; trace?: { steps: unknown[]; schedule: string[] } }[] };
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

  test('"Compare before/after" on a patch that drops folio_mark_dirty: the new violation, its counterexample in the panel, the report as text', async function () {
    // Every scenario entering at make_device_exclusive, on both sides: a few seconds each at most.
    this.timeout(240000);
    await vscode.workspace.getConfiguration('kernelPathSim.explore').update('maxSeconds', 4, vscode.ConfigurationTarget.Global);
    const fixture = path.resolve(ws().fsPath, '../test/fixtures/review/dirty-series.mbox');
    await vscode.commands.executeCommand('kernelPathSim.openPatch', vscode.Uri.file(fixture));
    const out = await vscode.commands.executeCommand<{ report: { newViolations: number; scenarios: { id: string; newViolations: { invariant: string }[] }[] }; text: string; traces: { scenario: string }[] } | undefined>(
      'kernelPathSim.compareBeforeAfter', { series: 'series-0@example.org', patch: 1 });
    assert.ok(out, 'a report');
    const found = out.report.scenarios.flatMap((s) => s.newViolations.map((v) => `${s.id}:${v.invariant}`));
    assert.ok(found.some((f) => f.endsWith(':dirty-preserved')), found.join(', '));
    assert.match(out.text, /dirty/);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'untitled' && d.getText() === out.text);
    assert.ok(doc, 'the report is open as text');
    const panel = api().panels.all.find((p) => p.variant === 'with [v1 2/2]' && p.trace);
    assert.ok(panel, 'the counterexample is in the panel');
    assert.ok(panel.trace && panel.trace.steps.length > 0 && panel.trace.schedule.length > 0);
  });
});
