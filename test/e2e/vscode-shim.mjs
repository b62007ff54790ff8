#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-cli (useInstallation.fromPath): it takes the desktop
// arguments (folder, --extensionDevelopmentPath=, --extensionTestsPath=) and runs the tests in
// code-server's real node extension host, driven by chromium. Exit code = the test run's.
import util from 'node:util';
import { startCodeServer, launchChromium, newLoopbackPage, workbenchUrl } from './harness.mjs';

const args = process.argv.slice(2);
if (args.includes('--version')) { console.log('1.100.3\ncode-server-shim\nx64'); process.exit(0); }
const opt = (n) => args.filter((a) => a.startsWith(`--${n}=`)).map((a) => a.slice(n.length + 3));
const folder = args.find((a) => !a.startsWith('-'));

let code = 1, server, browser;
try {
  server = await startCodeServer();
  browser = await launchChromium();
  const page = await newLoopbackPage(browser);
  let done; const exited = new Promise((r) => (done = r));
  await page.exposeFunction('codeAutomationExit', (c) => done(c));
  await page.exposeFunction('codeAutomationLog', (type, a) => {
    const text = util.format(...a).replace(/%c/g, '');
    if (!process.env.SHIM_VERBOSE && /ENOTFOUND|Creating a socket|connection token|builtin extensions|Service Worker|^\s+at /.test(text)) return;
    (type === 'error' ? console.error : console.log)(text);
  });
  await page.goto(workbenchUrl(server, { folder, devExtensions: opt('extensionDevelopmentPath'), testsPath: opt('extensionTestsPath')[0] }));
  const ms = Number(process.env.SHIM_TIMEOUT_MS ?? 300000);
  code = await Promise.race([exited, new Promise((r) => setTimeout(() => { console.error(`shim: timeout ${ms} ms`); r(1); }, ms))]);
} catch (e) {
  console.error('shim error:', e);
} finally {
  await browser?.close().catch(() => {});
  await server?.stop();
}
process.exit(code);
