// The kpsim debug adapter over the Debug Adapter Protocol, without VS Code: the test plays the
// client (initialize, launch, breakpoints, configurationDone, stackTrace, scopes, stepping) on
// the examples tree, the way VS Code drives an inline adapter.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { KpsimDebugSession, type KpsimLaunchArguments, isKpsimLaunchArguments } from '../../../extension/debug/session';
import { simulate } from '../../../extension/engine/simulate';
import { modelDir } from '../../../extension/engine/model/files';
import { engineTree } from '../../helpers/engine';
import { EXAMPLES } from '../../helpers/parser';

/** A DAP client over the adapter's inline interface (handleMessage / onDidSendMessage). */
class Client {
  private seq = 1;
  private readonly responses = new Map<number, (r: DebugProtocol.Response) => void>();
  readonly events: DebugProtocol.Event[] = [];
  private waiters: { pred: (e: DebugProtocol.Event) => boolean; resolve: (e: DebugProtocol.Event) => void; from: number }[] = [];
  readonly stops: { scenario: string; tree: string; step: number }[] = [];
  readonly session: KpsimDebugSession;
  failing = false;

  constructor() {
    this.session = new KpsimDebugSession({
      modelDir: modelDir(),
      simulate: async (args) => {
        if (this.failing) throw new Error('the tree has no device-exclusive support');
        return simulate(await engineTree(args.tree), args.scenario, { views: true, driver: args.driver });
      },
      onStop: (w) => this.stops.push(w),
    });
    this.session.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response') this.responses.get((msg as DebugProtocol.Response).request_seq)?.(msg as DebugProtocol.Response);
      else if (msg.type === 'event') {
        this.events.push(msg as DebugProtocol.Event);
        const idx = this.events.length - 1;
        this.waiters = this.waiters.filter((w) => {
          for (let i = w.from; i <= idx; i++) if (w.pred(this.events[i])) return void w.resolve(this.events[i]), false;
          return true;
        });
      }
    });
  }

  request<R extends DebugProtocol.Response>(command: string, args?: unknown): Promise<R> {
    const seq = this.seq++;
    return new Promise((resolve) => {
      this.responses.set(seq, (r) => resolve(r as R));
      this.session.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    });
  }

  /** The next event (after the `from`-th) that matches. */
  event<E extends DebugProtocol.Event>(name: string, from = this.events.length): Promise<E> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${name}' event`)), 20000);
      timer.unref();
      const pred = (e: DebugProtocol.Event): boolean => e.event === name;
      const found = this.events.slice(from).find(pred);
      if (found) return void (clearTimeout(timer), resolve(found as E));
      this.waiters.push({ pred, from, resolve: (e) => (clearTimeout(timer), resolve(e as E)) });
    });
  }

  /** Sends a stepping request and returns the stop (or termination) it leads to. */
  async move(command: string, args: unknown): Promise<DebugProtocol.StoppedEvent | DebugProtocol.TerminatedEvent> {
    const from = this.events.length;
    const r = await this.request(command, args);
    assert.ok(r.success, `${command}: ${r.message}`);
    return Promise.race([this.event<DebugProtocol.StoppedEvent>('stopped', from), this.event<DebugProtocol.TerminatedEvent>('terminated', from)]);
  }

  async frames(threadId: number): Promise<DebugProtocol.StackFrame[]> {
    const r = await this.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId });
    return r.body.stackFrames;
  }

  async variables(ref: number): Promise<DebugProtocol.Variable[]> {
    return (await this.request<DebugProtocol.VariablesResponse>('variables', { variablesReference: ref })).body.variables;
  }
}

const MEMORY_C = path.join(EXAMPLES, 'mm/memory.c');

