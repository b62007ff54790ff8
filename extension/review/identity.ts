import { execFileSync } from 'child_process';
import * as vscode from 'vscode';
import type { MailAddress } from '../patches/types';

/**
 * Who the reviewer is, for their comments and the reply's From and trailers: the settings
 * `kernelPathSim.review.name` / `.email`, else git's user.name / user.email (what git send-email
 * and b4 would use), else a placeholder address the reply says must be edited.
 */
export function reviewerIdentity(): MailAddress {
  const cfg = vscode.workspace.getConfiguration('kernelPathSim.review');
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const git = (key: string): string => {
    try {
      return execFileSync('git', ['config', '--get', key], { cwd, timeout: 2000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const name = cfg.get<string>('name') || git('user.name') || 'Your Name';
  const address = cfg.get<string>('email') || git('user.email') || 'you@example.invalid';
  return { name, address };
}
