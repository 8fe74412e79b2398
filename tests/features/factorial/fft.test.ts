import { describe, expect, it } from "bun:test";
import {
  convolutionErrorBound,
  multiplyExact,
  roundingStats,
} from "../../../src/features/factorial/fft";

/** A deterministic pseudo-random number with `length` digits of `base`, top digit non-zero. */
function randomNumber(length: number, base: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const digits = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    digits[i] = state % base;
  }
  digits[length - 1] = Math.max(1, digits[length - 1] as number);
  return digits;
}

function toBigInt(digits: Float64Array, base: number): bigint {
  const width = String(base - 1).length;
  let text = "";
  for (let i = digits.length - 1; i >= 0; i--) text += String(digits[i]).padStart(width, "0");
  return BigInt(text);
}

function productOrThrow(a: Float64Array, b: Float64Array, base: number): bigint {
  const product = multiplyExact(a, b, base);
  if (!product) throw new Error("multiplication refused");
  expect(product).toHaveLength(a.length + b.length);
  return toBigInt(product, base);
}

describe("multiplyExact", () => {
  it.each([
    [1, 1],
    [150, 150],
    [1_000, 37],
    [5_000, 5_000],
    [20_000, 19_000],
  ])("multiplies a %i-limb number by a %i-limb number exactly", (lengthA, lengthB) => {
    const a = randomNumber(lengthA, 10_000, lengthA);
    const b = randomNumber(lengthB, 10_000, lengthB + 7);
    expect(productOrThrow(a, b, 10_000)).toBe(toBigInt(a, 10_000) * toBigInt(b, 10_000));
  });

  it("multiplies a long number by a much shorter one exactly, chunk by chunk", () => {
    const long = randomNumber(60_000, 10_000, 1);
    const short = randomNumber(400, 10_000, 2);
    expect(productOrThrow(long, short, 10_000)).toBe(
      toBigInt(long, 10_000) * toBigInt(short, 10_000),
    );
  });

  it("squares when both operands are the same array", () => {
    const a = randomNumber(8_000, 10_000, 3);
    expect(productOrThrow(a, a, 10_000)).toBe(toBigInt(a, 10_000) ** 2n);
  });

  it.each([9_999, 5_000, 4_999])("is exact when every limb is %i", (limb) => {
    const a = new Float64Array(30_000).fill(limb);
    const b = new Float64Array(29_000).fill(limb);
    expect(productOrThrow(a, b, 10_000)).toBe(toBigInt(a, 10_000) * toBigInt(b, 10_000));
  });

  it.each([100, 10])("is exact in base %i too", (base) => {
    const a = randomNumber(9_000, base, 11);
    const b = randomNumber(7_000, base, 12);
    expect(productOrThrow(a, b, base)).toBe(toBigInt(a, base) * toBigInt(b, base));
  });

  it("refuses operands too long for a proved-exact result in base 10^4", () => {
    const huge = new Float64Array(300_000).fill(1);
    const refusedBefore = roundingStats.refused;
    expect(multiplyExact(huge, huge, 10_000)).toBeUndefined();
    expect(roundingStats.refused).toBe(refusedBefore + 1);
  });
});

describe("convolutionErrorBound", () => {
  it("grows with the operand lengths, the base and the transform length", () => {
    const bound = convolutionErrorBound(1_000, 1_000, 10_000, 1_024);
    expect(convolutionErrorBound(4_000, 1_000, 10_000, 1_024)).toBeCloseTo(2 * bound, 10);
    expect(convolutionErrorBound(1_000, 1_000, 100_000, 1_024)).toBeCloseTo(100 * bound, 10);
    expect(convolutionErrorBound(1_000, 1_000, 10_000, 4_096)).toBeGreaterThan(bound);
  });
});
