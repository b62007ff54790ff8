// Before/after on a real tree and real mail: David Hildenbrand's v1 03/12 + 04/12 (January 2025)
// applied in memory to v6.12.107, compared with `kpsim compare`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { patchedTree } from '../../extension/engine/explore/patchedTree';
import { indexTree } from '../../extension/parsing/treeIndex';
import { readPanelTrace } from '../../extension/run/panelTrace';
import { kpsimOrThrow as run } from '../helpers/cli';
import { kernelTrees } from '../helpers/kernelTrees';
import { REPO, wasmService } from '../helpers/parser';

const { trees, source } = kernelTrees();
const V612 = trees.find((t) => path.basename(t) === 'v6.12.107');
const PATCHES = path.resolve(REPO, '../shared/patches');
const mail = (prefix: string): string | undefined => {
  if (!fs.existsSync(PATCHES)) return undefined;
  const f = fs.readdirSync(PATCHES).find((n) => n.startsWith(prefix) && n.endsWith('.eml'));
  return f && path.join(PATCHES, f);
};
const P03 = mail('2025-01-29_david_PATCH-v1-03-12_');
const P04 = mail('2025-01-29_david_PATCH-v1-04-12_');
const skip = !V612 ? `no v6.12.107 tree in ${source}` : !P03 || !P04 ? `the v1 03/12 and 04/12 mails are not in ${PATCHES}` : false;

interface JsonViolation { invariant: string; message: string; schedule: string[]; file?: string; line?: number }
interface JsonSide { violations: JsonViolation[]; complete: boolean; explored: boolean }
interface JsonScenario { id: string; before: JsonSide; after: JsonSide; newViolations: JsonViolation[]; fixedViolations: JsonViolation[]; changedEvents: { removed: string[]; added: string[] }; errors: unknown[] }
interface JsonReport { newViolations: number; patches: { applied: string[]; skipped: string[] }; scenarios: JsonScenario[] }

test('v6.12.107 + v1 03/12 + 04/12, exclusive-two-devices: device 1 keeps its read mapping (no MMU_NOTIFY_EXCLUSIVE), and test_hmm crashes', { skip }, async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kpsim-kcompare-'));
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const r = await run('compare', '--tree', V612!, '--patch', P03!, '--patch', P04!, '--scenario', 'exclusive-two-devices', '--json', '--out', out);
  assert.equal(r.code, 1, r.err);
  const rep = JSON.parse(r.out) as JsonReport;
  assert.deepEqual(rep.patches.applied, [
    '[v1 03/12] mm/rmap: convert make_device_exclusive_range() to make_device_exclusive()',
    '[v1 04/12] mm/rmap: implement make_device_exclusive() using folio_walk instead of rmap walk',
  ]);
  // The tree has no zh_CN translation: skipped and said so, not a failure.
  assert.ok(rep.patches.skipped.some((s) => s.startsWith('Documentation/translations/zh_CN/mm/hmm.rst')));
  const sc = rep.scenarios[0];
  assert.equal(sc.id, 'exclusive-two-devices');
  assert.deepEqual(sc.errors, []);
  // The unpatched tree: every interleaving explored, no violation.
  assert.equal(sc.before.complete, true);
  assert.deepEqual(sc.before.violations, []);
  assert.equal(sc.after.complete, true);
  const inv = sc.newViolations.map((v) => v.invariant).sort();
  assert.deepEqual(inv, ['no-crash', 'no-stale-device-mapping', 'secondary-mmu-coherence']);
  const coherence = sc.newViolations.find((v) => v.invariant === 'secondary-mmu-coherence')!;
  assert.match(coherence.message, /^dmirror1 maps 0x7f0000000000 \(pfn \d+, read\) but the CPU PTE is device-exclusive-write pfn \d+, exclusive to another device/);
  // v1 04/12 dropped the invalidation: the default run's MMU_NOTIFY_EXCLUSIVE is gone, nothing replaces it.
  assert.deepEqual(sc.changedEvents.added, []);
  assert.ok(sc.changedEvents.removed.some((e) => /^MMU_NOTIFY_EXCLUSIVE \[0x7f0000000000, 0x7f0000001000\) from dev0: .*dmirror1 acted/.test(e)), sc.changedEvents.removed.join('\n'));
  // The crash: test_hmm after 03/12 passes &folio as the owner and NULL as foliop.
  const crash = sc.newViolations.find((v) => v.invariant === 'no-crash')!;
  assert.match(crash.message, /^dev0 crashed: NULL pointer: assignment through NULL at mm\/rmap\.c:\d+/);
  assert.deepEqual([...fs.readdirSync(out)].sort(), inv.map((i) => `exclusive-two-devices-${i}.json`));
  const back = readPanelTrace(fs.readFileSync(path.join(out, 'exclusive-two-devices-secondary-mmu-coherence.json'), 'utf8'));
  assert.ok('trace' in back, 'error' in back ? back.error : '');
  assert.deepEqual(back.trace.schedule.slice(0, coherence.schedule.length), coherence.schedule);
});

