// Real VS Code for the tests: code-server (VS Code 1.100.3) on loopback with throwaway dirs, driven
// by Debian's chromium through playwright-core. Both are installed by scripts/setup-e2e.sh into .e2e/.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const E2E_DIR = process.env.E2E_DIR ?? path.join(REPO, '.e2e');
export const CODE_SERVER = process.env.CODE_SERVER_BIN ?? path.join(E2E_DIR, 'cs/node_modules/.bin/code-server');
const require = createRequire(path.join(E2E_DIR, 'pw/package.json'));
const { chromium } = require('playwright-core');

export const SHOTS = process.env.SHOTS ?? path.join(REPO, 'test-results/screenshots');
export const SHARED_KERNEL = path.resolve(REPO, '../shared/kernel');
/** The packaged extension (`npm run package`). */
export const VSIX = process.env.VSIX ?? path.join(REPO, 'kernel-path-sim.vsix');

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
  // freePort() closes its probe before code-server binds, so another run can take the port in
  // between: start again on a new port when code-server says EADDRINUSE.
  const log = path.join(dir, 'server.log');
  let port, child, url, t0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const out = fs.openSync(log, 'w');
    child = spawn(CODE_SERVER, [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'],
    { env: baseEnv, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    url = `http://127.0.0.1:${port}`;
    t0 = Date.now();
    let up = false;
    for (;;) {
      try { if ((await fetch(`${url}/healthz`)).ok) { up = true; break; } } catch { /* not up yet */ }
      if (child.exitCode !== null) break;
      if (Date.now() - t0 > timeoutMs) { child.kill('SIGTERM'); throw new Error('code-server did not start'); }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (up) break;
    const text = fs.readFileSync(log, 'utf8');
    if (!/EADDRINUSE/.test(text) || attempt === 3) throw new Error(`code-server exited: ${text}`);
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

/** Runs a command from the palette; retried while the extension's contributions are still loading. */
/**
 * Types a path into VS Code's simple file dialog and accepts it. The dialog fills its input with
 * its starting folder a moment after it opens, which can overwrite what was typed: the path is
 * typed again until it has stayed there.
 */
export async function choosePath(page, value) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  for (let attempt = 0; ; attempt++) {
    await input.fill(value);
    await new Promise((r) => setTimeout(r, 500));
    if ((await input.inputValue()) === value) break;
    if (attempt === 10) throw new Error(`the file dialog would not keep ${value} (it shows ${await input.inputValue()})`);
  }
  // Enter can arrive while the dialog is still resolving what was typed, and be lost: the dialog
  // then stays open with the path in it. Accept again (Enter, then its OK button) until it closes.
  const widget = page.locator('.quick-input-widget');
  for (let attempt = 0; ; attempt++) {
    if (attempt % 2 === 0) await page.keyboard.press('Enter');
    else await widget.locator('.monaco-button', { hasText: 'OK' }).first().click({ timeout: 2000 }).catch(() => {});
    try {
      await widget.waitFor({ state: 'hidden', timeout: 3000 });
      return;
    } catch (e) {
      // Another quick input took its place (the dialog did close): done.
      if ((await input.inputValue().catch(() => '')) !== value) return;
      if (attempt === 5) throw e;
    }
  }
}

export async function runCommand(page, title) {
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.type(title);
    try {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 5000 });
      break;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (attempt === 5) throw e;
    }
  }
  await page.keyboard.press('Enter');
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

/** Deletes the FAILED-<prefix>-*.png of an earlier run, which would read as this run's. */
function clearFailedShots(prefix) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.startsWith(`FAILED-${prefix}-`) && f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f));
}

/**
 * Runs one step of a UI test. When it throws: saves FAILED-<prefix>-<name>.png, prints the page console
 * lines matching consoleFilter and the tail of the server log, and names the step in the error.
 */
async function runStep(s, name, fn) {
  try {
    return await fn();
  } catch (e) {
    await s.page?.screenshot({ path: path.join(SHOTS, `FAILED-${s.prefix}-${name}.png`) }).catch(() => {});
    if (s.consoleLines?.length) console.log(s.consoleLines.slice(-20).join('\n'));
    if (s.server) console.log(fs.readFileSync(s.server.log, 'utf8').slice(-3000));
    e.message = `[${name}] ${e.message}`;
    throw e;
  }
}

/**
 * A code-server with the VSIX installed, a chromium and a page confined to loopback; stop() closes them.
 * Options: prefix (of the FAILED-*.png screenshots), vsix, settings and env (for code-server), consoleFilter
 * (a RegExp: the page's console lines that match are kept and printed when a step fails).
 * Returns { server, browser, page, consoleLines, step(name, fn), openFolder(folder), stop() }.
 */
export async function openSession({ prefix, vsix = VSIX, settings = {}, env = {}, consoleFilter } = {}) {
  const server = await startCodeServer({ vsix, settings, env });
  let browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.stop();
    throw e;
  }
  const page = await newLoopbackPage(browser);
  const consoleLines = [];
  if (consoleFilter) page.on('console', (m) => { const l = `[${m.type()}] ${m.text()}`; if (consoleFilter.test(l)) consoleLines.push(l); });
  const s = {
    prefix, server, browser, page, consoleLines,
    step: (name, fn) => runStep(s, name, fn),
    /** Loads the workbench on `folder` and waits for its explorer. */
    openFolder: async (folder) => {
      await page.goto(workbenchUrl(server, { folder }));
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60000 });
    },
    stop: async () => {
      await browser.close().catch(() => {});
      await server.stop();
    },
  };
  return s;
}

/**
 * One session for a whole test file: registers before() (clears this prefix's old FAILED shots, then
 * opens the session unless `skip`) and after() (stops it). Returns the handle at once; its server,
 * page, ... are there from before() on, and its step(name, fn) works like openSession's.
 */
export function e2eSession({ skip = false, ...options } = {}) {
  const handle = { prefix: options.prefix };
  handle.step = (name, fn) => runStep(handle, name, fn);
  before(async () => {
    clearFailedShots(options.prefix);
    if (skip) return;
    const s = await openSession(options);
    Object.assign(handle, s, { step: handle.step });
  });
  after(async () => {
    await handle.stop?.();
  });
  return handle;
}

/** For files that open their own sessions (openSession per test): clears their old FAILED shots once. */
export function clearFailedShotsBefore(prefix) {
  before(() => clearFailedShots(prefix));
}
