// The function index on real kernel trees, against the definition lines of the trees' manifest.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { callTree } from '../../extension/parsing/callTree';
import { FAMILY, FunctionLookup } from '../../extension/parsing/lookup';
import { indexTree } from '../../extension/parsing/treeIndex';
import { kernelTrees } from '../helpers/kernelTrees';
import { wasmService } from '../helpers/parser';

/** file:line of each definition (the line of the name), per tree; '-' = not defined there. */
const TRUTH: Record<string, Record<string, string>> = {
  'v5.10.262': {
    make_device_exclusive: '-', make_device_exclusive_range: '-', restore_exclusive_pte: '-', remove_device_exclusive_entry: '-',
    do_swap_page: 'mm/memory.c:3354', copy_nonpresent_pte: 'mm/memory.c:698', zap_pte_range: 'mm/memory.c:1229',
    change_pte_range: 'mm/mprotect.c:38', hmm_range_fault: 'mm/hmm.c:572', mmu_interval_read_begin: 'mm/mmu_notifier.c:186',
    mmu_interval_read_retry: 'include/linux/mmu_notifier.h:349', mmu_interval_notifier_insert: 'mm/mmu_notifier.c:1002',
  },
  'commit-8cdf3792526a': {
    make_device_exclusive_range: 'mm/rmap.c:2188', page_make_device_exclusive_one: 'mm/rmap.c:2042',
    page_make_device_exclusive: 'mm/rmap.c:2138', try_to_migrate_one: 'mm/rmap.c:1691', restore_exclusive_pte: '-',
  },
  'v6.12.107': {
    make_device_exclusive: '-', make_device_exclusive_range: 'mm/rmap.c:2517', page_make_device_exclusive_one: 'mm/rmap.c:2371',
    folio_make_device_exclusive: 'mm/rmap.c:2468', restore_exclusive_pte: 'mm/memory.c:721', try_restore_exclusive_pte: 'mm/memory.c:771',
    remove_device_exclusive_entry: 'mm/memory.c:3879', do_swap_page: 'mm/memory.c:4200', copy_nonpresent_pte: 'mm/memory.c:793',
    zap_nonpresent_ptes: '-', zap_pte_range: 'mm/memory.c:1582', change_pte_range: 'mm/mprotect.c:86', try_to_migrate_one: 'mm/rmap.c:1999',
    hmm_range_fault: 'mm/hmm.c:582', mmu_interval_read_begin: 'mm/mmu_notifier.c:188', mmu_interval_read_retry: 'include/linux/mmu_notifier.h:345',
    nouveau_atomic_range_fault: 'drivers/gpu/drm/nouveau/nouveau_svm.c:585', dmirror_exclusive: 'lib/test_hmm.c:826',
    dmirror_atomic_map: 'lib/test_hmm.c:758', dmirror_check_atomic: 'lib/test_hmm.c:742',
  },
  'v6.18.15': {
    make_device_exclusive: 'mm/rmap.c:2673', make_device_exclusive_range: '-', page_make_device_exclusive_one: '-', folio_make_device_exclusive: '-',
    restore_exclusive_pte: 'mm/memory.c:868', try_restore_exclusive_pte: 'mm/memory.c:902', remove_device_exclusive_entry: 'mm/memory.c:4275',
    do_swap_page: 'mm/memory.c:4582', copy_nonpresent_pte: 'mm/memory.c:924', zap_nonpresent_ptes: 'mm/memory.c:1715',
    zap_pte_range: 'mm/memory.c:1821', change_pte_range: 'mm/mprotect.c:272', try_to_migrate_one: 'mm/rmap.c:2292',
    hmm_range_fault: 'mm/hmm.c:654', mmu_interval_read_begin: 'mm/mmu_notifier.c:188', mmu_interval_read_retry: 'include/linux/mmu_notifier.h:345',
    mmu_interval_notifier_insert: 'mm/mmu_notifier.c:972', nouveau_atomic_range_fault: 'drivers/gpu/drm/nouveau/nouveau_svm.c:585',
    dmirror_exclusive: 'lib/test_hmm.c:767', dmirror_atomic_map: 'lib/test_hmm.c:710', dmirror_check_atomic: 'lib/test_hmm.c:694',
  },
};

const { trees, source } = kernelTrees();

if (trees.length === 0) {
  test(`real kernel trees`, { skip: `no kernel tree found in ${source}; set KPSIM_KERNEL_TREES=dir[:dir...]` }, () => {});
}

for (const tree of trees) {
  const label = path.basename(tree);
  test(`${label}: every function is found at the line its definition starts`, async () => {
    const lookup = new FunctionLookup(indexTree(await wasmService(), tree));
    const truth = TRUTH[label];
    if (truth) {
      for (const [name, where] of Object.entries(truth)) {
        const defs = lookup.definitions(name).map((d) => `${d.file}:${d.fn.nameLine}`);
        if (where === '-') assert.deepEqual(defs, [], `${name} should not be defined in ${label}`);
        else assert.ok(defs.includes(where), `${name}: expected ${where}, found ${defs.join(', ') || 'nothing'}`);
      }
    }
    // For any tree (also unseen versions): each family definition's name line holds its name, and
    // the definition ends with a closing brace.
    for (const name of FAMILY) {
      for (const d of lookup.definitions(name)) {
        const lines = fs.readFileSync(path.join(tree, d.file), 'utf8').split('\n');
        assert.match(lines[d.fn.nameLine - 1], new RegExp(`\\b${name}\\(`), `${label} ${name}`);
        assert.match(lines[d.fn.endLine - 1], /^}/, `${label} ${name} ends at a closing brace`);
      }
    }
  });

  test(`${label}: the device-exclusive entry point is found across renames, or its absence is clear`, async () => {
    const lookup = new FunctionLookup(indexTree(await wasmService(), tree));
    const found = lookup.locate('make_device_exclusive');
    if (label === 'v5.10.262') assert.equal(found, undefined, 'v5.10 predates device-exclusive entries');
    if (label === 'v6.12.107' || label === 'commit-8cdf3792526a') assert.equal(found?.matched, 'make_device_exclusive_range');
    if (label === 'v6.18.15') assert.equal(found?.matched, 'make_device_exclusive');
    if (found) {
      const root = found.definitions[0];
      const t = callTree(lookup, found.matched, root.file, 2);
      assert.ok((t.children?.length ?? 0) > 3, 'it calls helpers');
      // The notifier calls (v6.15+) or the rmap-walk wrapper that leads to them (before).
      assert.ok(t.children?.some((c) => /mmu_notifier_invalidate_range_start|^(folio|page)_make_device_exclusive$/.test(c.name)), 'the conversion is on the path');
    }
  });
}