test('the crash is 03/12\'s test_hmm call: (mm, addr, &folio, NULL) against make_device_exclusive(mm, addr, owner, foliop)', { skip }, async () => {
  const parser = await wasmService();
  const p = await patchedTree(V612!, parser, indexTree(parser, V612!), [P03!, P04!]);
  const rmap = p.texts.get('mm/rmap.c') ?? '';
  const hmm = p.texts.get('lib/test_hmm.c') ?? '';
  assert.match(rmap, /struct page \*make_device_exclusive\(struct mm_struct \*mm, unsigned long addr,\n\t\tvoid \*owner, struct folio \*\*foliop\)\n\{/);
  assert.match(rmap, /\n\t\*foliop = folio;\n\treturn page;\n\}\nEXPORT_SYMBOL_GPL\(make_device_exclusive\);/);
  assert.match(hmm, /page = make_device_exclusive\(mm, addr, &folio, NULL\);/);
  // nouveau's call in the same patch has the right order.
  assert.match(p.texts.get('drivers/gpu/drm/nouveau/nouveau_svm.c') ?? '', /make_device_exclusive\(mm, start, drm->dev, &folio\)/);
});

test('with the model\'s reference driver (arguments in order), only 04/12\'s lost invalidation remains', { skip }, async () => {
  const r = await run('compare', '--tree', V612!, '--patch', P03!, '--patch', P04!, '--scenario', 'exclusive-two-devices', '--driver', 'kpsim', '--json');
  assert.equal(r.code, 1, r.err);
  const sc = (JSON.parse(r.out) as JsonReport).scenarios[0];
  assert.deepEqual(sc.before.violations, []);
  assert.deepEqual(sc.newViolations.map((v) => v.invariant).sort(), ['no-stale-device-mapping', 'secondary-mmu-coherence']);
});

test('04/12 alone does not apply to v6.12.107 (it needs 03/12): exit 2, which hunk and why', { skip }, async () => {
  const r = await run('compare', '--tree', V612!, '--patch', P04!, '--scenario', 'exclusive-two-devices');
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^kpsim: \[v1 04\/12\] mm\/rmap: implement make_device_exclusive\(\) using folio_walk instead of rmap walk does not apply to v6\.12\.107: nothing is compared\n/);
  assert.match(r.err, /\n {2}mm\/rmap\.c: hunk #\d+ @@ [^@]+ @@ does not apply: /);
});

test('the text report for the mail reply: verdict line, the counterexample schedule and its timeline', { skip }, async () => {
  const r = await run('compare', '--tree', V612!, '--patch', P03!, '--patch', P04!, '--scenario', 'exclusive-two-devices');
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^kpsim compare: v6\.12\.107 -> v6\.12\.107 \+ 2 patches\n/);
  assert.match(r.out, /\n {2}exclusive-two-devices +NEW no-crash, no-stale-device-mapping,\n +secondary-mmu-coherence\n/);
  assert.match(r.out, /\nexclusive-two-devices: new violation of secondary-mmu-coherence\n {2}Secondary MMUs agree with the CPU page table\n/);
  assert.match(r.out, /\n {2}schedule: dev1 x\d+, dev0 x\d+ \(\d+ decisions\)\n/);
  assert.match(r.out, /\n {4}kpsim: exclusive-two-devices on v6\.12\.107: FAIL/);
  assert.match(r.out, /\n {4}- MMU_NOTIFY_EXCLUSIVE \[0x7f0000000000, 0x7f0000001000\) from dev0:/);
});
