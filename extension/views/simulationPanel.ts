import { randomUUID } from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { renderAscii, verdict } from '../engine/trace/ascii';
import { type HostMessage, PROTOCOL_VERSION, type WebviewMessage, isPanelState, parseWebviewMessage } from '../protocol';
import { type PanelTraceFile, findTraceRoot, traceFilePath } from '../run/panelTrace';
import type { CompareView } from './compareView';
import { ComparisonStore, type SavedComparison } from './savedComparison';
import type { TraceDocuments } from './traceDocument';
import { webviewHtml } from './webviewHtml';

/** The panel's view type (package.json: activation event onWebviewPanel:<it>). */
export const SIMULATION_VIEW_TYPE = 'kernelPathSim.simulation';

/** What a panel knows before its trace arrives. */
export interface PanelInit {
  scenario: string;
  /** The trace's tree name (the kernel tree's directory name). */
  tree: string;
  /** The kernel tree on disk, when known: the trace's `file:line` references are relative to it. */
  root?: string;
  /** The editor group the simulation was started from: lines open there. */
  sourceColumn?: vscode.ViewColumn;
  /** When the command started (host clock, ms): the panel reports its first paint against it. */
  tCommand?: number;
  /**
   * A run on patched text held in memory: the document showing each file it changed (the diff
   * editor's pre or post image), so the highlighted line is the line that ran, not the file on disk.
   */
  documentFor?: (rel: string) => vscode.Uri | undefined;
  /** Which version of the tree ran, when it is not the tree on disk: "v6.12.107 with [v1 04/12]". */
  variant?: string;
  /** A panel opened for something other than a run (a comparison's report): its heading and what it says until that arrives. */
  heading?: { title: string; status: string };
}

/** A "Compare before/after" report for the panel: what it shows, its text, and its counterexamples. */
export interface PanelComparison {
  view: CompareView;
  /** The report as plain text (for a mail reply): "Copy as text" and "Open as text". */
  text: string;
  /** The short name of the patch, for the tab's title: `[v1 2/2]`. */
  label: string;
  /** Counterexample k (CompareViolationView.counterexample): its trace, and the run it comes from. */
  counterexample(k: number): { trace: PanelTraceFile; init: PanelInit } | undefined;
  /** All of it as data, kept for a window reload (the report comes back in its panel). */
  saved?: SavedComparison;
}

/**
 * A comparison back from its saved file (after a window reload). The counterexamples ran on the
 * tree and on its patched version in memory: the after side's lines are not the files on disk, so
 * the editor follows only the before side's.
 */
export function comparisonFromSaved(saved: SavedComparison, sourceColumn?: vscode.ViewColumn): PanelComparison {
  return {
    view: saved.view, text: saved.text, label: saved.label, saved,
    counterexample: (k) => {
      const c = saved.counterexamples[k];
      if (!c) return undefined;
      return { trace: c.trace as PanelTraceFile, init: { scenario: c.scenario, tree: c.trace.tree, root: c.side === 'before' ? saved.root : undefined, sourceColumn, variant: c.variant } };
    },
  };
}

/** The save dialog, replaceable in the extension-host tests (a real dialog would wait for a click). */
export interface PanelDialogs {
  save(options: vscode.SaveDialogOptions): Thenable<vscode.Uri | undefined>;
}

function modelDir(ctx: Ctx): string {
  return path.join(ctx.extension.extensionPath, 'extension', 'engine', 'model', 'kpsim');
}

/** The trees a saved trace may belong to: the workspace folders and the active editor's tree. */
export function candidateRoots(extra: (string | undefined)[] = []): string[] {
  const out = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  return [...extra.filter((x): x is string => Boolean(x)), ...out];
}

/**
 * The simulation panels: each shows one trace beside the editor, animates it, and keeps the
 * editor on the current step's line. A reload brings them back (the serializer) from the state the
 * webview saved.
 */
