import * as vscode from 'vscode';
import type { Review, ReviewFile, ReviewPatch, ReviewSeries } from '../patches/review';

export type PatchState = 'unreviewed' | 'reviewed' | 'skipped';

/** A remark the reviewer typed in VS Code on a line of a hunk (kept across restarts). */
export interface UserComment {
  id: string;
  /** The patch's Message-ID. */
  messageId: string;
  path: string;
  hunk: number;
  /** Index in Hunk.lines. */
  line: number;
  side: 'old' | 'new';
  text: string;
  date: string;
}

/** Where a patch sits: the series (by id) and its position in it. */
export interface PatchRef {
  series: string;
  patch: number;
}

const STATES = 'kernelPathSim.review.states';
const COMMENTS = 'kernelPathSim.review.comments';
const SOURCES = 'kernelPathSim.review.sources';

/**
 * The reviews open in this window, and what the reviewer decided and wrote about each patch.
 * Decisions and comments are keyed by Message-ID in the workspace state, so they survive a restart
 * and a re-download of the same thread.
 */
export class ReviewStore implements vscode.Disposable {
  private reviews: Review[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly commentsChanged = new vscode.EventEmitter<string>();
  /** Fires with the Message-ID of the patch whose comments changed. */
  readonly onDidChangeComments = this.commentsChanged.event;

  constructor(private readonly memento: vscode.Memento) {}

  get all(): readonly Review[] {
    return this.reviews;
  }

  /** Adds a review, replacing an earlier one of the same source; remembers the source for next time. */
  add(review: Review, rememberAs?: { source: string; file: string }): void {
    this.reviews = [...this.reviews.filter((r) => r.source !== review.source), review];
    if (rememberAs) {
      const sources = this.sources().filter((s) => s.source !== rememberAs.source);
      void this.memento.update(SOURCES, [...sources, rememberAs]);
    }
    this.changed.fire();
  }

  remove(source: string): void {
    this.reviews = this.reviews.filter((r) => r.source !== source);
    void this.memento.update(SOURCES, this.sources().filter((s) => s.source !== source));
    this.changed.fire();
  }

  /** Files read before (a local mbox, or the saved copy of a lore thread), to read again on restart. */
  sources(): { source: string; file: string }[] {
    const v = this.memento.get<unknown>(SOURCES);
    const ok = (x: unknown): x is { source: string; file: string } =>
      typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>).source === 'string' && typeof (x as Record<string, unknown>).file === 'string';
    return Array.isArray(v) ? (v as unknown[]).filter(ok) : [];
  }

  series(id: string): { review: Review; series: ReviewSeries } | undefined {
    for (const review of this.reviews) {
      const series = review.series.find((s) => s.series.id === id);
      if (series) return { review, series };
    }
    return undefined;
  }

  patch(ref: PatchRef): { review: Review; series: ReviewSeries; patch: ReviewPatch } | undefined {
    const s = this.series(ref.series);
    const patch = s?.series.patches[ref.patch];
    return s && patch ? { ...s, patch } : undefined;
  }

  file(ref: PatchRef, path: string): ReviewFile | undefined {
    return this.patch(ref)?.patch.files.find((f) => f.path === path);
  }

  state(messageId: string): PatchState {
    return this.memento.get<Record<string, PatchState>>(STATES, {})[messageId] ?? 'unreviewed';
  }

  async setState(messageId: string, state: PatchState): Promise<void> {
    const all = { ...this.memento.get<Record<string, PatchState>>(STATES, {}) };
    if (state === 'unreviewed') delete all[messageId];
    else all[messageId] = state;
    await this.memento.update(STATES, all);
    this.changed.fire();
  }

  comments(messageId: string): UserComment[] {
    return this.memento.get<Record<string, UserComment[]>>(COMMENTS, {})[messageId] ?? [];
  }

  async addComment(c: Omit<UserComment, 'id' | 'date'>): Promise<UserComment> {
    const comment: UserComment = { ...c, id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, date: new Date().toISOString() };
    await this.saveComments(c.messageId, [...this.comments(c.messageId), comment]);
    return comment;
  }

  async removeComment(messageId: string, id: string): Promise<void> {
    await this.saveComments(messageId, this.comments(messageId).filter((c) => c.id !== id));
  }

  private async saveComments(messageId: string, list: UserComment[]): Promise<void> {
    const all = { ...this.memento.get<Record<string, UserComment[]>>(COMMENTS, {}) };
    if (list.length) all[messageId] = list;
    else delete all[messageId];
    await this.memento.update(COMMENTS, all);
    this.commentsChanged.fire(messageId);
  }

  dispose(): void {
    this.changed.dispose();
    this.commentsChanged.dispose();
  }
}
