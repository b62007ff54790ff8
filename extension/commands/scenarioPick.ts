import * as path from 'path';
import * as vscode from 'vscode';
import { SCENARIOS } from '../engine/scenarios/catalog';
import type { Scenario } from '../engine/scenarios/types';
import { scenariosFor } from '../run/scenarioChoice';

type ScenarioItem = vscode.QuickPickItem & { id: string };

/** A quick pick of scenarios (id, title, description); the id picked. */
export async function pickScenario(scenarios: readonly Scenario[], placeHolder: string): Promise<string | undefined> {
  const items = scenarios.map((s): ScenarioItem => ({ id: s.id, label: s.id, description: s.title, detail: s.description }));
  return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true }))?.id;
}

/**
 * The scenario a lens above `fn` runs: the one that enters there, a pick when several do, a pick of
 * every scenario (after saying so) when none does. `verb` words the prompts ("run", "step through").
 */
export async function scenarioForFunction(fn: string, root: string, verb: string): Promise<string | undefined> {
  const fits = scenariosFor(fn);
  if (fits.length === 1) return fits[0].id;
  if (fits.length > 1) return pickScenario(fits, `Scenario to ${verb} ${fn} (${fits.length} enter there)`);
  void vscode.window.showInformationMessage(`Kernel Path Simulator: no scenario enters at ${fn} yet. The scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}.`);
  return pickScenario(SCENARIOS, `No scenario enters at ${fn}: pick any scenario to ${verb} on ${path.basename(root)}`);
}
