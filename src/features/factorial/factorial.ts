/**
 * Exact n! as decimal digits.
 *
 * By Legendre's formula n! = prod(p^e_p) over primes p <= n. The z = e_5 pairs of 2 and
 * 5 become trailing zeros for free. Grouping the remaining primes by the bits of their
 * exponents gives n!/10^z = prod_k P_k^(2^k), evaluated from the top bit down as
 * r <- r^2 * P_k, with each P_k a product tree of primes. The arithmetic is on base-10^4
 * limbs, so the digits need no binary-to-decimal conversion at the end.
 */
import {
  type Decimal,
  MAX_SMALL_FACTOR,
  multiply,
  productOfSmall,
  square,
  toDigits,
} from "./decimal";

function primesUpTo(n: number): number[] {
  const composite = new Uint8Array(n + 1);
  const primes: number[] = [];
  for (let i = 2; i <= n; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j <= n; j += i) composite[j] = 1;
  }
  return primes;
}

/** Exponent of the prime p in n! (Legendre's formula). */
export function legendreExponent(n: number, p: number): number {
  let e = 0;
  for (let q = Math.floor(n / p); q > 0; q = Math.floor(q / p)) e += q;
  return e;
}

/** Consecutive factors multiplied together while the product stays a safe small factor. */
function packFactors(factors: readonly number[]): number[] {
  const packed: number[] = [];
  let current = 1;
  for (const f of factors) {
    if (current * f > MAX_SMALL_FACTOR) {
      packed.push(current);
      current = f;
    } else {
      current *= f;
    }
  }
  packed.push(current);
  return packed;
}

/** Packed factors per leaf of the product tree; a leaf is about 40 limbs. */
const LEAF_FACTORS = 16;

function productTree(factors: readonly number[], from: number, to: number): Decimal {
  if (to - from <= LEAF_FACTORS) return productOfSmall(factors, from, to);
  const middle = (from + to) >>> 1;
  return multiply(productTree(factors, from, middle), productTree(factors, middle, to));
}

/** Product of small positive integers (each at most MAX_SMALL_FACTOR), by a product tree. */
export function productOf(factors: readonly number[]): Decimal {
  const packed = packFactors(factors);
  return productTree(packed, 0, packed.length);
}

const ONE: Decimal = Float64Array.of(1);
/** Exponents are handled as 32-bit integers; memory runs out long before this. */
export const LARGEST_NUMBER = 2 ** 31 - 1;

/** The exact decimal digits of n!, for an integer 0 <= n <= LARGEST_NUMBER. */
export function factorialDigits(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > LARGEST_NUMBER) {
    throw new RangeError(`n must be an integer from 0 to ${LARGEST_NUMBER}, got ${n}`);
  }
  const primes = primesUpTo(n);
  const exponents = primes.map((p) => legendreExponent(n, p));
  // primes[0] = 2 and primes[2] = 5 whenever n >= 5.
  const trailingZeros = n >= 5 ? (exponents[2] as number) : 0;
  if (trailingZeros > 0) {
    exponents[0] = (exponents[0] as number) - trailingZeros;
    exponents[2] = 0;
  }
  const topBit = 31 - Math.clz32(exponents.reduce((a, b) => a | b, 0));

  let result = ONE;
  for (let bit = topBit; bit >= 0; bit--) {
    result = square(result);
    const selected = primes.filter((_, i) => ((exponents[i] as number) >>> bit) & 1);
    if (selected.length > 0) result = multiply(result, productOf(selected));
  }
  return toDigits(result, trailingZeros);
}
