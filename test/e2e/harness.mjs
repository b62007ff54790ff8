// Real VS Code for the tests: code-server (VS Code 1.100.3) on loopback with throwaway dirs, driven
// by Debian's chromium through playwright-core. Both are installed by scripts/setup-e2e.sh into .e2e/.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const E2E_DIR = process.env.E2E_DIR ?? path.join(REPO, '.e2e');
export const CODE_SERVER = process.env.CODE_SERVER_BIN ?? path.join(E2E_DIR, 'cs/node_modules/.bin/code-server');
const require = createRequire(path.join(E2E_DIR, 'pw/package.json'));
const { chromium } = require('playwright-core');

export const SHOTS = process.env.SHOTS ?? path.join(REPO, 'test-results/screenshots');
export const SHARED_KERNEL = path.resolve(REPO, '../shared/kernel');

export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true, 'git.enabled': false,
  'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false, 'editor.minimap.enabled': false,
};

export async function freePort() {
  return new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
}

/** Starts code-server; returns { url, authority, dir, log, stop() }. vsix: a .vsix to install first. */
export async function startCodeServer({ vsix, env = {}, settings = {}, timeoutMs = 60000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-e2e-'));
  const udd = path.join(dir, 'ud'), extDir = path.join(dir, 'ext');
  fs.mkdirSync(path.join(udd, 'User'), { recursive: true });
  fs.writeFileSync(path.join(udd, 'User/settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 1));
  // XDG_* keep code-server, the extension host and chromium out of $HOME.
  const xdg = path.join(dir, 'xdg');
  const baseEnv = { ...process.env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg, XDG_CACHE_HOME: xdg, XDG_STATE_HOME: xdg, ...env };
  const common = ['--config', path.join(dir, 'config.yaml'), '--user-data-dir', udd, '--extensions-dir', extDir];
  if (vsix) execFileSync(CODE_SERVER, [...common, '--install-extension', vsix, '--force'], { env: baseEnv, stdio: 'pipe' });
  const port = await freePort();
  const log = path.join(dir, 'server.log');
  const out = fs.openSync(log, 'w');
  const child = spawn(CODE_SERVER, [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'],
  { env: baseEnv, stdio: ['ignore', out, out] });
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (child.exitCode !== null) throw new Error(`code-server exited: ${fs.readFileSync(log, 'utf8')}`);
    if (Date.now() - t0 > timeoutMs) throw new Error('code-server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, authority: `127.0.0.1:${port}`, dir, log, extDir, startupMs: Date.now() - t0,
    stop: async () => { if (child.exitCode === null) { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } },
  };
}

export async function launchChromium() {
  const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-chromium-'));
  return chromium.launch({
    env: { ...process.env, XDG_CONFIG_HOME: xdg, XDG_CACHE_HOME: xdg },
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** A page confined to loopback (the workbench otherwise tries the Open VSX gallery). */
export async function newLoopbackPage(browser, viewport = { width: 1600, height: 900 }) {
  const context = await browser.newContext({ viewport });
  await context.route((u) => u.protocol.startsWith('http') && !['127.0.0.1', 'localhost'].includes(u.hostname), (r) => r.abort());
  return context.newPage();
}

/** The workbench URL that opens `folder`, optionally loading unpackaged extensions / running extension tests. */
export function workbenchUrl(server, { folder, devExtensions = [], testsPath } = {}) {
  const payload = devExtensions.map((p) => ['extensionDevelopmentPath', `vscode-remote://${server.authority}${path.resolve(p)}`]);
  if (testsPath) payload.push(['extensionTestsPath', `vscode-remote://${server.authority}${path.resolve(testsPath)}`]);
  let u = `${server.url}/?${folder ? 'folder=' + encodeURIComponent(path.resolve(folder)) : 'ew=true'}`;
  if (payload.length) u += '&payload=' + encodeURIComponent(JSON.stringify(payload));
  return u;
}

/** Polls until `locator` matches `n` elements (code lens widgets are torn down and re-rendered). */
export async function waitForCount(locator, n, timeout = 30000) {
  const end = Date.now() + timeout;
  let c;
  while ((c = await locator.count()) < n) {
    if (Date.now() > end) throw new Error(`expected ${n} matches, have ${c}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens a file of the workspace through Quick Open and waits for its tab. */
export async function quickOpen(page, file) {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: path.basename(file) }).waitFor();
}

/** Go to Line in the active editor, waiting until the widget has taken the number and closed. */
export async function goToLine(page, n) {
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(String(n));
  await page.locator('.quick-input-widget', { hasText: `line ${n}` }).waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await sleep(300);
}
