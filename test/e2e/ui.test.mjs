// The extension in a real VS Code: code-server with the packaged VSIX installed, driven by chromium.
// Opens ../shared/kernel/v6.18.15, finds the lens above make_device_exclusive, clicks it and checks
// the path view beside the editor. Screenshots go to test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, SHOTS, SHARED_KERNEL, startCodeServer, launchChromium, newLoopbackPage, workbenchUrl, waitForCount, sleep } from './harness.mjs';

const VSIX = process.env.VSIX ?? path.join(REPO, 'kernel-path-sim.vsix');
const TREE = path.join(SHARED_KERNEL, 'v6.18.15');
const haveTree = fs.existsSync(path.join(TREE, 'mm/rmap.c'));
let server, browser, page;

before(async () => {
  if (!haveTree) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await startCodeServer({ vsix: VSIX });
  browser = await launchChromium();
  page = await newLoopbackPage(browser);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function step(name, fn) {
  try {
    return await fn();
  } catch (e) {
    await page.screenshot({ path: path.join(SHOTS, `FAILED-${name}.png`) }).catch(() => {});
    if (server) console.log(fs.readFileSync(server.log, 'utf8').slice(-3000));
    e.message = `[${name}] ${e.message}`;
    throw e;
  }
}

async function quickOpen(file) {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: path.basename(file) }).waitFor();
}

async function goToLine(n) {
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(String(n));
  await page.keyboard.press('Enter');
  await sleep(300);
}

test('lens above make_device_exclusive in v6.18.15 opens the path view beside', { skip: haveTree ? false : `no kernel tree at ${TREE}` }, async () => {
  await step('workbench', async () => {
    await page.goto(workbenchUrl(server, { folder: TREE }));
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60000 });
  });
  await step('open-rmap', async () => {
    await quickOpen('mm/rmap.c');
    await goToLine(2673);
  });
  const lens = page.locator('.codelens-decoration a', { hasText: 'Simulate this path' });
  await step('lens', async () => {
    await waitForCount(lens, 1, 30000);
    // The lens sits directly above line 2673, the line `struct page *make_device_exclusive(` starts on.
    const lineNo = page.locator('.margin-view-overlays .line-numbers', { hasText: /^2673$/ });
    const [l, n] = [await lens.first().boundingBox(), await lineNo.boundingBox()];
    assert.ok(l && n, 'lens and line number are on screen');
    assert.ok(Math.abs(l.y + l.height - n.y) < 8, `lens bottom ${l.y + l.height} vs line 2673 top ${n.y}`);
    const lineText = await page.locator('.view-line').filter({ hasText: 'make_device_exclusive(struct mm_struct' }).count();
    assert.equal(lineText, 1);
    await sleep(500);
    await page.screenshot({ path: path.join(SHOTS, 'lens-make_device_exclusive.png') });
  });
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await step('path-view', async () => {
    await lens.first().click();
    await webview.locator('h1').waitFor({ timeout: 60000 });
    assert.equal(await webview.locator('h1').textContent(), 'make_device_exclusive');
    assert.match(await webview.locator('.summary').textContent(), /v6\.18\.15 · mm\/rmap\.c:2673–2766/);
    // Callees: helpers the tree defines are links; the ones it lacks say so.
    await webview.locator('a.name', { hasText: /^mmu_notifier_range_init_owner$/ }).waitFor();
    assert.ok(await webview.locator('.row', { hasText: 'folio_walk_start' }).locator('.badge.missing').count() >= 1);
    // Beside the editor: two editor groups, the panel in the second.
    assert.equal(await page.locator('.editor-group-container').count(), 2);
    await page.locator('.tab.active', { hasText: 'Path: make_device_exclusive' }).waitFor();
    await sleep(500);
    await page.screenshot({ path: path.join(SHOTS, 'path-view.png') });
  });
  await step('open-definition', async () => {
    await webview.locator('a.name', { hasText: /^mmu_notifier_range_init_owner$/ }).first().click();
    await page.locator('.tab.active', { hasText: 'mmu_notifier.h' }).waitFor({ timeout: 15000 });
    await page.locator('.view-line', { hasText: 'mmu_notifier_range_init_owner(' }).first().waitFor();
    await sleep(500);
    await page.screenshot({ path: path.join(SHOTS, 'definition-opened.png') });
  });
});
