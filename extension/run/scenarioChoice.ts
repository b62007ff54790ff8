import { SCENARIOS } from '../engine/scenarios/catalog';
import type { Scenario } from '../engine/scenarios/types';
import { otherNames } from '../parsing/lookup';

/**
 * The scenarios a function's "Simulate this path" lens runs: those that list it (or one of the
 * names it has had in other kernel versions) among their entries, in catalog order.
 */
export function scenariosFor(name: string, catalog: readonly Scenario[] = SCENARIOS): Scenario[] {
  const names = [name, ...otherNames(name)];
  return catalog.filter((s) => names.some((n) => s.entries.includes(n)));
}
