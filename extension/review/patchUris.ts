import * as vscode from 'vscode';
import type { PatchRef } from './store';

/** Virtual documents holding a patch's pre and post images; never files on disk. */
export const PATCH_SCHEME = 'kpsim-patch';

export type Side = 'before' | 'after';

export interface PatchDocRef extends PatchRef {
  side: Side;
  /** Tree-relative path of the file. */
  path: string;
}

/** The path ends with the file's own name, so VS Code picks the language (C for .c/.h) by it. */
export function patchDocUri(ref: PatchDocRef): vscode.Uri {
  return vscode.Uri.from({ scheme: PATCH_SCHEME, path: `/${ref.side}/${ref.path}`, query: new URLSearchParams({ s: ref.series, p: String(ref.patch) }).toString() });
}

export function parsePatchDocUri(uri: vscode.Uri): PatchDocRef | undefined {
  if (uri.scheme !== PATCH_SCHEME) return undefined;
  const m = /^\/(before|after)\/(.+)$/.exec(uri.path);
  const q = new URLSearchParams(uri.query);
  const series = q.get('s');
  const patch = Number(q.get('p'));
  if (!m || !series || !Number.isInteger(patch) || patch < 0) return undefined;
  return { side: m[1] as Side, path: m[2], series, patch };
}
