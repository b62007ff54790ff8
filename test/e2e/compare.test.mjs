// "Compare before/after" in a real VS Code: code-server with the packaged VSIX on the repository's
// examples/ tree. The fixture series (test/fixtures/review/dirty-series.mbox: its 2/2 drops the
// folio_mark_dirty() of make_device_exclusive) is opened; "Compare before/after" on 2/2 from the
// Patch series view opens the report in the simulation panel; "Show counterexample" animates the
// dirty-preserved counterexample there, "Back to report" returns; "Copy as text" and "Open as text"
// give the plain text. In a dark and then a light theme. Screenshots: test-results/screenshots/compare-*.png.
/* global navigator -- evaluated in the page, not in node */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO, SHOTS, choosePath, e2eSession, runCommand as runHarnessCommand, sleep } from './harness.mjs';

const TREE = path.join(REPO, 'examples');
const SERIES = path.join(REPO, 'test/fixtures/review/dirty-series.mbox');
const EXT = 'kernel-path-sim.kernel-path-sim';
// Two seconds per scenario and tree: the whole comparison (15 scenarios) in well under two minutes.
const SETTINGS = { 'workbench.colorTheme': 'Default Dark Modern', 'kernelPathSim.explore.maxSeconds': 2 };
const e2e = e2eSession({ prefix: 'compare', settings: SETTINGS, consoleFilter: /panel|error|report/i });
const { step } = e2e;

/** The simulation panel's document: the inner frame of this extension's visible webview. */
function panel() {
  return e2e.page.locator(`iframe.webview.ready[src*="extensionId=${EXT}"]:visible`).contentFrame().frameLocator('iframe#active-frame');
}

async function shot(name) {
  await sleep(500);
  await e2e.page.screenshot({ path: path.join(SHOTS, `compare-${name}.png`) });
}

/** Runs a command from the palette (the harness retries while contributions load). */
function runCommand(title) {
  return runHarnessCommand(e2e.page, title);
}

/** Nothing in the report is wider than the panel (no text cut off at its right edge). */
async function assertNoOverflow() {
  const wide = await panel().locator('#compare-report').evaluate((root) => {
    const limit = document.documentElement.clientWidth;
    return [...root.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > limit + 1).map((e) => `${e.tagName}.${e.className}: ${e.textContent?.slice(0, 60)}`).slice(0, 5);
  });
  assert.deepEqual(wide, [], 'elements wider than the panel');
}

/** Switches the colour theme from the palette, and waits for the workbench to wear it. */
async function setTheme(theme) {
  const { page } = e2e;
  // The row itself is clicked: the palette may rank "Browse Color Themes in Marketplace" first.
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type('Preferences: Color Theme');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ }).first().click();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
  await sleep(300);
  // Its row, clicked (Enter takes whichever row is active, "Browse Additional Color Themes…" too).
  await page.keyboard.type(theme);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).filter({ hasNotText: 'Browse' }).first().click();
  await page.locator(`.monaco-workbench.${theme.includes('Light') ? 'vs' : 'vs-dark'}`).waitFor({ timeout: 20000 });
}

