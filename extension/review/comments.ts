import * as vscode from 'vscode';
import { hunkLineAt, hunkSpan, imageLine, sideOf } from '../patches/imageLines';
import { placeReplies } from '../patches/quotes';
import type { Review } from '../patches/review';
import type { PlacedComment } from '../patches/types';
import { parsePatchDocUri, patchDocUri } from './patchUris';
import type { PatchRef, ReviewStore, UserComment } from './store';

/** What the reviewer is called in their own comments (and in the reply). */
export type Identity = () => { name: string; address: string };

class ReviewComment implements vscode.Comment {
  mode = vscode.CommentMode.Preview;
  constructor(
    public body: vscode.MarkdownString,
    public author: vscode.CommentAuthorInformation,
    public timestamp: Date | undefined,
    public contextValue: 'reply' | 'mine',
    readonly ref?: { messageId: string; id: string },
  ) {}
}

/** Plain mail text shown as it was written (no Markdown reflow). */
function asMarkdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendCodeblock(text, 'text');
  return md;
}

/**
 * Comment threads on the diff editor's images: the list's replies placed on the lines they quote
 * (read-only, with author and date), and the reviewer's own comments (kept across restarts; they go
 * into "Compose reply").
 */
export class ReviewComments implements vscode.Disposable {
  readonly controller = vscode.comments.createCommentController('kernelPathSim.review', 'Patch review');
  private threads: vscode.CommentThread[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** Remarks from replies that quote no line of the patch: by patch Message-ID. */
  readonly unplaced = new Map<string, { author: string; text: string; reason: string }[]>();

  constructor(private readonly store: ReviewStore, private readonly me: Identity) {
    this.controller.options = { prompt: 'Comment on this line (goes into "Compose reply")', placeHolder: 'Your review comment' };
    this.controller.commentingRangeProvider = {
      provideCommentingRanges: (doc) => this.commentingRanges(doc),
    };
    this.disposables.push(this.controller, store.onDidChange(() => this.rebuild()), store.onDidChangeComments(() => this.rebuild()));
  }

  /** Only lines of hunks take comments: a comment must land on a line a reply can quote. */
  private commentingRanges(doc: vscode.TextDocument): vscode.Range[] {
    const ref = parsePatchDocUri(doc.uri);
    const found = ref && this.store.patch(ref);
    const file = found?.patch.files.find((f) => f.path === ref?.path);
    const fp = found?.patch.patch.diff.files.find((f) => f.path === ref?.path);
    if (!ref || !file || !fp) return [];
    return fp.hunks.flatMap((h, k) => {
      const span = hunkSpan(h, file.hunkLines[k], ref.side === 'before' ? 'old' : 'new');
      return span ? [new vscode.Range(span.first - 1, 0, span.last - 1, 0)] : [];
    });
  }

  /** Threads for every open patch: replies placed, then the reviewer's own comments. */
  rebuild(): void {
    for (const t of this.threads) t.dispose();
    this.threads = [];
    this.unplaced.clear();
    for (const review of this.store.all) this.buildReview(review);
  }

  private buildReview(review: Review): void {
    for (const rs of review.series) {
      rs.patches.forEach((rp, k) => {
        const ref: PatchRef = { series: rs.series.id, patch: k };
        const replies = rs.series.replies.filter((r) => r.inReplyTo === rp.patch.message.messageId || r.references.includes(rp.patch.message.messageId));
        const { placed, unplaced } = placeReplies(rp.patch, replies);
        if (unplaced.length) this.unplaced.set(rp.patch.message.messageId, unplaced.map((u) => ({ author: u.author.name || u.author.address, text: u.text, reason: u.reason })));
        const groups = new Map<string, { at: { uri: vscode.Uri; line: number }; comments: ReviewComment[] }>();
        const add = (c: PlacedComment, comment: ReviewComment): void => {
          const at = this.where(ref, c);
          if (!at) return;
          const key = `${at.uri.toString()}#${at.line}`;
          const g = groups.get(key) ?? { at, comments: [] };
          g.comments.push(comment);
          groups.set(key, g);
        };
        for (const c of placed) {
          add(c, new ReviewComment(asMarkdown(c.text), { name: c.author.name || c.author.address }, c.date ? new Date(c.date) : undefined, 'reply'));
        }
        for (const u of this.store.comments(rp.patch.message.messageId)) {
          const c: PlacedComment = { path: u.path, hunk: u.hunk, line: u.line, side: u.side, author: this.me(), text: u.text };
          add(c, new ReviewComment(asMarkdown(u.text), { name: `${this.me().name} (you)` }, new Date(u.date), 'mine', { messageId: u.messageId, id: u.id }));
        }
        for (const g of groups.values()) {
          const t = this.controller.createCommentThread(g.at.uri, new vscode.Range(g.at.line - 1, 0, g.at.line - 1, 0), g.comments);
          t.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
          t.canReply = true;
          t.label = g.comments.some((c) => c.contextValue === 'reply') ? `On the list (${[...new Set(g.comments.map((c) => c.author.name))].join(', ')})` : 'Your comment';
          this.threads.push(t);
        }
      });
    }
  }

  /** The image and line a placed remark goes on. */
  private where(ref: PatchRef, c: PlacedComment): { uri: vscode.Uri; line: number } | undefined {
    const file = this.store.file(ref, c.path);
    const hunk = this.store.patch(ref)?.patch.patch.diff.files.find((f) => f.path === c.path)?.hunks[c.hunk];
    if (!file || !hunk) return undefined;
    const line = imageLine(hunk, file.hunkLines[c.hunk], c.line, c.side);
    if (line === undefined) return undefined;
    return { uri: patchDocUri({ ...ref, side: c.side === 'old' ? 'before' : 'after', path: c.path }), line };
  }

  /** "Add comment" / "Reply": the reviewer's comment on the thread's line. */
  async add(reply: vscode.CommentReply): Promise<UserComment | undefined> {
    const ref = parsePatchDocUri(reply.thread.uri);
    const found = ref && this.store.patch(ref);
    const fp = found?.patch.patch.diff.files.find((f) => f.path === ref?.path);
    const file = found?.patch.files.find((f) => f.path === ref?.path);
    if (!ref || !found || !fp || !file || !reply.text.trim()) return undefined;
    const at = hunkLineAt(fp.hunks, file.hunkLines, (reply.thread.range?.start.line ?? 0) + 1, ref.side === 'before' ? 'old' : 'new');
    if (!at) {
      void vscode.window.showWarningMessage('Kernel Path Simulator: comments go on the lines of a hunk (a reply can only quote those).');
      return undefined;
    }
    // A thread created by the "+" in the gutter is empty: ours replace it once stored.
    if (reply.thread.comments.length === 0) reply.thread.dispose();
    return this.store.addComment({
      messageId: found.patch.patch.message.messageId, path: fp.path, hunk: at.hunk, line: at.line, side: sideOf(fp.hunks[at.hunk], at.line), text: reply.text.trim(),
    });
  }

  async remove(comment: unknown): Promise<void> {
    if (comment instanceof ReviewComment && comment.ref) await this.store.removeComment(comment.ref.messageId, comment.ref.id);
  }

  /** Threads currently shown (for the tests). */
  get count(): number {
    return this.threads.length;
  }

  dispose(): void {
    for (const t of this.threads) t.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