export class SimulationPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels = new Set<SimulationPanel>();
  dialogs: PanelDialogs = { save: (o) => vscode.window.showSaveDialog(o) };
  /** Comparison reports kept for a window reload. */
  readonly reports: ComparisonStore;

  constructor(readonly ctx: Ctx, readonly traces: TraceDocuments) {
    this.reports = new ComparisonStore(vscode.Uri.joinPath(ctx.extension.globalStorageUri, 'compare-reports'));
  }

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.window.registerWebviewPanelSerializer(SIMULATION_VIEW_TYPE, this),
      this.ctx.traceStep.event((e) => this.follow(e)),
    );
  }

  /** The open panels, oldest first. */
  get all(): readonly SimulationPanel[] {
    return [...this.panels];
  }

  /** A comparison's report in the panel (the open one, else a new one beside the editor). */
  showComparison(c: PanelComparison, init: PanelInit): SimulationPanel {
    const p = this.panelFor(init);
    p.showComparison(c);
    return p;
  }

  /**
   * The panel for a run or a trace: the open one (the last shown), which takes the new trace like
   * the Markdown preview does; else a new one beside the editor. Reusing it matters in the browser:
   * each new webview costs its service worker a second before the page even starts to load.
   */
  panelFor(init: PanelInit): SimulationPanel {
    const open = [...this.panels].filter((p) => !p.isDisposed);
    const reuse = open.find((p) => p.webviewPanel.active) ?? open.find((p) => p.webviewPanel.visible) ?? open[open.length - 1];
    if (reuse) {
      reuse.reuse(init);
      reuse.webviewPanel.reveal(undefined, true);
      return reuse;
    }
    // Beside the editor; where simulation panels already are, if any (never a third group from a panel).
    const column = [...this.panels].map((p) => p.webviewPanel.viewColumn).find((c) => c !== undefined) ?? vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(
      SIMULATION_VIEW_TYPE, titleOf(init.scenario), { viewColumn: column, preserveFocus: true }, this.webviewOptions(),
    );
    return this.adopt(panel, init);
  }

  webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const ext = this.ctx.extension.extensionUri;
    return {
      enableScripts: true, retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(ext, 'dist'), vscode.Uri.joinPath(ext, 'media')],
    };
  }

  private adopt(panel: vscode.WebviewPanel, init: PanelInit): SimulationPanel {
    const p = new SimulationPanel(this, panel, init);
    this.panels.add(p);
    panel.onDidDispose(() => this.panels.delete(p));
    return p;
  }

  /**
   * After a window reload: the panel comes back with the trace and step its webview saved, or with
   * the comparison report it showed (and the counterexample of it it was on).
   */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    panel.webview.options = this.webviewOptions();
    if (!isPanelState(state)) {
      this.ctx.output.warn('simulation panel: nothing to restore (no saved trace); closing it');
      panel.dispose();
      return;
    }
    const column = panel.viewColumn && panel.viewColumn > vscode.ViewColumn.One ? panel.viewColumn - 1 : undefined;
    if (state.report !== undefined) {
      const saved = await this.reports.load(state.report);
      if (typeof saved === 'string') {
        this.ctx.output.warn(`simulation panel: cannot restore the comparison report: ${saved}; closing it`);
        panel.dispose();
        return;
      }
      const c = comparisonFromSaved(saved, column);
      const p = this.adopt(panel, { scenario: saved.counterexamples.find((x) => x)?.scenario ?? 'compare', tree: path.basename(saved.root), root: saved.root, sourceColumn: column, heading: { title: `Compare before/after ${saved.label}`, status: 'Loading the report…' } });
      p.showComparison(c, state.report);
      const k = state.trace !== undefined ? state.counterexample : undefined;
      if (state.trace !== undefined && k !== undefined) p.showCounterexample(k, state.step);
      this.ctx.output.info(`simulation panel restored: the comparison report of ${saved.label}${k !== undefined ? `, at its counterexample ${k}` : ''}`);
      return;
    }
    if (state.trace === undefined) return;
    const trace = state.trace as PanelTraceFile;
    const root = findTraceRoot(trace.tree, candidateRoots());
    const p = this.adopt(panel, { scenario: trace.scenario.id, tree: trace.tree, root, sourceColumn: column });
    p.show(trace, state.step);
    this.ctx.output.info(`simulation panel restored: ${trace.scenario.id} on ${trace.tree} at step ${state.step}${root ? '' : ' (its tree is not open)'}`);
  }

  /** A debug session moved: the panels showing its scenario on its tree follow. */
  follow(e: { scenario: string; tree: string; step: number }): void {
    for (const p of this.panels) {
      if (p.scenario === e.scenario && (p.root === e.tree || p.tree === e.tree || p.tree === path.basename(e.tree))) p.goto(e.step);
    }
  }

  dispose(): void {
    for (const p of [...this.panels]) p.dispose();
  }
}

