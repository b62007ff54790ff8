// Patch review in a real extension host, on the examples tree: a two-patch series with a reply
// (test/fixtures/review/dirty-series.mbox, written for these tests) is read, applied in memory, shown
// in the diff editor with hunk lenses, the reply placed as a comment thread, a comment added and a
// reply composed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as zlib from 'zlib';
import * as path from 'path';
import * as vscode from 'vscode';

const EXT_ID = 'kernel-path-sim.kernel-path-sim';

interface Store {
  all: readonly { tree?: string; series: { series: { id: string; title: string; missing: number[]; replies: unknown[] }; patches: { applied?: boolean; label: string; patch: { message: { messageId: string } } }[] }[] }[];
  state(messageId: string): string;
  comments(messageId: string): { text: string; side: string; path: string }[];
}
interface Api {
  review: { store: Store; comments: { controller: vscode.CommentController; count: number } };
  panels: { all: readonly { scenario: string; tree: string; variant?: string; trace?: unknown }[] };
}

function ws(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri;
}

function api(): Api {
  const ext = vscode.extensions.getExtension<Api>(EXT_ID);
  assert.ok(ext?.isActive, 'the extension is active');
  return ext.exports;
}

async function poll<T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const FIXTURE = (): string => path.resolve(ws().fsPath, '../test/fixtures/review/dirty-series.mbox');

