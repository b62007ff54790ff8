import * as fs from 'fs';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { Commands } from '../commands/table';
import type { SimulationPanels } from '../views/simulationPanel';
import { applyToWorkingTree } from './applyToTree';
import { compareBeforeAfter } from './compareBeforeAfter';
import { ReviewComments } from './comments';
import { composeReplyCommand, patchRefOf } from './composeReply';
import { HunkLensProvider } from './hunkLenses';
import { reviewerIdentity } from './identity';
import { loadReview, openFromLore, openPatch } from './openPatch';
import { PatchDocuments, openPatchFile } from './patchDocuments';
import { SERIES_VIEW, type SeriesNode, SeriesTreeProvider } from './seriesView';
import { simulateHunk } from './simulateHunk';
import { type PatchState, ReviewStore } from './store';

export interface ReviewFeature {
  store: ReviewStore;
  comments: ReviewComments;
}

/** Mailing-list review: the "Patch series" view, diff editors, hunk lenses, comments, reply. */
export function registerReview(ctx: Ctx, panels: SimulationPanels): { disposable: vscode.Disposable; feature: ReviewFeature } {
  const ext = ctx.extension;
  const store = new ReviewStore(ext.workspaceState);
  const tree = new SeriesTreeProvider(store);
  const view = vscode.window.createTreeView<SeriesNode>(SERIES_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  const comments = new ReviewComments(store, reviewerIdentity);
  const docs = new PatchDocuments(store);
  const lenses = new HunkLensProvider(store);

  // Series read before are read again when the view is first shown (not at activation: it may be large).
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    for (const s of store.sources()) {
      if (fs.existsSync(s.file)) void loadReview(ctx, store, s.file, s.source, false);
    }
  };
  if (view.visible) restore();

  const setState = (state: PatchState) => async (arg: unknown): Promise<void> => {
    const ref = patchRefOf(arg);
    const found = ref && store.patch(ref);
    if (found) await store.setState(found.patch.patch.message.messageId, state);
  };
  const disposable = vscode.Disposable.from(
    store, view, comments, docs.register(), lenses.register(),
    view.onDidChangeVisibility((e) => e.visible && restore()),
    vscode.commands.registerCommand(Commands.openPatch, (arg: unknown) => openPatch(ctx, store, arg)),
    vscode.commands.registerCommand(Commands.openFromLore, (arg?: string) => openFromLore(ctx, store, ext.globalStorageUri, typeof arg === 'string' ? arg : undefined)),
    vscode.commands.registerCommand(Commands.openPatchFile, (arg: unknown) => openPatchFile(store, arg)),
    vscode.commands.registerCommand(Commands.simulateHunk, (arg: unknown) => simulateHunk(ctx, panels, store, arg)),
    vscode.commands.registerCommand(Commands.markReviewed, setState('reviewed')),
    vscode.commands.registerCommand(Commands.markSkipped, setState('skipped')),
    vscode.commands.registerCommand(Commands.markUnreviewed, setState('unreviewed')),
    vscode.commands.registerCommand(Commands.composeReply, (arg: unknown, opts?: { trailers?: string[] }) => composeReplyCommand(store, ext.globalStorageUri, arg, opts)),
    // Asks first; `{ confirm: false }` (for scripts and tests) skips the question, never the re-check.
    vscode.commands.registerCommand(Commands.applyToWorkingTree, (arg: unknown, opts?: { confirm?: boolean }) => applyToWorkingTree(ctx, store, arg, opts?.confirm !== false)),
    vscode.commands.registerCommand(Commands.closeReview, (arg: unknown) => {
      if (typeof arg === 'object' && arg !== null && 'review' in arg) store.remove((arg as { review: { source: string } }).review.source);
    }),
    vscode.commands.registerCommand(Commands.compareBeforeAfter, (arg: unknown) => compareBeforeAfter(ctx, panels, store, arg)),
    vscode.commands.registerCommand(Commands.addReviewComment, (reply: vscode.CommentReply) => comments.add(reply)),
    vscode.commands.registerCommand(Commands.deleteReviewComment, (comment: unknown) => comments.remove(comment)),
  );
  return { disposable, feature: { store, comments } };
}