function sameDocument(a: vscode.Uri, b: vscode.Uri): boolean {
  return a.scheme === 'file' && b.scheme === 'file' ? a.fsPath === b.fsPath : a.toString() === b.toString();
}

function titleOf(scenario: string, variant?: string): string {
  return `Simulation: ${scenario}${variant ? ` (${variant})` : ''}`;
}

function reportTitleOf(label: string): string {
  return `Compare: ${label}`;
}

/** One panel: its webview, its trace, and the editor line it highlights. */
export class SimulationPanel implements vscode.Disposable {
  scenario: string;
  tree: string;
  root: string | undefined;
  private documentFor: ((rel: string) => vscode.Uri | undefined) | undefined;
  /** The patched version of the tree this panel's trace ran on, if any. */
  variant: string | undefined;
  trace: PanelTraceFile | undefined;
  /** The trace as JSON, as it is posted (made once). */
  private json: string | undefined;
  private sourceColumn: vscode.ViewColumn | undefined;
  private textUri: vscode.Uri | undefined;
  private step = -1;
  private ready = false;
  private readonly readyWaiters: (() => void)[] = [];
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.stackFrameHighlightBackground'),
    outlineColor: new vscode.ThemeColor('contrastActiveBorder'),
    outlineStyle: 'solid',
    outlineWidth: '1px',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Full,
  });
  /** The highlighted line, re-applied when its editor comes back into view. */
  private highlight: { uri: vscode.Uri; line: number; step: number; thread: string } | undefined;
  private pendingSync: { step: number; file: string; line: number } | undefined;
  private syncing: Promise<void> | undefined;
  private warnedNoTree = false;
  /** A run under way for this panel: its tree and editor group apply when its trace comes. */
  private pending: PanelInit | undefined;
  /** The comparison report the panel holds, if any; `mode` says whether it or the trace is shown. */
  private comparisonShown: PanelComparison | undefined;
  /** The id the report is saved under for a window reload, once it is. */
  private savedId: string | undefined;
  private modeShown: 'trace' | 'report' = 'trace';
  /** Which of the comparison's counterexamples the trace is. */
  private counterexampleShown: number | undefined;
  /** The webview has received the report (postMessage said so): for the tests. */
  reportDelivered = false;
  /** The report's plain-text document, once opened (reused while it is open). */
  private reportDocument: vscode.TextDocument | undefined;

  constructor(private readonly manager: SimulationPanels, readonly webviewPanel: vscode.WebviewPanel, init: PanelInit) {
    this.scenario = init.scenario;
    this.tree = init.tree;
    this.root = init.root;
    this.sourceColumn = init.sourceColumn;
    this.documentFor = init.documentFor;
    this.variant = init.variant;
    const ctx = manager.ctx;
    const heading = init.heading ?? { title: `${init.scenario} on ${init.tree}`, status: `Simulating ${init.scenario} on ${init.tree}…` };
    webviewPanel.title = titleOf(init.scenario);
    webviewPanel.webview.html = webviewHtml(webviewPanel.webview, ctx.extension.extensionUri, 'panel.css', titleOf(init.scenario), {
      script: 'panel.js',
      styleNonce: true,
      data: { tCommand: init.tCommand ?? 0, tCreated: Date.now(), title: heading.title, status: heading.status },
    });
    webviewPanel.webview.onDidReceiveMessage((m: unknown) => this.receive(m), undefined, this.disposables);
    webviewPanel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    vscode.window.onDidChangeVisibleTextEditors(() => this.reapply(), undefined, this.disposables);
  }

  /** A new run for this panel: it says what it waits for; its trace stays until the new one comes. */
  reuse(init: PanelInit | undefined): void {
    this.pending = init;
    // A failed run: the panel says so no more (its trace, if any, is still what it shows).
    if (!init && this.trace) this.post({ v: PROTOCOL_VERSION, type: 'status', message: '' });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private post(m: HostMessage): void {
    if (!this.disposed) void this.webviewPanel.webview.postMessage(m);
  }

  /** The documents the trace's patched files are shown in (a comparison's after side). */
  setDocumentFor(documentFor: ((rel: string) => vscode.Uri | undefined) | undefined): void {
    this.documentFor = documentFor;
  }

  /** Shows a trace at a step (-1: before the first); the run it comes from says where its tree is. A report it held is forgotten. */
  show(trace: PanelTraceFile, step = -1, textUri?: vscode.Uri): void {
    this.comparisonShown = undefined;
    this.showTrace(trace, step, textUri, undefined);
  }

  private showTrace(trace: PanelTraceFile, step: number, textUri: vscode.Uri | undefined, counterexample: number | undefined): void {
    this.modeShown = 'trace';
    this.counterexampleShown = counterexample;
    if (this.pending) {
      this.root = this.pending.root;
      this.sourceColumn = this.pending.sourceColumn ?? this.sourceColumn;
      this.documentFor = this.pending.documentFor;
      this.variant = this.pending.variant;
      this.pending = undefined;
      this.warnedNoTree = false;
    }
    this.trace = trace;
    this.json = undefined;
    this.scenario = trace.scenario.id;
    this.tree = trace.tree;
    this.step = step;
    this.textUri = textUri;
    this.webviewPanel.title = titleOf(trace.scenario.id, this.variant);
    if (this.ready) this.postTrace();
  }

  private postTrace(): void {
    if (!this.trace) return;
    const sentAt = Date.now();
    this.json ??= JSON.stringify(this.trace);
    this.post({ v: PROTOCOL_VERSION, type: 'traceText', json: this.json, step: this.step, sentAt, ...(this.counterexampleShown !== undefined ? { counterexample: this.counterexampleShown } : {}) });
  }

  // ---- a comparison's report -------------------------------------------------------------------

  /** The comparison report the panel holds (shown, or one "Back to report" away). */
  get comparison(): PanelComparison | undefined {
    return this.comparisonShown;
  }

  /** What the panel shows: the trace, or the comparison report. */
  get mode(): 'trace' | 'report' {
    return this.modeShown;
  }

  /** The id the comparison report is kept under for a window reload, once it is saved. */
  get savedReportId(): string | undefined {
    return this.savedId;
  }

  /** Which of the comparison's counterexamples the trace is, if it is one. */
  get counterexample(): number | undefined {
    return this.counterexampleShown;
  }

  /**
   * Shows a comparison's report; its counterexamples are then one click away. A comparison with
   * its data is saved for a window reload (`savedId`: it already is, under that id).
   */
  showComparison(c: PanelComparison, savedId?: string): void {
    this.comparisonShown = c;
    this.savedId = savedId;
    this.pending = undefined;
    this.reportDocument = undefined;
    this.reportDelivered = false;
    if (c.saved && !savedId) {
      const id = randomUUID();
      const saved = c.saved;
      const reports = this.manager.reports;
      void reports.save(id, saved).then(() => {
        if (this.comparisonShown !== c) return;
        this.savedId = id;
        // A webview that has the report already learns its id (a later report message carries it).
        if (this.ready) this.post({ v: PROTOCOL_VERSION, type: 'reportSaved', saved: id });
      }, (e: unknown) => this.manager.ctx.output.warn(`simulation panel: the comparison report is not kept for a window reload: ${e instanceof Error ? e.message : String(e)}`));
    }
    this.showReport();
  }

  /**
   * Back to the report from a counterexample (the editor's highlight goes: no step is shown).
   * `post`: false when the webview went back by itself (it keeps the report as it was, scrolled).
   */
  showReport(post = true): void {
    const c = this.comparisonShown;
    if (!c) return;
    this.modeShown = 'report';
    this.clearHighlight();
    this.webviewPanel.title = reportTitleOf(c.label);
    if (post && this.ready) this.postReport();
  }

  private postReport(): void {
    const c = this.comparisonShown;
    if (!c || this.disposed) return;
    void this.webviewPanel.webview.postMessage({ v: PROTOCOL_VERSION, type: 'compareReport', report: c.view, ...(this.savedId ? { saved: this.savedId } : {}) } satisfies HostMessage).then((ok) => {
      if (ok && this.comparisonShown === c) this.reportDelivered = true;
    });
  }

  /** Shows counterexample k of the report, animated like any trace (from `step`); false when there is no such counterexample. */
  showCounterexample(k: number, step = -1): boolean {
    const cx = this.comparisonShown?.counterexample(k);
    if (!cx) {
      this.manager.ctx.output.warn(`simulation panel: the report has no counterexample ${k}`);
      return false;
    }
    this.pending = cx.init;
    this.showTrace(cx.trace, step, undefined, k);
    return true;
  }

  /** The report as plain text: to the clipboard, or as an untitled document in the panel's group. */
  private async reportText(action: 'copy' | 'open'): Promise<void> {
    const c = this.comparisonShown;
    if (!c) return;
    if (action === 'copy') {
      await vscode.env.clipboard.writeText(c.text);
      void vscode.window.showInformationMessage(`Kernel Path Simulator: copied the comparison report of ${c.label} (${c.text.split('\n').length} lines) to the clipboard.`);
      return;
    }
    await this.openReportText();
  }

  /** Opens the report as an untitled plain-text document (the same one again while it is open). */
  async openReportText(): Promise<vscode.TextDocument | undefined> {
    const c = this.comparisonShown;
    if (!c) return undefined;
    if (!this.reportDocument || this.reportDocument.isClosed) this.reportDocument = await vscode.workspace.openTextDocument({ content: c.text, language: 'plaintext' });
    await vscode.window.showTextDocument(this.reportDocument, { viewColumn: this.webviewPanel.viewColumn ?? vscode.ViewColumn.Beside, preview: false });
    return this.reportDocument;
  }

  /**
   * Resolves when the webview has said `ready` (at most `ms` later): a simulation started after it
   * leaves the CPU to the panel's first paint.
   */
  whenReady(ms: number): Promise<void> {
    if (this.ready || this.disposed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** What the host is doing before the trace exists (indexing, simulating). */
  status(message: string): void {
    this.post({ v: PROTOCOL_VERSION, type: 'status', message });
  }

  /** Moves the panel to a step (the debug session's position). */
  goto(step: number): void {
    if (!this.trace) return;
    this.step = Math.max(-1, Math.min(this.trace.steps.length - 1, step));
    this.post({ v: PROTOCOL_VERSION, type: 'goto', step: this.step });
  }

  /** The step the panel shows (as the webview last reported it). */
  get currentStep(): number {
    return this.step;
  }

  /** A message from the webview: checked, then acted on; a bad one is logged and dropped. */
  receive(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.manager.ctx.output.warn(`simulation panel: ignored a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return Promise.resolve();
    }
    return this.handle(m).catch((e: unknown) => {
      this.manager.ctx.output.error(`simulation panel: ${m.type}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      void vscode.window.showErrorMessage(`Kernel Path Simulator: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        for (const w of this.readyWaiters.splice(0)) w();
        // The report first: a counterexample shown from it goes back to it.
        if (this.comparisonShown) this.postReport();
        if (this.modeShown === 'trace') this.postTrace();
        return;
      case 'step':
        if (!this.trace || m.step >= this.trace.steps.length) {
          this.manager.ctx.output.warn(`simulation panel: step ${m.step} is not in the trace`);
          return;
        }
        this.step = m.step;
        return this.sync({ step: m.step, file: m.file, line: m.line });
      case 'export':
        return this.export(m.format, m.svg);
      case 'openText':
        await this.openText();
        return;
      case 'showCounterexample':
        this.showCounterexample(m.index);
        return;
      case 'backToReport':
        this.showReport(false);
        return;
      case 'compareText':
        return this.reportText(m.action);
      default:
        this.manager.ctx.output.warn(`simulation panel: ignored a ${m.type} message (that is the path view's)`);
    }
  }

  // ---- editor sync ---------------------------------------------------------------------------

  /** Highlights a step's line; while a highlight is under way only the latest request waits. */
  sync(s: { step: number; file: string; line: number }): Promise<void> {
    this.pendingSync = s;
    this.syncing ??= (async () => {
      try {
        while (this.pendingSync && !this.disposed) {
          const next = this.pendingSync;
          this.pendingSync = undefined;
          await this.syncOne(next);
        }
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** The editor group lines open in: where the simulation started, never the panel's own. */
  private editorColumn(): vscode.ViewColumn {
    const own = this.webviewPanel.viewColumn;
    const col = this.sourceColumn ?? vscode.ViewColumn.One;
    if (col !== own) return col;
    return own === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  }

  private editorFor(uri: vscode.Uri): vscode.TextEditor | undefined {
    const showing = vscode.window.visibleTextEditors.filter((e) => sameDocument(e.document.uri, uri));
    return showing.find((e) => e.viewColumn === this.sourceColumn) ?? showing[0];
  }

  private async syncOne(s: { step: number; file: string; line: number }): Promise<void> {
    if (s.step < 0 || !s.file || s.line < 1) {
      this.clearHighlight();
      return;
    }
    const inMemory = this.documentFor?.(s.file);
    const abs = inMemory ? inMemory.toString() : traceFilePath(s.file, this.root, modelDir(this.manager.ctx));
    if (!abs && this.root) {
      this.manager.ctx.output.warn(`simulation panel: refused to open ${s.file}: outside ${this.root}`);
      return;
    }
    if (!abs) {
      if (!this.warnedNoTree) {
        this.warnedNoTree = true;
        void vscode.window.showInformationMessage(`Kernel Path Simulator: the tree of this trace (${this.tree}) is not open, so its lines are not shown in the editor. Open it as a workspace folder, or beside the one you have.`);
      }
      return;
    }
    const uri = inMemory ?? vscode.Uri.file(abs);
    let editor = this.editorFor(uri);
    if (!editor) {
      editor = await vscode.window.showTextDocument(uri, { viewColumn: this.editorColumn(), preserveFocus: true, preview: true });
    }
    const thread = this.trace?.steps[s.step]?.thread ?? '';
    this.highlight = { uri, line: Math.min(s.line, editor.document.lineCount) - 1, step: s.step, thread };
    this.apply(editor);
    editor.revealRange(new vscode.Range(this.highlight.line, 0, this.highlight.line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private apply(target?: vscode.TextEditor): void {
    const h = this.highlight;
    for (const e of vscode.window.visibleTextEditors) {
      const mine = h && sameDocument(e.document.uri, h.uri) && (!target || e === target);
      e.setDecorations(this.decoration, mine ? [{
        range: new vscode.Range(h.line, 0, h.line, 0),
        hoverMessage: `Kernel Path Simulator: step ${h.step} of ${this.scenario} (${h.thread})`,
        renderOptions: { after: { contentText: `  ◀ step ${h.step} · ${h.thread}`, color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' } },
      }] : []);
    }
  }

  private reapply(): void {
    if (this.highlight && !this.disposed) this.apply();
  }

  private clearHighlight(): void {
    this.highlight = undefined;
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(this.decoration, []);
  }

  // ---- export ------------------------------------------------------------------------------

  private defaultUri(name: string): vscode.Uri | undefined {
    const dir = vscode.workspace.workspaceFolders?.[0]?.uri;
    return dir ? vscode.Uri.joinPath(dir, name) : undefined;
  }

  private async export(format: 'ascii' | 'json' | 'svg', svg?: string): Promise<void> {
    const t = this.trace;
    if (!t) return;
    const base = `${t.scenario.id}-${t.tree}`;
    if (format === 'ascii') {
      const text = renderAscii(t);
      await vscode.env.clipboard.writeText(text);
      void vscode.window.showInformationMessage(`Kernel Path Simulator: copied the ASCII timeline of ${t.scenario.id} (${text.split('\n').length} lines, ${verdict(t)}) to the clipboard.`);
      return;
    }
    if (format === 'svg' && (!svg || !/^<svg[\s>]/.test(svg))) {
      this.manager.ctx.output.warn('simulation panel: an SVG export without SVG markup was ignored');
      return;
    }
    const json = format === 'json';
    const uri = await this.manager.dialogs.save({
      title: json ? 'Save the kpsim trace' : 'Save the state diagram',
      defaultUri: this.defaultUri(json ? `${base}.kptrace.json` : `${base}-step${this.step}.svg`),
      filters: json ? { 'kpsim trace': ['json'] } : { SVG: ['svg'] },
    });
    if (!uri) return;
    const text = json ? JSON.stringify(t, null, t.steps.length > 2000 ? undefined : 1) : `<?xml version="1.0" encoding="UTF-8"?>\n${svg!}\n`;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
    this.manager.ctx.output.info(`simulation panel: saved ${uri.fsPath}`);
    void vscode.window.showInformationMessage(`Kernel Path Simulator: saved ${json ? 'the trace' : 'the diagram'} to ${vscode.workspace.asRelativePath(uri)}.`);
  }

  /** Opens the trace as the read-only ASCII document, in the panel's group. */
  async openText(): Promise<vscode.Uri | undefined> {
    const t = this.trace;
    if (!t) return undefined;
    this.textUri ??= this.manager.traces.add(this.root ?? '', t.scenario.id, renderAscii(t), this.sourceColumn);
    const doc = await vscode.workspace.openTextDocument(this.textUri);
    await vscode.window.showTextDocument(doc, { viewColumn: this.webviewPanel.viewColumn ?? vscode.ViewColumn.Beside, preview: false });
    return this.textUri;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearHighlight();
    this.decoration.dispose();
    this.webviewPanel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
