/**
 * The complex FFT behind fft.ts: tables of roots of unity, built once per size and reused,
 * and the forward (decimation in frequency) and inverse (decimation in time) transforms.
 * `weightRe`/`weightIm` are live bindings: `ensureTables` replaces them as sizes grow.
 */

// Twiddles of the stage with half-length h live at [h, 2h): e^(-i*pi*j/h), j < h.
let twiddleRe = new Float64Array(0);
let twiddleIm = new Float64Array(0);
// Weights for transform length m live at [m, 2m): theta^j = e^(i*pi*j/(2m)), j < m.
export let weightRe = new Float64Array(0);
export let weightIm = new Float64Array(0);
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
export function ensureTables(half: number): void {
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
export function forward(re: Float64Array, im: Float64Array, length: number): void {
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
export function inverse(re: Float64Array, im: Float64Array, length: number): void {
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
