/**
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

// Twiddles of the stage with half-length h live at [h, 2h): e^(-i*pi*j/h), j < h.
let twiddleRe = new Float64Array(0);
let twiddleIm = new Float64Array(0);
// Weights for transform length m live at [m, 2m): theta^j = e^(i*pi*j/(2m)), j < m.
let weightRe = new Float64Array(0);
let weightIm = new Float64Array(0);
let tableHalf = 0;

/** cos and sin of 2*pi*k/n, for n a multiple of 8, reduced to the first octant. */
function unitRoot(k: number, n: number, out: Float64Array): void {
  const quarter = n / 4;
  const quadrant = Math.floor(k / quarter);
  let r = k - quadrant * quarter;
  let c: number;
  let s: number;
  if (r * 8 <= n) {
    const angle = (2 * Math.PI * r) / n;
    c = Math.cos(angle);
    s = Math.sin(angle);
  } else {
    r = quarter - r;
    const angle = (2 * Math.PI * r) / n;
    c = Math.sin(angle);
    s = Math.cos(angle);
  }
  switch (quadrant & 3) {
    case 0:
      out[0] = c;
      out[1] = s;
      break;
    case 1:
      out[0] = -s;
      out[1] = c;
      break;
    case 2:
      out[0] = -c;
      out[1] = -s;
      break;
    default:
      out[0] = s;
      out[1] = -c;
  }
}

/** Builds the tables for transforms up to length `half` (a power of two >= 8). */
function ensureTables(half: number): void {
  if (half <= tableHalf) return;
  const root = new Float64Array(2);
  twiddleRe = new Float64Array(half);
  twiddleIm = new Float64Array(half);
  const top = half >> 1;
  for (let j = 0; j < top; j++) {
    unitRoot(j, 2 * top, root);
    twiddleRe[top + j] = root[0] as number;
    twiddleIm[top + j] = -(root[1] as number);
  }
  // Smaller stages reuse the same values: e^(-i*pi*j/h) = e^(-i*pi*2j/(2h)) exactly.
  for (let h = top >> 1; h >= 1; h >>= 1) {
    for (let j = 0; j < h; j++) {
      twiddleRe[h + j] = twiddleRe[2 * h + 2 * j] as number;
      twiddleIm[h + j] = twiddleIm[2 * h + 2 * j] as number;
    }
  }
  weightRe = new Float64Array(2 * half);
  weightIm = new Float64Array(2 * half);
  for (let j = 0; j < half; j++) {
    unitRoot(j, 4 * half, root);
    weightRe[half + j] = root[0] as number;
    weightIm[half + j] = root[1] as number;
  }
  for (let m = half >> 1; m >= 1; m >>= 1) {
    for (let j = 0; j < m; j++) {
      weightRe[m + j] = weightRe[2 * m + 2 * j] as number;
      weightIm[m + j] = weightIm[2 * m + 2 * j] as number;
    }
  }
  tableHalf = half;
}

/** In-place forward transform, natural order in, bit-reversed order out (decimation in frequency). */
function forward(re: Float64Array, im: Float64Array, length: number): void {
  const tr = twiddleRe;
  const ti = twiddleIm;
  for (let h = length >> 1; h >= 4; h >>= 1) {
    for (let start = 0; start < length; start += 2 * h) {
      for (let j = 0; j < h; j++) {
        const wr = tr[h + j] as number;
        const wi = ti[h + j] as number;
        const p = start + j;
        const q = p + h;
        const ar = re[p] as number;
        const ai = im[p] as number;
        const br = re[q] as number;
        const bi = im[q] as number;
        re[p] = ar + br;
        im[p] = ai + bi;
        const dr = ar - br;
        const di = ai - bi;
        re[q] = dr * wr - di * wi;
        im[q] = dr * wi + di * wr;
      }
    }
  }
  // The last two stages only multiply by 1 and -i: no twiddle loads, no rounding.
  for (let s = 0; s < length; s += 4) {
    const a0r = re[s] as number;
    const a0i = im[s] as number;
    const a1r = re[s + 1] as number;
    const a1i = im[s + 1] as number;
    const a2r = re[s + 2] as number;
    const a2i = im[s + 2] as number;
    const a3r = re[s + 3] as number;
    const a3i = im[s + 3] as number;
    const b0r = a0r + a2r;
    const b0i = a0i + a2i;
    const b2r = a0r - a2r;
    const b2i = a0i - a2i;
    const b1r = a1r + a3r;
    const b1i = a1i + a3i;
    const b3r = a1i - a3i;
    const b3i = a3r - a1r;
    re[s] = b0r + b1r;
    im[s] = b0i + b1i;
    re[s + 1] = b0r - b1r;
    im[s + 1] = b0i - b1i;
    re[s + 2] = b2r + b3r;
    im[s + 2] = b2i + b3i;
    re[s + 3] = b2r - b3r;
    im[s + 3] = b2i - b3i;
  }
}

/** In-place inverse transform (unscaled), bit-reversed order in, natural order out. */
function inverse(re: Float64Array, im: Float64Array, length: number): void {
  // The first two stages only multiply by 1 and i.
  for (let s = 0; s < length; s += 4) {
    const a0r = re[s] as number;
    const a0i = im[s] as number;
    const a1r = re[s + 1] as number;
    const a1i = im[s + 1] as number;
    const a2r = re[s + 2] as number;
    const a2i = im[s + 2] as number;
    const a3r = re[s + 3] as number;
    const a3i = im[s + 3] as number;
    const b0r = a0r + a1r;
    const b0i = a0i + a1i;
    const b1r = a0r - a1r;
    const b1i = a0i - a1i;
    const b2r = a2r + a3r;
    const b2i = a2i + a3i;
    const b3r = a3i - a2i;
    const b3i = a2r - a3r;
    re[s] = b0r + b2r;
    im[s] = b0i + b2i;
    re[s + 2] = b0r - b2r;
    im[s + 2] = b0i - b2i;
    re[s + 1] = b1r + b3r;
    im[s + 1] = b1i + b3i;
    re[s + 3] = b1r - b3r;
    im[s + 3] = b1i - b3i;
  }
  const tr = twiddleRe;
  const ti = twiddleIm;
  for (let h = 4; h < length; h <<= 1) {
    for (let start = 0; start < length; start += 2 * h) {
      for (let j = 0; j < h; j++) {
        const wr = tr[h + j] as number;
        const wi = -(ti[h + j] as number);
        const p = start + j;
        const q = p + h;
        const br0 = re[q] as number;
        const bi0 = im[q] as number;
        const br = br0 * wr - bi0 * wi;
        const bi = br0 * wi + bi0 * wr;
        const ar = re[p] as number;
        const ai = im[p] as number;
        re[p] = ar + br;
        im[p] = ai + bi;
        re[q] = ar - br;
        im[q] = ai - bi;
      }
    }
  }
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
