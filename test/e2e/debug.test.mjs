// The kpsim debugger in a real VS Code (code-server + chromium, the packaged VSIX) on
// ../shared/kernel/v6.18.15: a breakpoint in restore_exclusive_pte (mm/memory.c), "Debug this path"
// above make_device_exclusive (mm/rmap.c), the stop at make_device_exclusive, Continue to the
// breakpoint, the call stack view, the Variables view, and the Step Back button.
// Screenshots: test-results/screenshots/debug-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, SHARED_KERNEL, e2eSession, waitForCount, sleep, quickOpen, goToLine } from './harness.mjs';

const TREE = path.join(SHARED_KERNEL, 'v6.18.15');
const skip = fs.existsSync(path.join(TREE, 'mm/rmap.c')) ? false : `no kernel tree at ${TREE}`;
const e2e = e2eSession({ prefix: 'debug', skip });
const { step } = e2e;

/** Lines of v6.18.15: the first statement after the VM_WARN_ON in restore_exclusive_pte, and make_device_exclusive. */
const BP_LINE = 876;
const MDE_LINE = 2673;

/**
 * The call stack view, thread by thread: [{ thread, frames: [{ name, where }] }] (where = "file line:col"),
 * frames top to bottom as the view shows them (collapsed frames are not listed).
 */
async function callStack() {
  const { page } = e2e;
  const rows = await page.locator('.debug-call-stack .monaco-list-row').evaluateAll((els) => els.map((e) => {
    const thread = e.querySelector('.thread');
    if (thread) return { kind: 'thread', name: thread.querySelector('.name')?.textContent?.trim() ?? '' };
    const frame = e.querySelector('.stack-frame');
    if (frame) return { kind: 'frame', name: frame.querySelector('.label')?.textContent?.trim() ?? '', where: frame.querySelector('.file')?.textContent?.trim() ?? '' };
    return { kind: 'other', name: e.textContent?.trim() ?? '' };
  }));
  const threads = [];
  for (const r of rows) {
    if (r.kind === 'thread' || !threads.length) threads.push({ thread: r.kind === 'thread' ? r.name : '', frames: [] });
    if (r.kind === 'frame') threads.at(-1).frames.push({ name: r.name, where: r.where });
  }
  return threads;
}

