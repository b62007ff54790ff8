// Patch review in a real VS Code: code-server with the packaged VSIX, the v6.12.107 tree as the
// workspace. "Open patch or series…" reads the real [PATCH v1 04/12] mail (from ../shared, through
// VS Code's own file dialog); the "Patch series" view shows it; mm/rmap.c opens in the diff editor
// with the hunk lenses; a comment is added through the Comments UI; "Compose reply" writes the reply.
// Screenshots go to test-results/screenshots/review-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, SHOTS, SHARED_KERNEL, choosePath, e2eSession, runCommand, waitForCount, sleep } from './harness.mjs';

const TREE = path.join(SHARED_KERNEL, 'v6.12.107');
const PATCHES = path.resolve(REPO, '../shared/patches');
const MAIL = fs.existsSync(PATCHES) ? fs.readdirSync(PATCHES).find((f) => f.startsWith('2025-01-29_david_PATCH-v1-04-12')) : undefined;
const skip = fs.existsSync(path.join(TREE, 'mm/rmap.c')) && MAIL ? false : `no ${TREE} or no 04/12 mail in ${PATCHES}`;
// Where "Compose reply" writes (a setting, so it must exist before code-server starts).
const replyDir = skip ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-replies-'));
const e2e = e2eSession({ prefix: 'review', skip, settings: {
  'kernelPathSim.review.name': 'Test Reviewer', 'kernelPathSim.review.email': 'test@example.invalid', 'kernelPathSim.review.replyDirectory': replyDir,
} });
const { step } = e2e;

test('the 04/12 mail: series view, diff editor on mm/rmap.c, hunk lenses, a comment, a composed reply', { skip }, async () => {
  const { page } = e2e;
  await step('workbench', () => e2e.openFolder(TREE));
  await step('open-mail', async () => {
    await runCommand(page, 'Kernel Path Simulator: Open patch or series');
    // VS Code's own file dialog (the simple one in a browser): a path typed into its input.
    await choosePath(page, path.join(PATCHES, MAIL));
  });
  // Without its cover letter in the input, the series is named after its patch.
  const series = page.locator('.pane-body .monaco-list-row', { hasText: 'v1 · 1/12 patches' });
  const patch = page.locator('.pane-body .monaco-list-row', { hasText: '[v1 04/12] mm/rmap: implement make_device_exclusive()' });
  await step('series-view', async () => {
    await series.first().waitFor({ timeout: 30000 });
    // A wider side bar, so the screenshot shows the labels.
    const side = await page.locator('.part.sidebar').boundingBox();
    let sb;
    for (const sash of await page.locator('.monaco-sash.vertical').all()) {
      const b = await sash.boundingBox();
      if (b && side && Math.abs(b.x + b.width / 2 - (side.x + side.width)) < 6) sb = b;
    }
    if (sb) {
      await page.mouse.move(sb.x + sb.width / 2, sb.y + sb.height / 2);
      await page.mouse.down();
      await page.mouse.move(sb.x + 300, sb.y + sb.height / 2, { steps: 5 });
      await page.mouse.up();
    }
    await patch.first().waitFor();
    assert.match(await patch.first().innerText(), /does not apply/, 'alone, 04/12 does not apply to v6.12.107 (it needs 03/12)');
    await patch.first().click();
    await page.keyboard.press('ArrowRight');
    const file = page.locator('.pane-body .monaco-list-row', { hasText: 'mm/rmap.c' }).filter({ hasNotText: 'hunks' });
    await file.first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'review-series-view.png') });
    await file.first().click();
    // The file's hunks, and the last one (where make_device_exclusive takes the folio_walk) opened.
    await page.keyboard.press('ArrowRight');
    const hunk = page.locator('.pane-body .monaco-list-row', { hasText: '@@ -2558,11 +2440,51 @@' });
    await hunk.first().waitFor();
    await hunk.first().click();
  });
  const beforeLens = page.locator('.codelens-decoration a', { hasText: 'Simulate this path (before)' });
  await step('diff-editor', async () => {
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 30000 });
    await page.locator('.tab.active', { hasText: 'rmap.c' }).waitFor();
    await waitForCount(beforeLens, 1, 30000);
    const after = page.locator('.codelens-decoration', { hasText: 'Simulate this path (after)' });
    await waitForCount(after, 1, 10000);
    assert.match(await after.first().textContent(), /does not apply/);
    await page.screenshot({ path: path.join(SHOTS, 'review-diff-lenses.png') });
  });
  await step('comment', async () => {
    // The gutter's "+" on a line of a hunk of the post image (the diff editor's right side).
    const modified = page.locator('.monaco-diff-editor .editor.modified');
    const line = modified.locator('.view-line', { hasText: 'folio_walk_start' }).first();
    await line.waitFor();
    await line.hover();
    const box = await line.boundingBox();
    // The comment glyph ("+") sits in the gutter between the line numbers and the text.
    const glyph = modified.locator('.comment-range-glyph.line-hover, .comment-range-glyph:hover');
    for (let dx = 22; dx <= 40; dx += 3) {
      await page.mouse.move(box.x - dx, box.y + box.height / 2);
      await sleep(150);
      if (await glyph.count()) break;
    }
    await page.mouse.click((await page.evaluate(() => 0)) + (await glyph.first().boundingBox()).x + 5, box.y + box.height / 2);
    const box2 = page.locator('.review-widget textarea, .comment-form textarea, .comment-form .monaco-editor').first();
    await box2.waitFor({ timeout: 10000 });
    await box2.click();
    await page.keyboard.type('Can the folio_walk find a PMD-mapped THP here, or did FOLL_SPLIT_PMD rule that out?');
    await page.locator('.review-widget .monaco-button, .comment-form .monaco-button', { hasText: 'Add comment' }).first().click();
    await page.locator('.review-widget .comment-body', { hasText: 'FOLL_SPLIT_PMD' }).first().waitFor({ timeout: 10000 });
    await page.screenshot({ path: path.join(SHOTS, 'review-comment.png') });
  });
  await step('compose-reply', async () => {
    await patch.first().click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: 'Compose reply' }).first();
    await item.waitFor();
    // The menu takes the mouse only after it settles; the keyboard is reliable.
    await item.hover();
    await sleep(200);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Reviewed-by: Test Reviewer' }).first().waitFor();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Acked-by: Test Reviewer' }).first().click();
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: '.eml' }).waitFor({ timeout: 15000 });
    await page.screenshot({ path: path.join(SHOTS, 'review-reply.png') });
    const files = fs.existsSync(replyDir) ? fs.readdirSync(replyDir) : [];
    assert.equal(files.length, 1, `one reply in ${replyDir}: ${files.join(', ')}`);
    const text = fs.readFileSync(path.join(replyDir, files[0]), 'utf8');
    assert.match(text, /^In-Reply-To: <20250129115411\.2077152-5-david@redhat\.com>$/m);
    // A long Subject is folded (RFC 2822): unfold before matching.
    assert.match(text.replace(/\n /g, ' '), /^Subject: Re: \[PATCH v1 04\/12\] mm\/rmap: implement make_device_exclusive\(\) using folio_walk/m);
    assert.match(text, /^> \+\tfw_folio = folio_walk_start\(&fw, vma, addr, 0\);$/m);
    assert.match(text, /^Can the folio_walk find a PMD-mapped THP here/m);
    assert.match(text, /^Acked-by: Test Reviewer <test@example\.invalid>$/m);
  });
});
