/**
 * The kpsim debug adapter: a simulation trace replayed as a debug session (Debug Adapter
 * Protocol). Threads are the scenario's threads, stack frames the interpreted frames at their real
 * source lines, variables the frame's locals, the mm state and what the step did. Stepping moves
 * through the recorded trace in both directions (supportsStepBack), so nothing is re-run.
 *
 * It does not import vscode: the extension runs it inline (register.ts), the tests drive it over
 * its message protocol. How the trace is made is the host's business (a worker in VS Code).
 */
import {
  Breakpoint, DebugSession, Handles, InitializedEvent, OutputEvent, Scope, Source, StoppedEvent, TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DriverPreference, SimulationResult } from '../engine/simulate';
import { verdict } from '../engine/trace/ascii';
import { type SourceRoots, resolveTraceFile, traceFileOf } from './sources';
import { type Stop, TraceCursor } from './traceCursor';
import { type VarNode, localsNodes, mmStateNodes, stepNodes, viewBefore } from './variables';

/** The debugger type contributed in package.json. */
export const DEBUG_TYPE = 'kpsim';

/** A kpsim launch configuration (package.json contributes.debuggers describes it to the user). */
export interface KpsimLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The kernel tree (absolute). */
  tree: string;
  /** A scenario id (`kpsim scenarios`). */
  scenario: string;
  driver?: DriverPreference;
  /** Stop at the first step instead of running to the first breakpoint. */
  stopOnEntry?: boolean;
  /** Also stop at the first call of these functions (the one a "Debug this path" lens was above). */
  stopAtFunction?: string | string[];
  /** The scheduling decisions to replay (a counterexample the race explorer found). */
  schedule?: string[];
}

/** What the session needs from where it runs. */
export interface KpsimDebugHost {
  /** Runs the scenario and returns its trace, recorded with views (`simulate(..., { views: true })`). */
  simulate(args: KpsimLaunchArguments, log: (line: string) => void): Promise<SimulationResult>;
  /** The directory of the model's kpsim/*.c. */
  modelDir: string;
  /** Called at every stop (the simulation panel follows the session). */
  onStop?(where: { scenario: string; tree: string; step: number }): void;
}

export function isKpsimLaunchArguments(x: unknown): x is KpsimLaunchArguments {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  const fns = o.stopAtFunction;
  return typeof o.tree === 'string' && o.tree.length > 0 && typeof o.scenario === 'string' && o.scenario.length > 0
    && (o.driver === undefined || (typeof o.driver === 'string' && ['auto', 'test_hmm', 'nouveau', 'kpsim'].includes(o.driver)))
    && (o.stopOnEntry === undefined || typeof o.stopOnEntry === 'boolean')
    && (fns === undefined || typeof fns === 'string' || (Array.isArray(fns) && fns.every((f) => typeof f === 'string')));
}

/** Frame ids: thread number * FRAMES + the frame's index (innermost 0). */
const FRAMES = 100000;

/** How long the launch waits for the client's breakpoints (configurationDone) before it runs. */
const CONFIGURATION_TIMEOUT_MS = 10000;

export class KpsimDebugSession extends DebugSession {
  private trace: SimulationResult | undefined;
  private cursor: TraceCursor | undefined;
  private roots: SourceRoots | undefined;
  private readonly vars = new Handles<VarNode[]>();
  /** Breakpoints that arrived before the trace (kept by file, placed once it is loaded). */
  private readonly pendingBreakpoints = new Map<string, number[]>();
  private functionBreakpoints: string[] = [];
  private launchFunctions: string[] = [];
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((r) => (this.configured = r));
  private ended = false;

  constructor(private readonly host: KpsimDebugHost) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** The step the session is stopped at (for the host and tests). */
  get position(): number | undefined {
    return this.cursor && !this.ended ? this.cursor.position : undefined;
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsFunctionBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
      supportsSteppingGranularity: false,
      supportsRestartRequest: false,
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configured();
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    void this.launch(response, args);
  }

