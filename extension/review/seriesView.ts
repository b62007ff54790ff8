import * as vscode from 'vscode';
import type { Review, ReviewFile, ReviewHunk, ReviewPatch, ReviewSeries } from '../patches/review';
import { Commands, type OpenPatchFileArgs } from '../commands/table';
import type { PatchRef, PatchState, ReviewStore } from './store';

export const SERIES_VIEW = 'kernelPathSim.series';

export type SeriesNode =
  | { kind: 'empty'; review: Review }
  | { kind: 'series'; review: Review; series: ReviewSeries }
  | { kind: 'problem'; text: string }
  | { kind: 'patch'; ref: PatchRef; patch: ReviewPatch }
  | { kind: 'file'; ref: PatchRef; file: ReviewFile }
  | { kind: 'hunk'; ref: PatchRef; file: ReviewFile; hunk: ReviewHunk };

const STATE_ICON: Record<PatchState, string> = { unreviewed: 'circle-large-outline', reviewed: 'pass', skipped: 'debug-step-over' };

function applyText(p: ReviewPatch): string {
  if (p.applied === undefined) return 'no tree';
  return p.applied ? 'applies' : 'does not apply';
}

function fileStatus(f: ReviewFile): string {
  switch (f.status) {
    case undefined: return f.change === 'modify' ? '' : f.change;
    case 'applied': {
      const moved = f.hunks.filter((h) => h.apply && (h.apply.offset !== 0 || h.apply.fuzz !== 0)).length;
      return `${f.change === 'modify' ? '' : `${f.change} · `}applies${moved ? ` (${moved} hunk${moved > 1 ? 's' : ''} with offset/fuzz)` : ''}`;
    }
    case 'missing': return 'not in the tree';
    case 'failed': return 'does not apply';
    default: return f.status;
  }
}

/**
 * "Patch series": series → patches → files → hunks. A patch carries the reviewer's decision
 * (unreviewed / reviewed / skipped); a file opens in VS Code's diff editor, a hunk at its line.
 */