suite('Patch review in the extension host', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXT_ID)?.activate();
  });

  test('open a series: the tree view model, both patches applied in memory, the reply kept for placement', async () => {
    const review = await vscode.commands.executeCommand<{ series: unknown[] } | undefined>('kernelPathSim.openPatch', vscode.Uri.file(FIXTURE()));
    assert.ok(review, 'the series was read');
    const store = api().review.store;
    const r = store.all.find((x) => x.series.some((s) => s.series.id === 'series-0@example.org'));
    assert.ok(r, 'the review is in the store');
    assert.strictEqual(r.tree, ws().fsPath, 'applied to the workspace tree');
    const s = r.series[0];
    assert.strictEqual(s.series.title, 'mm/rmap: make_device_exclusive() comment cleanups');
    assert.deepStrictEqual(s.patches.map((p) => p.applied), [true, true]);
    assert.deepStrictEqual(s.series.missing, []);
    assert.strictEqual(s.series.replies.length, 1);
    // The user's files are untouched.
    assert.match(fs.readFileSync(path.join(ws().fsPath, 'mm/rmap.c'), 'utf8'), /folio_mark_dirty\(folio\)/);
  });

  test('a file opens in the diff editor; hunk lenses before/after; the reply sits on the line it quotes', async () => {
    await vscode.commands.executeCommand('kernelPathSim.openPatchFile', { series: 'series-0@example.org', patch: 1, path: 'mm/rmap.c', hunk: 0 });
    const tab = await poll('a diff tab', () => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff ? vscode.window.tabGroups.activeTabGroup.activeTab : undefined);
    const input = tab.input as vscode.TabInputTextDiff;
    assert.strictEqual(input.original.scheme, 'kpsim-patch');
    assert.strictEqual(input.modified.scheme, 'kpsim-patch');
    const before = await vscode.workspace.openTextDocument(input.original);
    const after = await vscode.workspace.openTextDocument(input.modified);
    assert.strictEqual(before.languageId, 'c', 'the images are C');
    assert.ok(before.getText().includes('folio_mark_dirty(folio);'));
    assert.ok(!after.getText().includes('folio_mark_dirty(folio);'), 'the post image is the patched text');
    // Patch 2's pre image is patch 1's post image: the series applies in order.
    assert.ok(before.getText().includes('entry of this or another device.'));

    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', input.modified, 100)) ?? [];
    const titles = lenses.map((l) => l.command?.title);
    assert.deepStrictEqual(titles, ['Simulate this path (before)', 'Simulate this path (after)'], JSON.stringify(titles));
    const hunkLine = after.getText().split('\n').findIndex((l) => l.includes('/* Clear and flush; the entry keeps the folio. */'));
    assert.ok(Math.abs(lenses[0].range.start.line - hunkLine) <= 3, `the lens is at the hunk (${lenses[0].range.start.line} vs ${hunkLine})`);
    assert.strictEqual((lenses[1].command?.arguments?.[0] as { name: string }).name, 'make_device_exclusive');

    // The list's reply quotes the removed folio_mark_dirty line: its thread is on the pre image there.
    const comments = api().review.comments;
    await poll('the reply thread', () => (comments.count > 0 ? true : undefined));
  });

  test('"Simulate this path (after)" runs the patched text in the panel beside the diff', async () => {
    const after = vscode.Uri.from({ scheme: 'kpsim-patch', path: '/after/mm/rmap.c', query: new URLSearchParams({ s: 'series-0@example.org', p: '1' }).toString() });
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', after, 100)) ?? [];
    const cmd = lenses.find((l) => l.command?.title === 'Simulate this path (after)')?.command;
    assert.ok(cmd);
    const args = { ...(cmd.arguments?.[0] as object), scenario: 'exclusive-then-cpu-write' };
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>(cmd.command, args);
    assert.ok(uri, 'a trace came back');
    const panel = await poll('the panel with the trace', () => api().panels.all.find((p) => p.trace && p.variant?.includes('with [v1 2/2]') ? p : undefined));
    assert.strictEqual(panel.scenario, 'exclusive-then-cpu-write');
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    // Its steps point at the lines of the post image that ran (patch 1 moved them by 3 on disk's numbering).
    const image = (await vscode.workspace.openTextDocument(after)).getText().split('\n');
    const clear = image.findIndex((l) => l.includes('fw.pte = ptep_clear_flush(')) + 1;
    assert.ok(clear > 0);
    assert.match(text, new RegExp(`mm/rmap\\.c:${clear} +make_device_exclusive +PTE 0x[0-9a-f]+: present .* -> none`), text);
  });

  test('a comment on a hunk line, then "Compose reply": In-Reply-To, Re: subject, only that hunk quoted, trailer', async () => {
    const store = api().review.store;
    const msgid = 'series-2@example.org';
    const before = vscode.Uri.from({ scheme: 'kpsim-patch', path: '/before/mm/rmap.c', query: new URLSearchParams({ s: 'series-0@example.org', p: '1' }).toString() });
    const doc = await vscode.workspace.openTextDocument(before);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('folio_mark_dirty(folio);'));
    assert.ok(line > 0);
    const thread = api().review.comments.controller.createCommentThread(before, new vscode.Range(line, 0, line, 0), []);
    await vscode.commands.executeCommand('kernelPathSim.addReviewComment', { thread, text: 'Who marks the folio dirty now?' });
    const mine = await poll('the stored comment', () => (store.comments(msgid).length ? store.comments(msgid) : undefined));
    assert.deepStrictEqual(mine.map((c) => [c.path, c.side, c.text]), [['mm/rmap.c', 'old', 'Who marks the folio dirty now?']]);

    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('kernelPathSim.composeReply', { series: 'series-0@example.org', patch: 1 }, { trailers: ['Reviewed-by: Test Reviewer <test@example.invalid>'] });
    assert.ok(uri && fs.existsSync(uri.fsPath), 'the reply was saved');
    assert.ok(!uri.fsPath.startsWith(ws().fsPath), 'not inside the kernel tree');
    const text = fs.readFileSync(uri.fsPath, 'utf8');
    assert.match(text, /^In-Reply-To: <series-2@example\.org>$/m);
    assert.match(text, /^References: <series-0@example\.org> <series-2@example\.org>$/m);
    assert.match(text, /^Subject: Re: \[PATCH 2\/2\] mm\/rmap: stop marking the folio dirty/m);
    assert.match(text, /^> -\t\tfolio_mark_dirty\(folio\);$/m);
    assert.match(text, /^Who marks the folio dirty now\?$/m);
    assert.match(text, /^Reviewed-by: Test Reviewer <test@example\.invalid>$/m);
    assert.doesNotMatch(text, /entry of this or another device/, 'patch 1 is not quoted');

    await vscode.commands.executeCommand('kernelPathSim.markReviewed', { series: 'series-0@example.org', patch: 1 });
    assert.strictEqual(store.state(msgid), 'reviewed');
  });

  test('bad input: a file that is not mail is refused with a message; nothing is added', async () => {
    const store = api().review.store;
    const n = store.all.length;
    const r = await vscode.commands.executeCommand('kernelPathSim.openPatch', vscode.Uri.joinPath(ws(), 'mm/rmap.c'));
    assert.strictEqual(r, undefined);
    assert.strictEqual(store.all.length, n);
  });

  test('"Apply to working tree" changes the files in the editor only, unsaved and undoable; the disk is untouched', async () => {
    const uri = vscode.Uri.joinPath(ws(), 'mm/rmap.c');
    const disk = fs.readFileSync(uri.fsPath, 'utf8');
    const ok = await vscode.commands.executeCommand<boolean>('kernelPathSim.applyToWorkingTree', { series: 'series-0@example.org', patch: 1 }, { confirm: false });
    assert.strictEqual(ok, true);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.ok(doc.isDirty, 'an unsaved edit');
    assert.ok(doc.getText().includes('entry of this or another device.'), 'patch 1 applied');
    assert.ok(!doc.getText().includes('folio_mark_dirty(folio);'), 'patch 2 applied');
    assert.strictEqual(fs.readFileSync(uri.fsPath, 'utf8'), disk, 'nothing written to disk');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.strictEqual(doc.getText(), disk);
  });

  test('"Open from lore…" fetches <base>/all/<msgid>/t.mbox.gz from the configured archive (a local server here)', async () => {
    const mbox = fs.readFileSync(FIXTURE());
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/all/series-0@example.org/t.mbox.gz') {
        res.writeHead(200, { 'content-type': 'application/gzip' });
        res.end(zlib.gzipSync(mbox));
      } else {
        res.writeHead(404);
        res.end('not here');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const cfg = vscode.workspace.getConfiguration('kernelPathSim');
    await cfg.update('loreBaseUrl', `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
    try {
      const review = await vscode.commands.executeCommand<{ source: string; series: { patches: unknown[] }[] } | undefined>('kernelPathSim.openFromLore', '<series-0@example.org>');
      assert.ok(review, 'the thread was read');
      assert.strictEqual(review.source, `http://127.0.0.1:${port}/all/series-0@example.org/t.mbox.gz`);
      assert.strictEqual(review.series[0].patches.length, 2);
      assert.deepStrictEqual(requests, ['/all/series-0@example.org/t.mbox.gz']);
      // A Message-ID the archive does not have: an error, nothing added.
      const n = api().review.store.all.length;
      assert.strictEqual(await vscode.commands.executeCommand('kernelPathSim.openFromLore', 'nothing@example.org'), undefined);
      assert.strictEqual(api().review.store.all.length, n);
    } finally {
      await cfg.update('loreBaseUrl', undefined, vscode.ConfigurationTarget.Global);
      server.close();
    }
  });
});
