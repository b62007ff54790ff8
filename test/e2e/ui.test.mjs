// The extension in a real VS Code: code-server with the packaged VSIX installed, driven by chromium.
// Opens ../shared/kernel/v6.18.15, finds the lenses above make_device_exclusive: "Show call path" opens
// the path view beside the editor; "Simulate this path" runs a scenario (picked in a quick pick) and
// shows it in the simulation panel beside (panel.test.mjs tests the panel); its "Open as text" opens
// the ASCII trace, whose file:line references open their lines. Screenshots go to
// test-results/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, SHARED_KERNEL, e2eSession, waitForCount, sleep, quickOpen, goToLine } from './harness.mjs';

const TREE = path.join(SHARED_KERNEL, 'v6.18.15');
const skip = fs.existsSync(path.join(TREE, 'mm/rmap.c')) ? false : `no kernel tree at ${TREE}`;
const e2e = e2eSession({ prefix: 'ui', skip });
const { step } = e2e;

test('"Show call path" above make_device_exclusive in v6.18.15 opens the path view beside', { skip }, async () => {
  const { page } = e2e;
  await step('workbench', () => e2e.openFolder(TREE));
  await step('open-rmap', async () => {
    await quickOpen(page, 'mm/rmap.c');
    await goToLine(page, 2673);
  });
  const lens = page.locator('.codelens-decoration a', { hasText: 'Show call path' });
  const simulate = page.locator('.codelens-decoration a', { hasText: 'Simulate this path' });
  await step('lens', async () => {
    await waitForCount(lens, 1, 30000);
    await waitForCount(simulate, 1, 30000);
    // The lenses sit directly above line 2673, the line `struct page *make_device_exclusive(` starts on,
    // side by side: "Simulate this path | Show call path".
    const lineNo = page.locator('.margin-view-overlays .line-numbers', { hasText: /^2673$/ });
    const [l, s, n] = [await lens.first().boundingBox(), await simulate.first().boundingBox(), await lineNo.boundingBox()];
    assert.ok(l && s && n, 'lenses and line number are on screen');
    assert.ok(Math.abs(l.y + l.height - n.y) < 8, `lens bottom ${l.y + l.height} vs line 2673 top ${n.y}`);
    assert.ok(Math.abs(s.y - l.y) < 2 && s.x < l.x, 'simulate first, on the same line');
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

/**
 * The lines the editor of the active group renders, top to bottom (monaco reuses .view-line nodes
 * out of order and renders spaces as non-breaking spaces). With no word wrap and the editor scrolled
 * to the top, element i is line i + 1.
 */
async function activeEditorLines() {
  const { page } = e2e;
  const rows = await page.locator('.editor-group-container.active .monaco-editor .view-line').evaluateAll((els) =>
    els.map((e) => ({ top: parseFloat(e.style.top || '0'), text: e.textContent ?? '' })));
  return rows.sort((a, b) => a.top - b.top).map((r) => r.text.replace(/\u00a0/g, ' '));
}

test('"Simulate this path" runs a scenario in the panel beside; its ASCII trace links to the tree', { skip }, async () => {
  const { page } = e2e;
  const simulate = page.locator('.codelens-decoration a', { hasText: 'Simulate this path' });
  await step('simulate-pick', async () => {
    // Back to rmap.c through its tab: the focus is in the path view (keys would go to the webview).
    await page.locator('.editor-group-container').nth(0).locator('.tab', { hasText: 'rmap.c' }).click();
    await page.locator('.editor-group-container.active .tab.active', { hasText: 'rmap.c' }).waitFor();
    await goToLine(page, 2673);
    await waitForCount(simulate, 1, 30000);
    await simulate.first().click();
    // Several scenarios enter at make_device_exclusive: a quick pick, the full story first.
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await waitForCount(rows, 2, 15000);
    assert.match(await rows.first().textContent(), /exclusive-then-cpu-write.*GPU atomic, then CPU write fault/);
    await sleep(300);
    await page.screenshot({ path: path.join(SHOTS, 'simulate-quick-pick.png') });
    await rows.filter({ hasText: 'exclusive-then-cpu-write' }).first().click();
  });
  await step('trace', async () => {
    // The simulation panel beside the source (with the path view); its "Open as text" button.
    await page.locator('.tab.active', { hasText: 'Simulation: exclusive-then-cpu-write' }).waitFor({ timeout: 60000 });
    const panel = page.locator('iframe.webview.ready[src*="extensionId=kernel-path-sim.kernel-path-sim"]:visible').contentFrame().frameLocator('iframe#active-frame');
    await panel.locator('#diagram [data-role="pte"]').waitFor({ timeout: 60000 });
    await panel.locator('#open-text').click();
    await page.locator('.tab.active', { hasText: 'exclusive-then-cpu-write.kptrace' }).waitFor({ timeout: 60000 });
    // Beside the source: the trace is in the second group (with the path view and the panel), rmap.c stays in the first.
    const groups = page.locator('.editor-group-container');
    assert.equal(await groups.count(), 2);
    await groups.nth(1).locator('.tab.active', { hasText: 'exclusive-then-cpu-write.kptrace' }).waitFor();
    await groups.nth(0).locator('.tab.active', { hasText: 'rmap.c' }).waitFor();
    await page.locator('.editor-group-container.active .view-line', { hasText: 'PASS' }).first().waitFor();
    const lines = await activeEditorLines();
    assert.match(lines[0], /^kpsim: exclusive-then-cpu-write on v6\.18\.15: PASS \(\d+\/\d+ checks\)$/);
    assert.ok(lines.some((l) => /^ {2}\d+ +dev0 +mm\/rmap\.c:\d+ +make_device_exclusive +PTE 0x/.test(l)), `a step line of mm/rmap.c in\n${lines.join('\n')}`);
    await sleep(500);
    await page.screenshot({ path: path.join(SHOTS, 'trace-beside.png') });
    await groups.nth(1).screenshot({ path: path.join(SHOTS, 'trace-editor.png') });
    // Read-only: typing changes nothing.
    await page.keyboard.type('x');
    await page.locator('.monaco-editor-overlaymessage', { hasText: /read-only/i }).waitFor({ timeout: 5000 });
    assert.deepEqual(await activeEditorLines(), lines, 'unchanged');
    await page.keyboard.press('ArrowDown');
    await page.locator('.monaco-editor-overlaymessage').waitFor({ state: 'hidden', timeout: 5000 });
  });
  let target;
  await step('follow-link', async () => {
    // A make_device_exclusive step: ctrl+click its file:line.
    const where = page.locator('.editor-group-container.active .view-line span > span', { hasText: /^mm\/rmap\.c:\d+$/ }).first();
    await where.waitFor();
    target = Number((await where.textContent()).split(':')[1]);
    assert.ok(target > 2673 && target < 2800, `a line inside make_device_exclusive: ${target}`);
    // Hovering a step shows all it did, the column a narrow editor cuts off.
    const fnCell = page.locator('.editor-group-container.active .view-line', { hasText: /make_device_exclusive[\s\u00a0]+PTE/ }).first()
      .locator('span > span', { hasText: /^make_device_exclusive$/ });
    await fnCell.hover();
    const hover = page.locator('.monaco-hover', { hasText: /Step \d+ · dev0 · make_device_exclusive at mm\/rmap\.c:\d+/ });
    await hover.waitFor({ timeout: 10000 });
    assert.match(await hover.textContent(), /PTE 0x7f0000000000: present pfn=\d+ rw dirty,young -> none/);
    await sleep(600);
    await page.screenshot({ path: path.join(SHOTS, 'trace-step-hover.png') });
    await where.hover();
    await page.keyboard.down('Control');
    await page.locator('.editor-group-container.active .detected-link-active').first().waitFor({ timeout: 10000 });
    await sleep(600);
    await page.screenshot({ path: path.join(SHOTS, 'trace-link-hover.png') });
    await where.click({ modifiers: ['Control'] });
    await page.keyboard.up('Control');
    // It opens in the first group, at that line; the trace stays visible beside.
    const groups = page.locator('.editor-group-container');
    await groups.nth(0).locator('.tab.active', { hasText: 'rmap.c' }).waitFor();
    await page.locator('.statusbar-item', { hasText: `Ln ${target}, Col 1` }).waitFor({ timeout: 15000 });
    await groups.nth(1).locator('.tab.active', { hasText: 'exclusive-then-cpu-write.kptrace' }).waitFor();
    await page.locator('.editor-group-container.active .margin-view-overlays .line-numbers', { hasText: new RegExp(`^${target}$`) }).waitFor();
    await page.mouse.move(5, 450);
    await sleep(500);
    await page.screenshot({ path: path.join(SHOTS, 'trace-link-opened.png') });
  });
});
