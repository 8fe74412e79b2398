/**
 * Why hand-written: it is what makes the factorial target reachable. 100000! takes about 27 ms
 * warm on these FFT products, against about 80 ms for BigInt's `toString()` alone (`bun
 * bench/factorial.ts`). Exactness is tested in tests/features/factorial/fft.test.ts and
 * factorial.test.ts (against a BigInt oracle).
 *
 * Exact integer multiplication by floating-point FFT ("right-angle" convolution).
 *
 * A product with N digits is taken modulo X^(N/2) - i: the low half of each operand goes
 * in the real part and the high half in the imaginary part, the sequence is weighted by
 * theta^j (theta^(N/2) = i), and one complex FFT of length N/2 per operand does the work
 * of a real FFT of length N. The real part of the result holds product digits 0..N/2-1
 * and the imaginary part digits N/2..N-1. A much shorter operand is transformed once and
 * the longer one is fed in chunks, so unbalanced products stay on short transforms.
 *
 * Every convolution is proved exact before it runs. Percival's bound on the error of an
 * FFT convolution (C. Percival, Math. Comp. 72 (2003); restated in Brent and Zimmermann,
 * "Modern Computer Arithmetic", section 3.3)
 *   |error| < |x| * |y| * ((1+e)^3n * (1+e*sqrt5)^(3n+1) * (1+b)^3n - 1)
 * is evaluated for the worst case that the lengths allow (balanced digits, every
 * |digit| <= base/2). If it is not below SAFE_ERROR the multiplication is refused and the
 * caller retries with a smaller base, so every rounded coefficient is the exact one.
 */

import { ensureTables, forward, inverse, weightIm, weightRe } from "./fft-transform";

/** Unit roundoff of IEEE-754 binary64 with round-to-nearest. */
const UNIT_ROUNDOFF = 2 ** -53;
/**
 * Error bound of a stored root of unity: the angle is reduced to the first octant (one
 * rounding) and libm's cos/sin are within 1 ulp, so |w' - w| < 4.5e; 8e leaves margin.
 */
const ROOT_ERROR = 8 * UNIT_ROUNDOFF;
/** Rounding to the nearest integer is exact below 0.5; keep a factor of two in reserve. */
export const SAFE_ERROR = 0.25;

/** Percival's factor for a convolution whose three transforms have `levels` stages. */
function percivalFactor(levels: number): number {
  const e = UNIT_ROUNDOFF;
  return Math.expm1(
    3 * levels * Math.log1p(e) +
      (3 * levels + 1) * Math.log1p(e * Math.sqrt(5)) +
      3 * levels * Math.log1p(ROOT_ERROR),
  );
}

/**
 * Worst-case error bound of one convolution of `lengthA` by `lengthB` digits in `base`,
 * computed with complex transforms of length `half`. The weighting by theta^j counts as
 * one more stage per transform.
 */
export function convolutionErrorBound(
  lengthA: number,
  lengthB: number,
  base: number,
  half: number,
): number {
  const maxDigit = base / 2;
  const normA = Math.sqrt(lengthA) * maxDigit;
  const normB = Math.sqrt(lengthB) * maxDigit;
  return normA * normB * percivalFactor(Math.log2(half) + 1);
}

/**
 * Loads `length` digits of `digits` from `offset` (base `base`, little-endian) as balanced
 * digits, folds them into a weighted complex sequence of length `half` and transforms it.
 */
function load(
  digits: Float64Array,
  offset: number,
  length: number,
  base: number,
  half: number,
  re: Float64Array,
  im: Float64Array,
): void {
  const halfBase = base / 2;
  let carry = 0;
  const lowEnd = Math.min(length, half);
  for (let j = 0; j < lowEnd; j++) {
    const d = (digits[offset + j] as number) + carry;
    carry = d >= halfBase ? 1 : 0;
    re[j] = d - carry * base;
  }
  re.fill(0, lowEnd, half);
  im.fill(0, 0, half);
  if (lowEnd < half) re[lowEnd] = carry;
  else {
    for (let j = half; j < length; j++) {
      const d = (digits[offset + j] as number) + carry;
      carry = d >= halfBase ? 1 : 0;
      im[j - half] = d - carry * base;
    }
    im[length - half] = carry;
  }
  const wr = weightRe;
  const wi = weightIm;
  for (let j = 0; j < half; j++) {
    const xr = re[j] as number;
    const xi = im[j] as number;
    const cr = wr[half + j] as number;
    const ci = wi[half + j] as number;
    re[j] = xr * cr - xi * ci;
    im[j] = xr * ci + xi * cr;
  }
  forward(re, im, half);
}

/**
 * Adding and subtracting 1.5 * 2^52 rounds any |x| < 2^51 to the nearest integer. Passing
 * the error bound implies much smaller coefficients: |c| <= |x| * |y| < SAFE_ERROR / e.
 */
const ROUNDER = 1.5 * 2 ** 52;

/**
 * What the FFT multiplications did so far, for tests and benchmarks: the largest distance
 * from an integer seen before rounding, the largest proved bound, and how many were run
 * or refused as not provably exact.
 */
