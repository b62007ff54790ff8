/** C integer arithmetic on JS numbers: 64-bit two's complement for the bit operations. */
import type { BinOp } from './code';

const I32 = (x: number): boolean => Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff;

function big(o: BinOp, a: number, b: number): number {
  const x = BigInt.asIntN(64, BigInt(Math.trunc(a)));
  const y = BigInt.asIntN(64, BigInt(Math.trunc(b)));
  let r: bigint;
  switch (o) {
    case '&': r = x & y; break;
    case '|': r = x | y; break;
    case '^': r = x ^ y; break;
    case '<<': r = x << y; break;
    // Kernel addresses and flags are unsigned: a right shift is logical.
    case '>>': r = BigInt.asUintN(64, x) >> y; break;
    default: throw new Error(`not a bit operation: ${o}`);
  }
  return Number(BigInt.asIntN(64, r));
}

export function intBin(o: BinOp, a: number, b: number): number {
  switch (o) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/':
      if (b === 0) throw new RangeError('division by zero');
      return Math.trunc(a / b);
    case '%':
      if (b === 0) throw new RangeError('division by zero');
      return a % b;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '<<':
      if (I32(a) && b >= 0 && b < 31 && Math.abs(a) < 2 ** (31 - b)) return a << b;
      return big(o, a, b);
    case '>>':
      if (a >= 0 && I32(a)) return a >> b;
      return big(o, a, b);
    case '&':
    case '|':
    case '^':
      if (I32(a) && I32(b)) return o === '&' ? a & b : o === '|' ? a | b : a ^ b;
      return big(o, a, b);
  }
}

export function intNot(a: number): number {
  return I32(a) ? ~a : Number(BigInt.asIntN(64, ~BigInt(Math.trunc(a))));
}
