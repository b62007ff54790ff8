import type { Blocked, PrimCtx, PrimGroup, Primitive } from './api';
import type { Value } from '../state/values';
import type { ChoiceLabel } from './choices';

/** Shorthand for a primitive: `def('pte', 'ptep_get', 'reads the PTE', {reads: ['pte']}, fn)`. */
export function def(
  group: PrimGroup,
  name: string | string[],
  doc: string,
  io: { reads?: string[]; writes?: string[]; sched?: boolean; choice?: ChoiceLabel },
  run: (ctx: PrimCtx, args: Value[]) => Value | Blocked,
): Primitive {
  const [first, ...aliases] = Array.isArray(name) ? name : [name];
  return { name: first, aliases, group, doc, reads: io.reads ?? [], writes: io.writes ?? [], sched: io.sched ?? false, choice: io.choice, run };
}