export const roundingStats = { maxError: 0, maxBound: 0, multiplications: 0, refused: 0 };

export function resetRoundingStats(): void {
  Object.assign(roundingStats, { maxError: 0, maxBound: 0, multiplications: 0, refused: 0 });
}

/**
 * Inverse-transforms (re, im), unweights it and adds the rounded coefficients of the
 * length-2*half product into `sums` from `offset`. Returns the largest rounding distance.
 */
function accumulate(
  re: Float64Array,
  im: Float64Array,
  half: number,
  sums: Float64Array,
  offset: number,
): number {
  inverse(re, im, half);
  const scale = 1 / half;
  const wr = weightRe;
  const wi = weightIm;
  let maxError = 0;
  for (let j = 0; j < half; j++) {
    const xr = (re[j] as number) * scale;
    const xi = (im[j] as number) * scale;
    const cr = wr[half + j] as number;
    const ci = wi[half + j] as number;
    const low = xr * cr + xi * ci;
    const high = xi * cr - xr * ci;
    const lowInt = low + ROUNDER - ROUNDER;
    const highInt = high + ROUNDER - ROUNDER;
    const lowError = Math.abs(low - lowInt);
    const highError = Math.abs(high - highInt);
    if (lowError > maxError) maxError = lowError;
    if (highError > maxError) maxError = highError;
    sums[offset + j] = (sums[offset + j] as number) + lowInt;
    sums[offset + half + j] = (sums[offset + half + j] as number) + highInt;
  }
  return maxError;
}

/** Turns integer coefficients (possibly negative, |c| < 2^51) into digits of `base`. */
function propagateCarries(sums: Float64Array, base: number): void {
  const inverseBase = 1 / base;
  let carry = 0;
  for (let j = 0; j < sums.length; j++) {
    const t = (sums[j] as number) + carry;
    carry = Math.floor(t * inverseBase);
    let digit = t - carry * base;
    if (digit < 0) {
      digit += base;
      carry--;
    } else if (digit >= base) {
      digit -= base;
      carry++;
    }
    sums[j] = digit;
  }
}

let scratch: Float64Array[] = [];
function scratchArrays(half: number): [Float64Array, Float64Array, Float64Array, Float64Array] {
  if ((scratch[0]?.length ?? 0) < half) {
    scratch = [0, 1, 2, 3].map(() => new Float64Array(half));
  }
  return scratch as [Float64Array, Float64Array, Float64Array, Float64Array];
}

function transformSize(limbs: number): number {
  let size = 16;
  while (size < limbs) size *= 2;
  return size;
}

/**
 * Multiplies `a` by `b` (squares `a` when they are the same array), natural numbers in
 * little-endian digits of `base`, and returns the product's digits in the same base,
 * possibly with leading zeros. A much shorter operand is transformed once and the longer
 * one is cut into chunks, which keeps the transforms short.
 * Returns undefined when the FFT cannot be proved exact for these lengths and base.
 */
export function multiplyExact(
  a: Float64Array,
  b: Float64Array,
  base: number,
): Float64Array | undefined {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  const squaring = a === b;
  // Balancing can add one digit to each operand: a chunk and `short` fill `size` at most.
  const fullSize = transformSize(long.length + short.length + 1);
  const size = squaring ? fullSize : Math.min(fullSize, transformSize(4 * (short.length + 1)));
  const half = size / 2;
  const chunk = size - short.length - 1;
  const bound = convolutionErrorBound(
    Math.min(chunk, long.length) + 1,
    short.length + 1,
    base,
    half,
  );
  if (!(bound < SAFE_ERROR)) {
    roundingStats.refused++;
    return undefined;
  }
  ensureTables(half);
  const [re, im, shortRe, shortIm] = scratchArrays(half);
  const sums = new Float64Array(long.length + size);
  let maxError = 0;
  if (squaring) {
    load(a, 0, a.length, base, half, re, im);
    for (let j = 0; j < half; j++) {
      const xr = re[j] as number;
      const xi = im[j] as number;
      re[j] = xr * xr - xi * xi;
      im[j] = 2 * xr * xi;
    }
    maxError = accumulate(re, im, half, sums, 0);
  } else {
    load(short, 0, short.length, base, half, shortRe, shortIm);
    for (let offset = 0; offset < long.length; offset += chunk) {
      load(long, offset, Math.min(chunk, long.length - offset), base, half, re, im);
      for (let j = 0; j < half; j++) {
        const xr = re[j] as number;
        const xi = im[j] as number;
        const yr = shortRe[j] as number;
        const yi = shortIm[j] as number;
        re[j] = xr * yr - xi * yi;
        im[j] = xr * yi + xi * yr;
      }
      maxError = Math.max(maxError, accumulate(re, im, half, sums, offset));
    }
  }
  roundingStats.multiplications++;
  if (maxError > roundingStats.maxError) roundingStats.maxError = maxError;
  if (bound > roundingStats.maxBound) roundingStats.maxBound = bound;
  const product = sums.subarray(0, a.length + b.length);
  propagateCarries(product, base);
  return product;
}
