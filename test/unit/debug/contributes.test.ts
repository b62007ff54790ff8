// The kpsim debugger as package.json contributes it: the type the adapter answers to, the
// scenarios launch.json offers, breakpoints in C files, and the commands.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Commands } from '../../../extension/commands/table';
import { DEBUG_TYPE, isKpsimLaunchArguments } from '../../../extension/debug/session';
import { SCENARIOS } from '../../../extension/engine/scenarios/catalog';
import { REPO } from '../../helpers/parser';

interface Debugger {
  type: string;
  languages: string[];
  configurationAttributes: { launch: { required: string[]; properties: Record<string, { enum?: string[] }> } };
  initialConfigurations: Record<string, unknown>[];
}

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: { debuggers: Debugger[]; breakpoints: { language: string }[]; commands: { command: string; title: string }[] };
};

test('package.json contributes the kpsim debugger with every scenario, and breakpoints in C', () => {
  const d = pkg.contributes.debuggers.find((x) => x.type === DEBUG_TYPE);
  assert.ok(d, 'a kpsim debugger');
  assert.deepEqual(d.configurationAttributes.launch.properties.scenario.enum, SCENARIOS.map((s) => s.id), 'launch.json offers exactly the catalog');
  assert.deepEqual(d.configurationAttributes.launch.properties.driver.enum, ['auto', 'test_hmm', 'nouveau', 'kpsim']);
  assert.deepEqual(d.configurationAttributes.launch.required, ['tree', 'scenario']);
  for (const c of d.initialConfigurations) assert.ok(isKpsimLaunchArguments(c), JSON.stringify(c));
  assert.ok(pkg.contributes.breakpoints.some((b) => b.language === 'c'), 'breakpoints can be set in C files');
  assert.ok(pkg.activationEvents.includes(`onDebugResolve:${DEBUG_TYPE}`));
  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const id of [Commands.debugPath, Commands.debugScenario]) assert.ok(contributed.has(id), id);
});