/** Waits until some thread's frames satisfy `pred`; returns those frames. */
async function waitForStack(pred, what, timeout = 60000) {
  const end = Date.now() + timeout;
  let last = [];
  for (;;) {
    last = await callStack().catch(() => []);
    const t = last.find((x) => pred(x.frames));
    if (t) return t.frames;
    if (Date.now() > end) throw new Error(`call stack never showed ${what}; it shows ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

test('"Debug this path": a breakpoint in restore_exclusive_pte, the call stack, Step Back', { skip }, async () => {
  const { page } = e2e;
  await step('workbench', () => e2e.openFolder(TREE));
  await step('breakpoint', async () => {
    await quickOpen(page, 'mm/memory.c');
    await goToLine(page, BP_LINE);
    await page.keyboard.press('F9');
    // The red dot in the glyph margin of line 877.
    await page.locator('.editor-group-container.active .codicon-debug-breakpoint').first().waitFor({ timeout: 10000 });
    await page.locator('.view-line', { hasText: 'pte = pte_mkold(mk_pte(page, READ_ONCE(vma->vm_page_prot)));' }).waitFor();
    await sleep(400);
    await page.screenshot({ path: path.join(SHOTS, 'debug-breakpoint-set.png') });
  });
  const debugLens = page.locator('.codelens-decoration a', { hasText: 'Debug this path' });
  await step('lens', async () => {
    await quickOpen(page, 'mm/rmap.c');
    await goToLine(page, MDE_LINE);
    await waitForCount(debugLens, 1, 60000);
    // Beside "Simulate this path | Show call path", on the line above make_device_exclusive.
    const simulate = page.locator('.codelens-decoration a', { hasText: 'Simulate this path' });
    await waitForCount(simulate, 1, 30000);
    const [d, s] = [await debugLens.first().boundingBox(), await simulate.first().boundingBox()];
    assert.ok(d && s && Math.abs(d.y - s.y) < 2 && d.x > s.x, 'on the same line, after the others');
    await sleep(400);
    await page.screenshot({ path: path.join(SHOTS, 'debug-lens.png') });
    await debugLens.first().click();
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await waitForCount(rows, 2, 15000);
    await rows.filter({ hasText: 'exclusive-then-cpu-write' }).first().click();
  });
  await step('stop-at-function', async () => {
    // The session indexes the tree, runs the scenario in the worker and stops at make_device_exclusive.
    await page.locator('.debug-toolbar').waitFor({ timeout: 120000 });
    const stack = await waitForStack((s) => s[0]?.name === 'make_device_exclusive', 'make_device_exclusive on top', 120000);
    assert.match(stack[0].where, new RegExp(`rmap\\.c\\s*${MDE_LINE + 1}|rmap\\.c\\s*\\d+`));
    assert.ok(stack.some((f) => f.name === 'dmirror_exclusive'), JSON.stringify(stack));
    await page.locator('.tab.active', { hasText: 'rmap.c' }).waitFor();
    await sleep(600);
    await page.screenshot({ path: path.join(SHOTS, 'debug-stop-make_device_exclusive.png') });
  });
  await step('continue-to-breakpoint', async () => {
    await page.locator('.debug-toolbar .codicon-debug-continue').click();
    const stack = await waitForStack((s) => s[0]?.name === 'restore_exclusive_pte', 'restore_exclusive_pte on top');
    const names = stack.map((f) => f.name);
    assert.deepEqual(names.slice(0, 3), ['restore_exclusive_pte', 'remove_device_exclusive_entry', 'do_swap_page'], JSON.stringify(stack));
    assert.match(stack[0].where, new RegExp(`memory\\.c\\s*${BP_LINE}:1`));
    assert.match(stack[1].where, /memory\.c\s*\d+:1/);
    await page.locator('.tab.active', { hasText: 'memory.c' }).waitFor();
    await page.locator('.statusbar-item', { hasText: `Ln ${BP_LINE}, Col 1` }).waitFor({ timeout: 15000 });
    await sleep(800);
    await page.screenshot({ path: path.join(SHOTS, 'debug-breakpoint-hit.png') });
  });
  await step('variables', async () => {
    // Locals are expanded; open "mm state" and its addresses: the PTE is still device-exclusive.
    const vars = page.locator('.debug-variables');
    await vars.locator('.monaco-list-row', { hasText: 'address' }).first().waitFor({ timeout: 15000 });
    await vars.locator('.monaco-list-row', { hasText: /^mm state$/ }).first().click();
    await vars.locator('.monaco-list-row', { hasText: 'addresses' }).first().click();
    const addr = vars.locator('.monaco-list-row', { hasText: /^0x7f0000000000\W*device-exclusive/ }).first();
    await addr.waitFor({ timeout: 15000 });
    // Make room: fold the locals, open the address (its PTE, folio, device entries) and the locks.
    await vars.locator('.monaco-list-row', { hasText: /^Locals$/ }).first().click();
    await addr.click();
    await vars.locator('.monaco-list-row', { hasText: /^folio\W*pfn \d+ refcount \d+ mapcount \d+/ }).first().waitFor({ timeout: 15000 });
    await vars.locator('.monaco-list-row', { hasText: /^locks\W*mmap_lock/ }).first().click();
    await vars.locator('.monaco-list-row', { hasText: /^PTL .*cpu1/ }).first().waitFor({ timeout: 15000 });
    await sleep(600);
    await page.screenshot({ path: path.join(SHOTS, 'debug-variables.png') });
  });
  await step('step-back', async () => {
    await page.locator('.debug-toolbar .codicon-debug-step-back').click();
    const lineOf = (where) => Number(/(\d+):\d+$/.exec(where)?.[1]);
    const stack = await waitForStack((s) => s[0]?.name === 'restore_exclusive_pte' && lineOf(s[0].where) !== BP_LINE, 'a line before the breakpoint');
    const line = lineOf(stack[0].where);
    assert.ok(line < BP_LINE && line >= 868, `stepped back to line ${line}`);
    await page.locator('.statusbar-item', { hasText: `Ln ${line}, Col 1` }).waitFor({ timeout: 15000 });
    await sleep(800);
    await page.screenshot({ path: path.join(SHOTS, 'debug-step-back.png') });
  });
  await step('stop', async () => {
    await page.locator('.debug-toolbar .codicon-debug-stop').click();
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15000 });
  });
});

