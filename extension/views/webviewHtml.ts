import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

export interface WebviewPageOptions {
  /** The script in dist/ (default webview.js, the path view). */
  script?: string;
  /** data-* attributes of <body> (camelCase keys), read by the script before any message arrives. */
  data?: Record<string, string | number>;
  /**
   * Let scripts add <style> elements that carry the page's nonce (published in a csp-nonce meta,
   * where the component library looks for it); inline style without the nonce stays refused.
   */
  styleNonce?: boolean;
}

/** The page of a webview: strict CSP, one nonce'd script from dist/, one stylesheet from media/. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, css: string, title: string, options: WebviewPageOptions = {}): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', options.script ?? 'webview.js'));
  const data = Object.entries(options.data ?? {})
    .map(([k, v]) => ` data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${escapeHtml(String(v))}"`)
    .join('');
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', css));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}${options.styleNonce ? ` 'nonce-${nonce}'` : ''}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">${options.styleNonce ? `\n<meta property="csp-nonce" content="${nonce}">` : ''}
<link rel="stylesheet" href="${style.toString()}">
<title>${escapeHtml(title)}</title>
</head>
<body${data}>
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