test('"Compare before/after": the report in the panel, a counterexample from it and back, the text for a mail', async () => {
  const { page } = e2e;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e.server.url });
  await step('workbench', () => e2e.openFolder(TREE));
  const patch = page.locator('.pane-body .monaco-list-row', { hasText: '[v1 2/2] mm/rmap: stop marking the folio dirty' });
  await step('open-series', async () => {
    await runCommand('Kernel Path Simulator: Open patch or series');
    await choosePath(page, SERIES);
    await patch.first().waitFor({ timeout: 30000 });
    // The patched file in the diff editor, as a reviewer has it: the panel opens beside it.
    await patch.first().click();
    await page.keyboard.press('ArrowRight');
    const file = page.locator('.pane-body .monaco-list-row', { hasText: 'mm/rmap.c' }).filter({ hasNotText: 'hunks' });
    await file.first().waitFor();
    await file.first().click();
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 30000 });
    // The Comments panel (the series' replies) takes half the height: closed, for the screenshots.
    await sleep(1000);
    if (await page.locator('.part.panel').isVisible()) {
      await page.keyboard.press('Control+J');
      await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 5000 });
    }
  });
  await step('compare', async () => {
    // The context menu closes when the workbench moves under it (the Comments panel opening with
    // the series' replies): retried until the comparison starts.
    for (let attempt = 0; ; attempt++) {
      try {
        await patch.first().click({ button: 'right' });
        const item = page.locator('.context-view .action-item', { hasText: 'Compare before/after' }).first();
        await item.waitFor({ timeout: 5000 });
        await item.hover({ timeout: 5000 });
        await sleep(200);
        await page.keyboard.press('Enter');
        await page.locator('.notification-toast', { hasText: 'before/after [v1 2/2]' }).first().waitFor({ timeout: 10000 });
        break;
      } catch (e) {
        await page.keyboard.press('Escape');
        if (attempt === 4) throw e;
        await sleep(1000);
      }
    }
    await page.locator('.tab', { hasText: 'Compare: [v1 2/2]' }).waitFor({ timeout: 240000 });
    await panel().locator('#compare-summary').waitFor({ timeout: 30000 });
  });
  let summary;
  await step('report', async () => {
    const report = panel().locator('#compare-report');
    assert.match(await report.locator('h1').innerText(), /^Compare before\/after: \[v1 2\/2\] mm\/rmap: stop marking the folio dirty/);
    assert.match(await report.locator('.subtitle').innerText(), /^examples \+ 1 patch → examples with \[v1 2\/2\]$/);
    summary = await panel().locator('#compare-summary .cmp-summary-line').innerText();
    assert.match(summary, /^\d+ new violations?, 0 fixed, in \d+ scenarios/);
    const dirty = report.locator('.cmp-violation.new', { hasText: 'dirty-preserved' });
    assert.ok(await dirty.count() >= 1, 'a new dirty-preserved violation');
    assert.match(await dirty.first().innerText(), /The dirty bit is never lost/);
    assert.equal(await report.locator('.cmp-violation.new .show-counterexample').count(), await report.locator('.cmp-violation.new').count(), 'a counterexample for every new violation');
    // The notification says where the report is, and offers the counterexamples.
    await page.locator('.notification-toast', { hasText: 'the report is in the panel' }).first().waitFor({ timeout: 10000 });
    await assertNoOverflow();
    await shot('dark-report');
    // Further down: a scenario whose default run changed (end state, return values, events, checks).
    const changed = report.locator('.cmp-scenario', { has: panel().locator('.cmp-events') }).first();
    if (await changed.count()) {
      await changed.evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await shot('dark-report-changes');
      await assertNoOverflow();
    }
  });
  await step('notification', async () => {
    // The toast's "Show counterexample": the first new violation's, in the panel.
    const toast = page.locator('.notification-toast', { hasText: 'the report is in the panel' }).first();
    await toast.locator('.monaco-button', { hasText: 'Show counterexample' }).click();
    await panel().locator('#back-to-report').waitFor({ timeout: 30000 });
    const firstScenario = (await panel().locator('#compare-report .cmp-scenario h3 .mono').first().innerText()).trim();
    assert.match(await panel().locator('.report-nav-label').innerText(), new RegExp(`^Counterexample: new \\S+ in ${firstScenario} `));
    await panel().locator('#back-to-report').click();
    await panel().locator('#compare-summary').waitFor();
  });
  await step('counterexample', async () => {
    const report = panel().locator('#compare-report');
    // From the report this time, another scenario's.
    const first = report.locator('.cmp-violation.new', { hasText: 'dirty-preserved' }).nth(1);
    await first.scrollIntoViewIfNeeded();
    const scenario = (await first.locator('xpath=ancestor::section').locator('h3 .mono').innerText()).trim();
    await first.locator('.show-counterexample').click();
    await panel().locator('#diagram [data-role="pte"]').first().waitFor({ timeout: 60000 });
    assert.equal(await report.isHidden(), true, 'the report gives way to the trace');
    await panel().locator('#back-to-report').waitFor();
    assert.match(await panel().locator('.report-nav-label').innerText(), new RegExp(`^Counterexample: new dirty-preserved in ${scenario} \\(examples with \\[v1 2/2\\]\\)$`));
    await page.locator('.tab', { hasText: `Simulation: ${scenario} (with [v1 2/2])` }).waitFor({ timeout: 10000 });
    // Animated, with the editor following the steps (the highlight's decoration on the current line).
    await panel().locator('#play').click();
    await sleep(2500);
    await panel().locator('#play').click();
    assert.notEqual(await panel().locator('#counter').innerText(), 'start / 0');
    // The step's line is highlighted in an editor (the decoration's after-text is a span of the view line).
    await page.locator('.editor-group-container .view-line [class*="TextEditorDecorationType"]').first().waitFor({ state: 'attached', timeout: 10000 });
    await shot('dark-counterexample');
  });
  await step('back', async () => {
    await panel().locator('#back-to-report').click();
    await panel().locator('#compare-report').waitFor();
    await panel().locator('.cmp-violation.last-shown').waitFor();
    assert.equal(await panel().locator('#compare-summary .cmp-summary-line').innerText(), summary);
    await page.locator('.tab', { hasText: 'Compare: [v1 2/2]' }).waitFor({ timeout: 10000 });
    await shot('dark-back');
  });
  await step('copy-text', async () => {
    await panel().locator('#copy-report').click();
    await page.locator('.notification-toast', { hasText: 'copied the comparison report of [v1 2/2]' }).first().waitFor({ timeout: 10000 });
    const text = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(text, /^kpsim compare: examples \+ 1 patch -> examples with \[v1 2\/2\]\n/);
    assert.ok(text.includes(summary.split(';')[0]), 'the same counts as the panel');
  });
  await step('open-text', async () => {
    await panel().locator('#open-report').click();
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 10000 });
    await page.locator('.editor-group-container .view-line', { hasText: 'kpsim compare: examples + 1 patch -> examples with [v1 2/2]' }).first().waitFor({ timeout: 10000 });
    await shot('text');
    // Back to the panel's tab.
    await page.locator('.tab', { hasText: 'Compare: [v1 2/2]' }).click();
    await panel().locator('#compare-summary').waitFor();
  });
  await step('light', async () => {
    await setTheme('Light Modern');
    await panel().locator('#compare-report').evaluate((root) => root.scrollIntoView({ block: 'start' }));
    await assertNoOverflow();
    await shot('light-report');
    const changed = panel().locator('.cmp-scenario', { has: panel().locator('.cmp-events') }).first();
    if (await changed.count()) {
      await changed.evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await shot('light-report-changes');
    }
    await panel().locator('.cmp-violation.new .show-counterexample').first().click();
    await panel().locator('#back-to-report').waitFor();
    await panel().locator('#diagram [data-role="pte"]').first().waitFor({ timeout: 60000 });
    await shot('light-counterexample');
  });
  await step('reload', async () => {
    // Developer: Reload Window: the panel comes back on the counterexample, and its report with it.
    const label = await panel().locator('.report-nav-label').innerText();
    await sleep(700); // the panel saves its state 400 ms after it last moved
    await runCommand('Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 30000 });
    await panel().locator('#diagram [data-role="pte"]').first().waitFor({ timeout: 90000 });
    await panel().locator('#back-to-report').waitFor({ timeout: 30000 });
    assert.equal(await panel().locator('.report-nav-label').innerText(), label);
    await shot('light-restored-counterexample');
    await panel().locator('#back-to-report').click();
    await panel().locator('#compare-summary').waitFor({ timeout: 30000 });
    assert.equal(await panel().locator('#compare-summary .cmp-summary-line').innerText(), summary);
    await page.locator('.tab', { hasText: 'Compare: [v1 2/2]' }).waitFor({ timeout: 10000 });
    await shot('light-restored-report');
  });
});
