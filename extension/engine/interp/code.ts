/** Bytecode of one compiled C function: plain data, so frames can point into it by pc. */
import type { Value } from '../state/values';

export type BinOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^' | '==' | '!=' | '<' | '>' | '<=' | '>=';
export type UnOp = '!' | '-' | '~' | '+';

/** What a declared local starts as. */
/** elem: 'scalar', or the struct type of the elements. */
export type LocalInit = { k: 'scalar' } | { k: 'record'; type: string; zero?: boolean } | { k: 'array'; length: number; elem: string };

export type Instr =
  | { op: 'line'; line: number }
  | { op: 'push'; v: Value }
  /** Address of a local (or parameter). */
  | { op: 'local'; name: string }
  /** Address of a file-scope variable, or a function designator, or a named constant. */
  | { op: 'name'; name: string }
  | { op: 'decl'; name: string; init: LocalInit }
  | { op: 'load' }
  /** Pops an address: pushes it back if it holds an array, else pushes the pointer stored there. */
  | { op: 'decay' }
  /** Pops a value and an address; stores; pushes the value. */
  | { op: 'store' }
  /** Pops a value and an address; stores the record's fields by designator (initializer lists). */
  | { op: 'field'; name: string }
  /** Pops index and pointer; pushes the pointer moved to that element. */
  | { op: 'index' }
  | { op: 'bin'; o: BinOp }
  | { op: 'un'; o: UnOp }
  /** Pops an address; applies ++/--; pushes the old (postfix) or new value. */
  | { op: 'update'; delta: 1 | -1; postfix: boolean }
  /** Pops a value and an address; *addr = *addr o value; pushes the result. */
  | { op: 'assignop'; o: BinOp }
  | { op: 'jmp'; to: number }
  | { op: 'jz'; to: number }
  | { op: 'jnz'; to: number }
  | { op: 'dup' }
  | { op: 'pop' }
  /** Converts the top of the stack to 0/1. */
  | { op: 'bool' }
  /** Call by name with argc arguments on the stack. */
  | { op: 'call'; name: string; argc: number }
  /** Call through a function value below its argc arguments. */
  | { op: 'callv'; argc: number }
  | { op: 'ret'; value: boolean }
  /** Address of the pointer's target minus its last member (container_of). */
  | { op: 'container'; member: string }
  /** A construct the interpreter does not execute: reported, never skipped. */
  | { op: 'unsupported'; what: string };

export interface Code {
  /** "mm/memory.c:restore_exclusive_pte@<bodyHash>" */
  key: string;
  name: string;
  file: string;
  params: string[];
  /** Lines of the definition, 1-based. */
  startLine: number;
  endLine: number;
  instrs: Instr[];
  /** Line of each instruction (for errors and the trace). */
  lines: number[];
}
