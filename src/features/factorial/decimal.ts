/**
 * Natural numbers as little-endian limbs of base 10^4 in a Float64Array, so the
 * decimal digits come out without any base conversion. Arrays are trimmed: the last
 * limb is non-zero (the value is never zero here).
 */
import { multiplyExact } from "./fft";

export const LIMB_BASE = 10_000;
export const LIMB_DIGITS = 4;
/** A factor m is safe for `productOfSmall` while (base - 1) * m + carry < 2^53. */
export const MAX_SMALL_FACTOR = Math.floor(2 ** 53 / LIMB_BASE) - 1;

export type Decimal = Float64Array;

/** Below this many limbs in the shorter operand, schoolbook multiplication is faster. */
const MIN_FFT_LENGTH = 100;

function trimmed(limbs: Float64Array): Decimal {
  let length = limbs.length;
  while (length > 1 && limbs[length - 1] === 0) length--;
  return length === limbs.length ? limbs : limbs.subarray(0, length);
}

/**
 * Product of factors[from..to), each an integer in [1, MAX_SMALL_FACTOR], by repeated
 * multiplication of one growing number by one small factor.
 */
export function productOfSmall(factors: readonly number[], from: number, to: number): Decimal {
  // A factor below 10^12 adds at most three limbs.
  const limbs = new Float64Array(3 * (to - from) + 1);
  limbs[0] = 1;
  let length = 1;
  const inverseBase = 1 / LIMB_BASE;
  for (let f = from; f < to; f++) {
    const m = factors[f] as number;
    let carry = 0;
    for (let i = 0; i < length; i++) {
      const t = (limbs[i] as number) * m + carry;
      carry = Math.floor(t * inverseBase);
      let digit = t - carry * LIMB_BASE;
      if (digit < 0) {
        digit += LIMB_BASE;
        carry--;
      } else if (digit >= LIMB_BASE) {
        digit -= LIMB_BASE;
        carry++;
      }
      limbs[i] = digit;
    }
    while (carry > 0) {
      const next = Math.floor(carry * inverseBase);
      limbs[length++] = carry - next * LIMB_BASE;
      carry = next;
    }
  }
  return limbs.subarray(0, length);
}

function multiplySchoolbook(a: Decimal, b: Decimal): Decimal {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  const out = new Float64Array(a.length + b.length);
  // Each column sums at most short.length products below 10^8: exact in a double.
  for (let i = 0; i < short.length; i++) {
    const s = short[i] as number;
    for (let j = 0; j < long.length; j++) {
      out[i + j] = (out[i + j] as number) + s * (long[j] as number);
    }
  }
  let carry = 0;
  for (let k = 0; k < out.length; k++) {
    const t = (out[k] as number) + carry;
    carry = Math.floor(t / LIMB_BASE);
    out[k] = t - carry * LIMB_BASE;
  }
  return trimmed(out);
}

/** Re-expresses limbs of base 10^4 as `factor` times as many limbs of base 10^(4/factor). */
function toSmallerLimbs(a: Decimal, factor: 2 | 4): Float64Array {
  const out = new Float64Array(a.length * factor);
  const radix = factor === 2 ? 100 : 10;
  for (let i = 0; i < a.length; i++) {
    let v = a[i] as number;
    for (let k = 0; k < factor; k++) {
      const digit = v % radix;
      out[i * factor + k] = digit;
      v = (v - digit) / radix;
    }
  }
  return out;
}

function fromSmallerLimbs(digits: Float64Array, factor: 2 | 4): Decimal {
  const radix = factor === 2 ? 100 : 10;
  const out = new Float64Array(digits.length / factor);
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (let k = factor - 1; k >= 0; k--) v = v * radix + (digits[i * factor + k] as number);
    out[i] = v;
  }
  return out;
}

function multiplyFft(a: Decimal, b: Decimal): Decimal {
  const direct = multiplyExact(a, b, LIMB_BASE);
  if (direct) return trimmed(direct);
  // Too long for an exact FFT on 4-digit limbs: smaller limbs shrink the error bound.
  for (const factor of [2, 4] as const) {
    const smallA = toSmallerLimbs(a, factor);
    const smallB = a === b ? smallA : toSmallerLimbs(b, factor);
    const product = multiplyExact(smallA, smallB, factor === 2 ? 100 : 10);
    if (product) return trimmed(fromSmallerLimbs(product, factor));
  }
  throw new RangeError("operands too long for an exact floating-point FFT");
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  if (Math.min(a.length, b.length) < MIN_FFT_LENGTH) return multiplySchoolbook(a, b);
  return multiplyFft(a, b);
}

export function square(a: Decimal): Decimal {
  if (a.length < MIN_FFT_LENGTH) return multiplySchoolbook(a, a);
  return multiplyFft(a, a);
}

const ZERO = 48;

/** The decimal digits of `a`, followed by `trailingZeros` zeros. */
export function toDigits(a: Decimal, trailingZeros = 0): string {
  const top = String(a[a.length - 1]);
  const length = top.length + (a.length - 1) * LIMB_DIGITS + trailingZeros;
  const bytes = new Uint8Array(length);
  for (let k = 0; k < top.length; k++) bytes[k] = top.charCodeAt(k);
  let pos = top.length;
  for (let i = a.length - 2; i >= 0; i--) {
    const v = (a[i] as number) | 0;
    // Exact for v < 10^4: floor(v / 100) and floor(x / 10) by multiply and shift.
    const hi = (v * 5243) >>> 19;
    const lo = v - hi * 100;
    const hiTens = (hi * 103) >>> 10;
    const loTens = (lo * 103) >>> 10;
    bytes[pos] = ZERO + hiTens;
    bytes[pos + 1] = ZERO + hi - hiTens * 10;
    bytes[pos + 2] = ZERO + loTens;
    bytes[pos + 3] = ZERO + lo - loTens * 10;
    pos += 4;
  }
  bytes.fill(ZERO, pos);
  return asciiDecoder.decode(bytes);
}

const asciiDecoder = new TextDecoder();