/** Starts a session the way VS Code does; `breakpoints` are set between 'initialized' and configurationDone. */
async function start(c: Client, launch: Partial<KpsimLaunchArguments>, breakpoints: { file: string; lines: number[] }[] = []): Promise<DebugProtocol.StoppedEvent> {
  const init = await c.request<DebugProtocol.InitializeResponse>('initialize', { adapterID: 'kpsim', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  assert.ok(init.body?.supportsStepBack, 'step back is supported');
  assert.ok(init.body?.supportsConfigurationDoneRequest);
  const launched = c.request('launch', { tree: EXAMPLES, scenario: 'exclusive-then-cpu-write', ...launch });
  await c.event('initialized', 0);
  for (const b of breakpoints) {
    const r = await c.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', { source: { path: b.file }, breakpoints: b.lines.map((line) => ({ line })) });
    assert.ok(r.success);
  }
  const stopped = c.event<DebugProtocol.StoppedEvent>('stopped', 0);
  await c.request('configurationDone');
  assert.ok((await launched).success);
  return stopped;
}

test('a breakpoint in restore_exclusive_pte: the stack, the locals, the mm state, then step back', async () => {
  const r = simulate(await engineTree(EXAMPLES), 'exclusive-then-cpu-write');
  const restoreLines = [...new Set(r.steps.filter((s) => s.fn === 'restore_exclusive_pte').map((s) => s.line))];
  const bp = restoreLines[2];
  const c = new Client();
  const stop = await start(c, {}, [{ file: MEMORY_C, lines: [bp] }]);
  assert.equal(stop.body.reason, 'breakpoint');
  assert.equal(stop.body.allThreadsStopped, true);

  const threads = (await c.request<DebugProtocol.ThreadsResponse>('threads')).body.threads;
  assert.deepEqual(threads.map((t) => t.id), [1, 2]);
  assert.match(threads[0].name, /^dev0 \(finished\): device 0: atomic access to 0x7f0000000000$/);
  assert.match(threads[1].name, /^cpu1: CPU: write 0x7f0000000000$/);
  assert.equal(stop.body.threadId, 2, 'the CPU thread hit it');

  const frames = await c.frames(2);
  assert.deepEqual(frames.slice(0, 3).map((f) => f.name), ['restore_exclusive_pte', 'remove_device_exclusive_entry', 'do_swap_page']);
  assert.equal(frames[0].line, bp);
  assert.equal(frames[0].source?.path, MEMORY_C, 'tree files resolve against the kernel tree');
  const bottom = frames.at(-1)!;
  assert.equal(bottom.name, 'kpsim_cpu_access');
  assert.equal(bottom.source?.path, path.join(modelDir(), 'cpu.c'), 'kpsim/*.c resolves against the model\'s C');
  assert.equal(c.stops.at(-1)?.scenario, 'exclusive-then-cpu-write');
  assert.equal(c.stops.at(-1)?.tree, EXAMPLES);

  const scopes = (await c.request<DebugProtocol.ScopesResponse>('scopes', { frameId: frames[0].id })).body.scopes;
  assert.deepEqual(scopes.map((s) => s.name).slice(0, 2), ['Locals', 'mm state']);
  const locals = await c.variables(scopes[0].variablesReference);
  const byName = Object.fromEntries(locals.map((v) => [v.name, v.value]));
  assert.equal(byName.address, '0x7f0000000000');
  assert.equal(byName.folio, '&folio@pfn256');
  // The caller's locals are its own.
  const callerScopes = (await c.request<DebugProtocol.ScopesResponse>('scopes', { frameId: frames[1].id })).body.scopes;
  assert.ok((await c.variables(callerScopes[0].variablesReference)).some((v) => v.name === 'vmf'));

  // mm state: nested down to the PTE, still device-exclusive while the restore runs.
  const mm = await c.variables(scopes[1].variablesReference);
  assert.deepEqual(mm.map((v) => v.name), ['addresses', 'devices', 'locks', 'notifier', 'threads']);
  const addr = (await c.variables(mm[0].variablesReference))[0];
  assert.equal(addr.name, '0x7f0000000000');
  assert.match(addr.value, /device.exclusive/i);
  const pte = (await c.variables(addr.variablesReference)).find((v) => v.name === 'pte')!;
  assert.equal((await c.variables(pte.variablesReference)).find((v) => v.name === 'kind')?.value, 'device-exclusive');
  const locks = await c.variables(mm[2].variablesReference);
  assert.match(locks.find((v) => v.name.startsWith('PTL'))?.value ?? '', /cpu1/, 'the fault holds the PTL');

  // Hovering a local in the editor evaluates it.
  const ev = await c.request<DebugProtocol.EvaluateResponse>('evaluate', { expression: 'address', frameId: frames[0].id, context: 'hover' });
  assert.equal(ev.body.result, '0x7f0000000000');
  assert.equal((await c.request('evaluate', { expression: 'no_such_thing', frameId: frames[0].id, context: 'hover' })).success, false);

  // Step back: one line earlier in the same function; the panel is told.
  const back = await c.move('stepBack', { threadId: 2 });
  assert.equal(back.event, 'stopped');
  const after = await c.frames(2);
  assert.equal(after[0].name, 'restore_exclusive_pte');
  assert.equal(after[0].line, restoreLines[1]);
  assert.ok(c.stops.at(-1)!.step < c.stops.at(-2)!.step);
  // Forward again (next), then out to the caller.
  assert.equal((await c.move('next', { threadId: 2 })).event, 'stopped');
  assert.equal((await c.frames(2))[0].line, bp);
  await c.move('stepOut', { threadId: 2 });
  assert.equal((await c.frames(2))[0].name, 'remove_device_exclusive_entry');
  // The PTE is present again: after set_pte_at ran.
  const scopes2 = (await c.request<DebugProtocol.ScopesResponse>('scopes', { frameId: (await c.frames(2))[0].id })).body.scopes;
  const addr2 = (await c.variables((await c.variables(scopes2[1].variablesReference))[0].variablesReference))[0];
  assert.match(addr2.value, /^present/);

  // Reverse continue: back to the breakpoint; continue: past it to the end.
  const rc = await c.move('reverseContinue', { threadId: 2 });
  assert.equal(rc.event, 'stopped');
  assert.equal((rc as DebugProtocol.StoppedEvent).body.reason, 'breakpoint');
  assert.equal((await c.frames(2))[0].line, bp);
  const end = await c.move('continue', { threadId: 2 });
  assert.equal(end.event, 'terminated');
  const console = c.events.filter((e) => e.event === 'output').map((e) => (e as DebugProtocol.OutputEvent).body.output).join('');
  assert.match(console, /kpsim: exclusive-then-cpu-write on examples: PASS/);
  assert.match(console, /end of the trace/);
  assert.ok((await c.request('disconnect', {})).success);
});

test('breakpoints: verified where a step runs, not elsewhere, not outside the tree', async () => {
  const c = new Client();
  const stop = await start(c, { stopOnEntry: true });
  assert.equal(stop.body.reason, 'entry');
  assert.equal((await c.frames(1))[0].name, 'dmirror_exclusive');
  const r = await c.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', { source: { path: MEMORY_C }, breakpoints: [{ line: 1 }, { line: 22 }] });
  assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [false, true]);
  assert.match(r.body.breakpoints[0].message ?? '', /no step of exclusive-then-cpu-write runs mm\/memory\.c:1/);
  const out = await c.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', { source: { path: '/elsewhere/x.c' }, breakpoints: [{ line: 3 }] });
  assert.equal(out.body.breakpoints[0].verified, false);
  // Model files take breakpoints too.
  const model = await c.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', { source: { path: path.join(modelDir(), 'cpu.c') }, breakpoints: [{ line: 21 }] });
  assert.equal(model.body.breakpoints[0].verified, true);
  const hit = await c.move('continue', { threadId: 1 });
  assert.equal((hit as DebugProtocol.StoppedEvent).body.reason, 'breakpoint');
  assert.equal((await c.frames(2))[0].line, 22);
});

test('"Debug this path": stopAtFunction stops at the first call of the function', async () => {
  const c = new Client();
  const stop = await start(c, { stopAtFunction: ['make_device_exclusive', 'make_device_exclusive_range'] });
  assert.equal(stop.body.reason, 'function breakpoint');
  const frames = await c.frames(1);
  assert.deepEqual(frames.map((f) => f.name), ['make_device_exclusive', 'dmirror_exclusive']);
  assert.equal(frames[0].source?.path, path.join(EXAMPLES, 'mm/rmap.c'));
  // The panel hook and the custom position request agree.
  const pos = await c.request('kpsimPosition');
  assert.deepEqual(pos.body, { step: c.stops.at(-1)!.step, scenario: 'exclusive-then-cpu-write', tree: EXAMPLES });
  // kpsimGoto moves anywhere; a bad step is refused.
  const g = await c.move('kpsimGoto', { step: 0 });
  assert.equal(g.event, 'stopped');
  assert.equal((await c.frames(1))[0].name, 'dmirror_exclusive');
  assert.equal((await c.request('kpsimGoto', { step: 1e9 })).success, false);
});

test('bad launches are errors, not crashes', async () => {
  assert.equal(isKpsimLaunchArguments({ tree: '/t', scenario: 's' }), true);
  assert.equal(isKpsimLaunchArguments({ tree: '/t' }), false);
  assert.equal(isKpsimLaunchArguments({ tree: '/t', scenario: 's', driver: 'gpu' }), false);
  assert.equal(isKpsimLaunchArguments({ tree: '/t', scenario: 's', stopAtFunction: [1] }), false);
  const c = new Client();
  await c.request('initialize', { adapterID: 'kpsim' });
  const r = await c.request('launch', { scenario: 'exclusive-then-cpu-write' });
  assert.equal(r.success, false);
  assert.match(r.message ?? '', /needs "tree"/);
  const d = new Client();
  d.failing = true;
  await d.request('initialize', { adapterID: 'kpsim' });
  const f = await d.request<DebugProtocol.ErrorResponse>('launch', { tree: EXAMPLES, scenario: 'exclusive-then-cpu-write' });
  assert.equal(f.success, false);
  assert.match(f.message ?? '', /kpsim: exclusive-then-cpu-write on .*examples: the tree has no device-exclusive support/);
});
