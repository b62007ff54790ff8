/** Every model of a kernel helper, and the constants, in one table. */
import { PrimitiveTable } from './api';
import { CONSTANTS } from './constants';
import { DRIVER, TLB } from './driver';
import { FAULT } from './fault';
import { FOLIO } from './folio';
import { LOCKING } from './locking';
import { NOTIFIER } from './notifier';
import { NOUVEAU, NVIF_CONSTANTS } from './nouveau';
import { PGTABLE } from './pgtable';
import { PROCESS } from './process';
import { PTE_VALUE_PRIMITIVES } from './pteValues';
import { WALK } from './walk';

export function kernelPrimitives(): PrimitiveTable {
  return new PrimitiveTable()
    .addConstants(CONSTANTS)
    .addConstants(NVIF_CONSTANTS)
    .add(...PTE_VALUE_PRIMITIVES, ...PGTABLE, ...FOLIO, ...WALK, ...NOTIFIER, ...LOCKING, ...FAULT, ...DRIVER, ...TLB, ...PROCESS, ...NOUVEAU);
}