  private async launch(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    if (!isKpsimLaunchArguments(args)) {
      this.sendErrorResponse(response, { id: 1001, format: 'kpsim: a launch configuration needs "tree" (a kernel tree) and "scenario" (a scenario id), and optionally "driver", "stopOnEntry", "stopAtFunction"', showUser: true });
      return;
    }
    let trace: SimulationResult;
    try {
      trace = await this.host.simulate(args, (line) => this.log(line));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.sendErrorResponse(response, { id: 1002, format: `kpsim: ${args.scenario} on ${args.tree}: {_message}`, variables: { _message: msg }, showUser: true });
      return;
    }
    if (!trace.views) this.log('this trace was recorded without views: the mm state is not shown');
    this.trace = trace;
    this.roots = { root: args.tree, modelDir: this.host.modelDir };
    this.cursor = new TraceCursor(trace.steps);
    this.launchFunctions = args.stopAtFunction === undefined ? [] : ([] as string[]).concat(args.stopAtFunction);
    this.cursor.setFunctionBreakpoints([...this.launchFunctions, ...this.functionBreakpoints]);
    for (const [abs, lines] of this.pendingBreakpoints) {
      const file = traceFileOf(this.roots, abs);
      if (file) this.cursor.setBreakpoints(file, lines);
    }
    this.pendingBreakpoints.clear();

    this.log(`kpsim: ${trace.scenario.id} on ${trace.tree}: ${verdict(trace)}, ${trace.steps.length} steps`);
    this.log(`  ${trace.scenario.title}; threads: ${trace.threads.map((t) => `${t.id} = ${t.title}`).join('; ')}`);
    for (const u of trace.unmodelled) this.log(`  not modelled: ${u.name} at ${u.file}:${u.line} (${u.thread} stopped there)`);

    // The client now sends its breakpoints, then configurationDone.
    this.sendEvent(new InitializedEvent());
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.configurationDone, new Promise((r) => (timer = setTimeout(r, CONFIGURATION_TIMEOUT_MS)))]);
    clearTimeout(timer);
    this.sendResponse(response);
    this.report(this.cursor.start(args.stopOnEntry ?? false));
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const requested = (args.breakpoints ?? args.lines?.map((line) => ({ line })) ?? []).map((b) => this.convertClientLineToDebugger(b.line));
    const file = args.source.path && this.roots ? traceFileOf(this.roots, args.source.path) : undefined;
    if (!this.cursor || !this.roots) {
      // Before the trace exists (a client that does not wait for 'initialized'): keep them.
      if (args.source.path) this.pendingBreakpoints.set(args.source.path, requested);
      response.body = { breakpoints: requested.map((line) => new Breakpoint(false, this.convertDebuggerLineToClient(line))) };
    } else if (!file) {
      response.body = { breakpoints: requested.map((line) => ({ ...new Breakpoint(false, this.convertDebuggerLineToClient(line)), message: 'not in the simulated kernel tree' })) };
    } else {
      const placed = this.cursor.setBreakpoints(file, requested);
      response.body = {
        breakpoints: placed.map((p) => {
          const bp: DebugProtocol.Breakpoint = new Breakpoint(p.verified, this.convertDebuggerLineToClient(p.line));
          if (!p.verified) bp.message = `no step of ${this.trace?.scenario.id ?? 'this scenario'} runs ${file}:${p.requested}`;
          return bp;
        }),
      };
    }
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.functionBreakpoints = args.breakpoints.map((b) => b.name);
    const known = this.cursor?.setFunctionBreakpoints([...this.functionBreakpoints, ...this.launchFunctions]) ?? this.functionBreakpoints.map(() => false);
    response.body = { breakpoints: this.functionBreakpoints.map((_, i) => new Breakpoint(known[i])) };
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const trace = this.trace;
    const cursor = this.cursor;
    response.body = {
      threads: (trace?.threads ?? []).map((t, i) => {
        const state = cursor?.threadState(t.id);
        // The state first: the call stack view cuts long names short.
        return new Thread(i + 1, `${t.id}${state && state !== 'running' ? ` (${state})` : ''}: ${t.title}`);
      }),
    };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const thread = this.threadName(args.threadId);
    const frames = thread && this.cursor ? this.cursor.stack(thread) : [];
    const start = args.startFrame ?? 0;
    const end = args.levels ? start + args.levels : frames.length;
    response.body = {
      totalFrames: frames.length,
      stackFrames: frames.slice(start, end).map((f, k) => {
        const i = start + k;
        const frame: DebugProtocol.StackFrame = {
          id: args.threadId * FRAMES + i, name: f.fn, source: this.source(f.file),
          line: this.convertDebuggerLineToClient(f.line), column: this.convertDebuggerColumnToClient(1),
        };
        if (f.file.startsWith('kpsim/')) frame.presentationHint = 'subtle';
        return frame;
      }),
    };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const f = this.frame(args.frameId);
    const trace = this.trace;
    if (!f || !trace || !this.cursor) {
      response.body = { scopes: [] };
      this.sendResponse(response);
      return;
    }
    const step = trace.steps[f.step];
    const view = viewBefore(trace.views, this.cursor.position);
    response.body = {
      scopes: [
        new Scope('Locals', this.vars.create(localsNodes(step.locals)), false),
        new Scope('mm state', this.vars.create(mmStateNodes(view)), false),
        new Scope(`Step ${f.step}`, this.vars.create(stepNodes(step, trace.objects)), true),
      ],
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const nodes = this.vars.get(args.variablesReference) ?? [];
    response.body = {
      variables: nodes.map((n) => ({ name: n.name, value: n.value, variablesReference: n.children?.length ? this.vars.create(n.children) : 0 })),
    };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const f = args.frameId === undefined ? this.topFrame() : this.frame(args.frameId);
    const locals = f && this.trace ? this.trace.steps[f.step].locals : undefined;
    const name = args.expression.trim();
    const value = locals && Object.hasOwn(locals, name) ? locals[name] : undefined;
    if (value === undefined) {
      this.sendErrorResponse(response, { id: 1003, format: `kpsim: '{_name}' is not a local of this frame (the replay shows locals, not expressions)`, variables: { _name: name }, showUser: false });
      return;
    }
    response.body = { result: value, variablesReference: 0 };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.move((c) => c.continue());
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.sendResponse(response);
    this.move((c) => c.stepOver(this.threadName(args.threadId)));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.sendResponse(response);
    this.move((c) => c.stepIn(this.threadName(args.threadId)));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.sendResponse(response);
    this.move((c) => c.stepOut(this.threadName(args.threadId)));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.sendResponse(response);
    this.move((c) => c.stepBack(this.threadName(args.threadId)));
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.sendResponse(response);
    this.move((c) => c.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    // A replay is always stopped between requests: say where.
    this.sendResponse(response);
    if (this.cursor?.current && !this.ended) this.report({ step: this.cursor.position, reason: 'step' }, 'pause');
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.end();
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.ended = true;
    this.sendResponse(response);
  }

  /**
   * Custom requests: `kpsimGoto` { step } moves to a step (the panel can drive the session);
   * `kpsimPosition` answers { step, scenario, tree }.
   */
  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === 'kpsimPosition') {
      response.body = { step: this.position, scenario: this.trace?.scenario.id, tree: this.roots?.root };
      this.sendResponse(response);
    } else if (command === 'kpsimGoto') {
      const step = (args as { step?: unknown } | undefined)?.step;
      if (!this.cursor || typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step >= this.cursor.length) {
        this.sendErrorResponse(response, { id: 1004, format: `kpsim: no step ${String(step)} in this trace`, showUser: false });
        return;
      }
      this.sendResponse(response);
      this.ended = false;
      this.report(this.cursor.goto(step));
    } else super.customRequest(command, response, args);
  }

  private move(how: (c: TraceCursor) => Stop): void {
    if (!this.cursor || this.ended) return;
    this.report(how(this.cursor));
  }

  private report(stop: Stop, reason?: 'pause'): void {
    if ('end' in stop) {
      this.end();
      return;
    }
    const trace = this.trace!;
    const step = trace.steps[stop.step];
    this.vars.reset();
    const e: DebugProtocol.StoppedEvent = new StoppedEvent(reason ?? stop.reason, this.threadId(step.thread));
    e.body.allThreadsStopped = true;
    // Short: VS Code shows it, upper-cased, beside the thread's name in the call stack view.
    e.body.description = `${reason ?? stop.reason}, step ${stop.step}/${trace.steps.length}`;
    this.sendEvent(e);
    this.host.onStop?.({ scenario: trace.scenario.id, tree: this.roots!.root, step: stop.step });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const trace = this.trace;
    if (trace) {
      this.log(`kpsim: end of the trace (${trace.steps.length} steps): ${verdict(trace)}`);
      for (const c of trace.checks) this.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    }
    this.sendEvent(new TerminatedEvent());
  }

  private log(line: string): void {
    this.sendEvent(new OutputEvent(`${line}\n`, 'console'));
  }

  private source(file: string): DebugProtocol.Source {
    const abs = this.roots ? resolveTraceFile(this.roots, file) : undefined;
    const src: DebugProtocol.Source = new Source(file.split('/').pop() ?? file, abs);
    // Not 'deemphasize': VS Code would then focus the caller instead of the line the replay is at.
    if (file.startsWith('kpsim/')) src.origin = 'kpsim model C';
    return src;
  }

  private threadId(name: string): number {
    return (this.trace?.threads.findIndex((t) => t.id === name) ?? -1) + 1;
  }

  private threadName(id: number): string | undefined {
    return this.trace?.threads[id - 1]?.id;
  }

  private frame(frameId: number): ReturnType<TraceCursor['stack']>[number] | undefined {
    const thread = this.threadName(Math.floor(frameId / FRAMES));
    return thread ? this.cursor?.stack(thread)[frameId % FRAMES] : undefined;
  }

  private topFrame(): ReturnType<TraceCursor['stack']>[number] | undefined {
    return this.cursor?.stack()[0];
  }
}