export class SeriesTreeProvider implements vscode.TreeDataProvider<SeriesNode> {
  private readonly changed = new vscode.EventEmitter<SeriesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: ReviewStore) {
    store.onDidChange(() => this.changed.fire(undefined));
    store.onDidChangeComments(() => this.changed.fire(undefined));
  }

  getChildren(node?: SeriesNode): SeriesNode[] {
    if (!node) {
      return this.store.all.flatMap((review): SeriesNode[] =>
        review.series.length ? review.series.map((series) => ({ kind: 'series', review, series })) : [{ kind: 'empty', review }]);
    }
    switch (node.kind) {
      case 'empty':
        return node.review.problems.map((text) => ({ kind: 'problem', text }));
      case 'series': {
        const s = node.series.series;
        const notes: SeriesNode[] = [];
        if (s.missing.length) notes.push({ kind: 'problem', text: `missing from the input: ${s.missing.map((i) => `${i}/${s.total}`).join(', ')}` });
        return [...notes, ...node.series.patches.map((patch, i): SeriesNode => ({ kind: 'patch', ref: { series: s.id, patch: i }, patch }))];
      }
      case 'patch':
        return [
          ...node.patch.problems.map((text): SeriesNode => ({ kind: 'problem', text })),
          ...node.patch.files.map((file): SeriesNode => ({ kind: 'file', ref: node.ref, file })),
        ];
      case 'file':
        return node.file.hunks.map((hunk): SeriesNode => ({ kind: 'hunk', ref: node.ref, file: node.file, hunk }));
      default:
        return [];
    }
  }

  getTreeItem(node: SeriesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'empty': {
        const item = new vscode.TreeItem(node.review.source.split('/').pop() ?? node.review.source, vscode.TreeItemCollapsibleState.Expanded);
        item.description = 'no patches';
        item.iconPath = new vscode.ThemeIcon('warning');
        item.contextValue = 'review';
        return item;
      }
      case 'series': {
        const s = node.series.series;
        const item = new vscode.TreeItem(s.title, vscode.TreeItemCollapsibleState.Expanded);
        const reviewed = node.series.patches.filter((p) => this.store.state(p.patch.message.messageId) === 'reviewed').length;
        item.description = `v${s.version} · ${s.patches.length}/${s.total} patches · ${reviewed} reviewed${s.cover ? '' : ' · no cover letter'}`;
        item.tooltip = new vscode.MarkdownString(
          `**${s.title}** (v${s.version})\n\n${s.cover ? `Cover letter from ${s.cover.from.name || s.cover.from.address}` : 'No cover letter in the input'}` +
          `\n\nFrom \`${node.review.source}\`${node.review.tree ? `, applied in memory to \`${node.review.tree}\`` : ', no kernel tree open'}` +
          (s.otherVersions.length ? `\n\nOther versions in the input: ${s.otherVersions.map((v) => `v${v.version}`).join(', ')}` : ''),
        );
        item.iconPath = new vscode.ThemeIcon('git-pull-request');
        item.contextValue = 'series';
        item.id = `series:${s.id}`;
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.tooltip = node.text;
        return item;
      }
      case 'patch': {
        const state = this.store.state(node.patch.patch.message.messageId);
        const item = new vscode.TreeItem(node.patch.label, vscode.TreeItemCollapsibleState.Collapsed);
        const comments = this.store.comments(node.patch.patch.message.messageId).length;
        item.description = [state, applyText(node.patch), comments ? `${comments} comment${comments > 1 ? 's' : ''}` : ''].filter(Boolean).join(' · ');
        const m = node.patch.patch.message;
        const trailers = node.patch.patch.trailers.filter((t) => t.messageId !== m.messageId);
        item.tooltip = new vscode.MarkdownString(
          `**${node.patch.label}**\n\n${m.from.name} <${m.from.address}>${m.date ? `, ${m.date}` : ''}\n\nMessage-ID: \`${m.messageId}\`` +
          (trailers.length ? `\n\nFrom replies: ${trailers.map((t) => `${t.key}: ${t.value}`).join('; ')}` : '') +
          (node.patch.problems.length ? `\n\n$(warning) ${node.patch.problems.join('\n\n$(warning) ')}` : ''), true);
        item.iconPath = node.patch.applied === false ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon(STATE_ICON[state]);
        item.contextValue = `patch.${state}`;
        item.id = `patch:${node.ref.series}:${node.ref.patch}`;
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(node.file.path, vscode.TreeItemCollapsibleState.Collapsed);
        item.resourceUri = vscode.Uri.file(`/${node.file.path}`);
        item.description = fileStatus(node.file);
        item.tooltip = node.file.reason ?? `${node.file.path}: ${node.file.hunks.length} hunk(s)${node.file.imagesFrom === 'hunks' ? ' (shown from the hunks alone)' : ''}`;
        const args: OpenPatchFileArgs = { ...node.ref, path: node.file.path };
        item.command = { command: Commands.openPatchFile, title: 'Open diff', arguments: [args] };
        item.contextValue = 'patchFile';
        item.id = `file:${node.ref.series}:${node.ref.patch}:${node.file.path}`;
        return item;
      }
      case 'hunk': {
        const item = new vscode.TreeItem(node.hunk.header.replace(/ @@ .*$/, ' @@'), vscode.TreeItemCollapsibleState.None);
        const fns = [...new Set([...node.hunk.functions.before, ...node.hunk.functions.after])];
        const a = node.hunk.apply;
        item.description = [fns.join(', '), a && !a.applied ? 'does not apply' : a && (a.offset || a.fuzz) ? `offset ${a.offset}, fuzz ${a.fuzz}` : ''].filter(Boolean).join(' · ');
        item.tooltip = a?.reason ?? `${node.hunk.header}${fns.length ? `\n\nTouches ${fns.join(', ')}` : ''}`;
        const args: OpenPatchFileArgs = { ...node.ref, path: node.file.path, hunk: node.hunk.index };
        item.command = { command: Commands.openPatchFile, title: 'Open diff at the hunk', arguments: [args] };
        item.iconPath = new vscode.ThemeIcon('diff');
        item.contextValue = 'patchHunk';
        return item;
      }
    }
  }

  getParent(): undefined {
    return undefined;
  }
}
