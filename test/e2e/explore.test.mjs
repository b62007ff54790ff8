// "Explore races" in a real VS Code: code-server with the packaged VSIX on v6.12.107. Above
// make_device_exclusive_range, a race-free scenario is reported complete and clean; from the
// palette on exclusive-then-zap, the explorer finds lib/test_hmm.c's MADV_DONTNEED race, reports it
// as the known finding it is (no violation), and its counterexample animates in the simulation panel. Screenshots: test-results/screenshots/explore-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, SHARED_KERNEL, e2eSession, waitForCount, sleep, quickOpen, goToLine } from './harness.mjs';

const TREE = path.join(SHARED_KERNEL, 'v6.12.107');
const skip = fs.existsSync(path.join(TREE, 'mm/rmap.c')) ? false : `no kernel tree at ${TREE}`;
const e2e = e2eSession({ prefix: 'explore', skip });
const { step } = e2e;

/** A notification with `text`: a toast, or (toasts of information fade) the notification center. */
async function notification(text, timeout) {
  const { page } = e2e;
  const end = Date.now() + timeout;
  for (;;) {
    const toast = page.locator('.notification-toast', { hasText: text });
    if (await toast.count()) return (await toast.first().textContent()) ?? '';
    const center = page.locator('.notifications-center .notification-list-item', { hasText: text });
    if (await center.count()) return (await center.first().textContent()) ?? '';
    if (Date.now() > end) throw new Error(`no notification "${text}"`);
    await sleep(2000);
    // The status bar's bell opens the center; it keeps every notification of the session.
    await page.locator('.statusbar-item[id="status.notifications"]').click().catch(() => {});
    await sleep(500);
  }
}

test('"Explore races": complete and clean above make_device_exclusive_range; a counterexample in the panel from the palette', { skip }, async () => {
  const { page } = e2e;
  await step('workbench', () => e2e.openFolder(TREE));
  // The lens of one function (several functions above and below have their own).
  const lens = (fn) => page.locator(`.codelens-decoration a[title*="entering at ${fn} ("]`, { hasText: 'Explore races' });
  await step('clean', async () => {
    await quickOpen(page, 'mm/rmap.c');
    await goToLine(page, 2517);
    await waitForCount(lens('make_device_exclusive_range'), 1, 30000);
    await lens('make_device_exclusive_range').first().click();
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await waitForCount(rows, 2, 15000);
    await page.keyboard.type('exclusive-two-devices');
    await sleep(300);
    await page.keyboard.press('Enter');
    const done = await notification('no violation in any interleaving of exclusive-two-devices', 180000);
    assert.match(done, /complete/);
    await page.screenshot({ path: path.join(SHOTS, 'explore-clean.png') });
  });
  await step('counterexample', async () => {
    // From the palette: any scenario (zap_pte_range has no lens: it is not a device-exclusive function).
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.type('Kernel Path Simulator: Explore races');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Explore races' }).first().waitFor();
    await page.keyboard.press('Enter');
    await waitForCount(page.locator('.quick-input-widget .quick-input-list .monaco-list-row'), 2, 15000);
    await page.keyboard.type('exclusive-then-zap');
    await sleep(300);
    await page.keyboard.press('Enter');
    const found = await notification('Known finding in the tree', 240000);
    assert.match(found, /no violation in any interleaving of exclusive-then-zap .*complete.*Known finding in the tree's own code: test_hmm's dmirror_exclusive\(\) maps without mmu_interval_read_retry\(\)/);
    await page.screenshot({ path: path.join(SHOTS, 'explore-known.png') });
    // The toast, or the same item in the notification center when that is open.
    await page.locator('.notification-toast, .notifications-center .notification-list-item', { hasText: 'Known finding in the tree' }).first().locator('.monaco-button', { hasText: 'Show known finding' }).click();
    await page.locator('.tab', { hasText: 'Simulation: exclusive-then-zap' }).waitFor({ timeout: 60000 });
    const panel = page.locator('iframe.webview.ready[src*="extensionId=kernel-path-sim.kernel-path-sim"]:visible').contentFrame().frameLocator('iframe#active-frame');
    await panel.locator('#diagram [data-role="pte"]').waitFor({ timeout: 60000 });
    await sleep(500);
    await page.screenshot({ path: path.join(SHOTS, 'explore-counterexample.png') });
  });
});
