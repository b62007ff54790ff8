// The kpsim debugger in a real VS Code extension host (code-server), on the examples tree: a
// breakpoint in restore_exclusive_pte, the call stack VS Code gets, step back, and the
// "Debug this path" lens. A DebugAdapterTracker watches the adapter's messages.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Ctx } from '../../extension/ctx';

const EXT_ID = 'kernel-path-sim.kernel-path-sim';

interface DapMessage {
  type: string;
  event?: string;
  body?: Record<string, unknown>;
}

interface Frame {
  id: number;
  name: string;
  line: number;
  source?: { path?: string };
}

function ws(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f;
}

/** A source path as the extension host gets it back: a plain path, or a URI under code-server (the workbench maps remote paths). */
function fsPath(p: string | undefined): string | undefined {
  return p && /^[a-z][\w+.-]*:\/\//.test(p) ? vscode.Uri.parse(p).fsPath : p;
}

async function poll<T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('The kpsim debug session in the extension host', () => {
  const sent: DapMessage[] = [];
  const steps: { scenario: string; tree: string; step: number }[] = [];
  const disposables: vscode.Disposable[] = [];
  let memory: vscode.Uri;
  let bpLine: number;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<{ ctx: Ctx }>(EXT_ID);
    assert.ok(ext);
    const api = await ext.activate();
    disposables.push(
      api.ctx.traceStep.event((e) => steps.push(e)),
      vscode.debug.registerDebugAdapterTrackerFactory('kpsim', { createDebugAdapterTracker: () => ({ onDidSendMessage: (m: DapMessage) => void sent.push(m) }) }),
    );
    memory = vscode.Uri.joinPath(ws().uri, 'mm/memory.c');
    const doc = await vscode.workspace.openTextDocument(memory);
    // The first statement of restore_exclusive_pte after its declaration.
    bpLine = doc.getText().split('\n').findIndex((l) => l.includes('pte = pte_mkold(mk_pte(page')) + 1;
    assert.ok(bpLine > 0);
  });

  suiteTeardown(async () => {
    await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    for (const d of disposables) d.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  teardown(async () => {
    // A failed test must not leave its session for the next.
    await vscode.debug.stopDebugging();
    await poll('no debug session', () => (vscode.debug.activeDebugSession === undefined ? true : undefined), 10000);
  });

  const stops = (): DapMessage[] => sent.filter((m) => m.type === 'event' && m.event === 'stopped');
  const nextStop = (after: number): Promise<DapMessage> => poll('a stopped event', () => stops()[after]);

  async function frames(session: vscode.DebugSession, threadId: number): Promise<Frame[]> {
    const r = (await session.customRequest('stackTrace', { threadId })) as { stackFrames: Frame[] };
    return r.stackFrames;
  }

  test('a breakpoint in restore_exclusive_pte: the stop, the call stack, the editor at the line; step back moves back', async () => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(memory, new vscode.Position(bpLine - 1, 0)))]);
    const before = stops().length;
    const started = await vscode.debug.startDebugging(ws(), { type: 'kpsim', request: 'launch', name: 'kpsim test', tree: ws().uri.fsPath, scenario: 'exclusive-then-cpu-write' });
    assert.ok(started, 'the session started');
    const stop = await nextStop(before);
    assert.strictEqual(stop.body?.reason, 'breakpoint');
    const session = vscode.debug.activeDebugSession;
    assert.ok(session && session.type === 'kpsim');
    const threadId = stop.body?.threadId as number;

    const stack = await frames(session, threadId);
    const names = stack.map((f) => f.name);
    assert.deepStrictEqual(names.slice(0, 3), ['restore_exclusive_pte', 'remove_device_exclusive_entry', 'do_swap_page'], names.join(' <- '));
    assert.strictEqual(names.at(-1), 'kpsim_cpu_access');
    assert.strictEqual(stack[0].line, bpLine);
    assert.strictEqual(fsPath(stack[0].source?.path), memory.fsPath);

    // VS Code opens the line itself (its own current-line marker) and the panel hook fired.
    await poll('memory.c in the editor at the breakpoint', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.fsPath === memory.fsPath && e.selection.active.line === bpLine - 1 ? e : undefined;
    });
    const at = await poll('a traceStep event', () => steps.at(-1));
    assert.strictEqual(at.scenario, 'exclusive-then-cpu-write');
    assert.strictEqual(at.tree, ws().uri.fsPath);
    const stepAtBreakpoint = at.step;

    // The variables VS Code shows: Locals and the mm state.
    const scopes = (await session.customRequest('scopes', { frameId: stack[0].id })) as { scopes: { name: string; variablesReference: number }[] };
    assert.deepStrictEqual(scopes.scopes.slice(0, 2).map((s) => s.name), ['Locals', 'mm state']);
    const locals = (await session.customRequest('variables', { variablesReference: scopes.scopes[0].variablesReference })) as { variables: { name: string; value: string }[] };
    assert.ok(locals.variables.some((v) => v.name === 'address' && v.value === '0x7f0000000000'), JSON.stringify(locals.variables));

    // Step Back, as the toolbar button does.
    const n = stops().length;
    await vscode.commands.executeCommand('workbench.action.debug.stepBack');
    const back = await nextStop(n);
    assert.strictEqual(back.body?.reason, 'step');
    const after = await frames(session, threadId);
    assert.strictEqual(after[0].name, 'restore_exclusive_pte');
    assert.ok(after[0].line < bpLine, `the line moved back: ${after[0].line} < ${bpLine}`);
    await poll('the editor follows the step back', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.fsPath === memory.fsPath && e.selection.active.line === after[0].line - 1 ? e : undefined;
    });
    await poll('the panel hook follows', () => (steps.at(-1)!.step < stepAtBreakpoint ? true : undefined));

    // Continue: to the breakpoint again, then to the end.
    const m = stops().length;
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await nextStop(m);
    assert.strictEqual((await frames(session, threadId))[0].line, bpLine);
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await poll('the session ends at the end of the trace', () => (vscode.debug.activeDebugSession === undefined ? true : undefined));
    assert.ok(sent.some((x) => x.type === 'event' && x.event === 'terminated'));
  });

  test('"Debug this path" above make_device_exclusive stops at its first call, then at the breakpoint', async () => {
    const rmap = vscode.Uri.joinPath(ws().uri, 'mm/rmap.c');
    await vscode.window.showTextDocument(rmap);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', rmap, 100)) ?? [];
    const lens = lenses.find((l) => l.command?.title === 'Debug this path');
    assert.ok(lens?.command, 'a "Debug this path" lens');
    assert.strictEqual(lens.command.command, 'kernelPathSim.debugPath');
    const n = stops().length;
    const args = { ...(lens.command.arguments?.[0] as object), scenario: 'exclusive-then-cpu-write' };
    assert.ok(await vscode.commands.executeCommand<boolean>(lens.command.command, args));
    const first = await nextStop(n);
    assert.strictEqual(first.body?.reason, 'function breakpoint');
    const session = vscode.debug.activeDebugSession;
    assert.ok(session);
    assert.match(session.name, /^Debug make_device_exclusive: exclusive-then-cpu-write$/);
    const top = await frames(session, first.body?.threadId as number);
    assert.deepStrictEqual(top.map((f) => f.name), ['make_device_exclusive', 'dmirror_exclusive']);
    assert.strictEqual(fsPath(top[0].source?.path), rmap.fsPath);
    // Continue: the breakpoint in restore_exclusive_pte, on the CPU thread.
    const m = stops().length;
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    const hit = await nextStop(m);
    assert.strictEqual(hit.body?.reason, 'breakpoint');
    const stack = await frames(session, hit.body?.threadId as number);
    assert.deepStrictEqual(stack.slice(0, 2).map((f) => f.name), ['restore_exclusive_pte', 'remove_device_exclusive_entry']);
    await vscode.debug.stopDebugging(session);
  });

  test('the palette command picks a scenario and starts a session on the current tree', async () => {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(ws().uri, 'lib/test_hmm.c'));
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const n = stops().length;
    // Accept the quick pick's first item (the first scenario) when it shows.
    let done = false;
    const run = Promise.resolve(vscode.commands.executeCommand<boolean>('kernelPathSim.debugScenario')).finally(() => (done = true));
    while (!done) {
      await new Promise((r) => setTimeout(r, 150));
      if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    assert.strictEqual(await run, true);
    const stop = await nextStop(n);
    assert.strictEqual(stop.body?.reason, 'entry', 'no breakpoints: the first step');
    const session = vscode.debug.activeDebugSession;
    assert.ok(session);
    assert.strictEqual(session.name, 'Debug exclusive-then-cpu-write');
    assert.strictEqual((await frames(session, stop.body?.threadId as number))[0].name, 'dmirror_exclusive');
  });
});
