// Runs inside a real VS Code extension host (code-server), on the examples tree as the workspace.
import * as assert from 'assert';
import * as vscode from 'vscode';

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
    const names = found.map((l) => (l.command?.arguments?.[0] as { name: string }).name);
    assert.deepStrictEqual(names, ['restore_exclusive_pte', 'try_restore_exclusive_pte', 'copy_nonpresent_pte', 'zap_nonpresent_ptes', 'remove_device_exclusive_entry']);
    for (const l of found) {
      assert.strictEqual(l.command?.title, 'Simulate this path');
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
    assert.strictEqual(before.length, 1);
    const line = before[0].range.start.line;
    await editor.edit((e) => e.insert(new vscode.Position(line, 0), '/* moved */\n\n'));
    const after = await lenses('mm/rmap.c');
    assert.strictEqual(after[0].range.start.line, line + 2, 'the lens moved with its function');
    // An unbalanced brace mid-typing: the function still has its lens.
    await editor.edit((e) => e.insert(new vscode.Position(line + 4, 0), 'if (x) {\n'));
    const typing = await lenses('mm/rmap.c');
    assert.strictEqual(typing.length, 1);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('Simulate this path opens the path view beside the editor', async () => {
    const uri = vscode.Uri.joinPath(ws(), 'lib/test_hmm.c');
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
    const lens = (await lenses('lib/test_hmm.c')).find((l) => (l.command?.arguments?.[0] as { name: string }).name === 'dmirror_exclusive');
    assert.ok(lens?.command);
    await vscode.commands.executeCommand(lens.command.command, ...((lens.command.arguments ?? []) as unknown[]));
    const tab = await poll('the path view tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Path: dmirror_exclusive'));
    assert.strictEqual(tab.group.viewColumn, vscode.ViewColumn.Two, 'beside the editor');
    assert.strictEqual(editor.viewColumn, vscode.ViewColumn.One);
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
