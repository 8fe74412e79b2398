import { describe, expect, it } from "bun:test";
import { toDigits } from "../../../src/features/factorial/decimal";
import { factorialDigits, productOf } from "../../../src/features/factorial/factorial";
import { resetRoundingStats, roundingStats } from "../../../src/features/factorial/fft";
import {
  countTrailingZeros,
  lastNonZeroDigits,
  log10Factorial,
  referenceFactorial,
  trailingZerosOfFactorial,
} from "./reference";

describe("factorialDigits", () => {
  it.each([
    [0, "1"],
    [1, "1"],
    [5, "120"],
    [20, "2432902008176640000"],
    [25, "15511210043330985984000000"],
  ])("gives %i! = %s", (n, expected) => {
    expect(factorialDigits(n)).toBe(expected);
  });

  it("agrees with the BigInt reference for every n from 0 to 2000", () => {
    const mismatches: number[] = [];
    for (let n = 0; n <= 2000; n++) {
      if (factorialDigits(n) !== referenceFactorial(n)) mismatches.push(n);
    }
    expect(mismatches).toEqual([]);
  });

  it.each([2048, 4099, 9973, 12345, 32768, 50021, 65537, 77777, 99991, 99999, 100000])(
    "agrees with the BigInt reference for n = %i",
    (n) => {
      expect(factorialDigits(n)).toBe(referenceFactorial(n));
    },
  );

  it("gives 100000! with 456574 digits, 24999 trailing zeros and the known ends", () => {
    const digits = factorialDigits(100_000);
    expect(digits).toHaveLength(456_574);
    expect(countTrailingZeros(digits)).toBe(24_999);
    expect(digits.startsWith("28242294079603478742")).toBe(true);
    expect(digits.slice(-24_999 - 12, -24_999)).toBe(lastNonZeroDigits(100_000, 12));
  });

  it("stays exact beyond 100000, where it needs smaller limbs: 1000000!", () => {
    resetRoundingStats();
    const n = 1_000_000;
    const digits = factorialDigits(n);
    const log10 = log10Factorial(n);
    expect(roundingStats.refused).toBeGreaterThan(0);
    expect(digits).toHaveLength(Math.floor(log10) + 1);
    expect(digits).toHaveLength(5_565_709);
    expect(countTrailingZeros(digits)).toBe(trailingZerosOfFactorial(n));
    const leading = Number(digits.slice(0, 12)) / 1e11;
    expect(Math.abs(leading / 10 ** (log10 - Math.floor(log10)) - 1)).toBeLessThan(1e-7);
    const zeros = trailingZerosOfFactorial(n);
    expect(digits.slice(-zeros - 12, -zeros)).toBe(lastNonZeroDigits(n, 12));
    // About 3 s of CPU on an idle machine: the limit leaves room for a fully loaded one.
  }, 60_000);

  it("keeps every FFT rounding far from the half-way point while computing 100000!", () => {
    resetRoundingStats();
    factorialDigits(100_000);
    expect(roundingStats.multiplications).toBeGreaterThan(0);
    expect(roundingStats.refused).toBe(0);
    // The proved worst case stays below SAFE_ERROR; the observed error is far smaller.
    expect(roundingStats.maxBound).toBeLessThan(0.25);
    expect(roundingStats.maxError).toBeLessThan(1e-3);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 31])("refuses n = %p", (n) => {
    expect(() => factorialDigits(n)).toThrow(RangeError);
  });
});

describe("productOf", () => {
  it("multiplies small factors exactly, including ones that do not pack in pairs", () => {
    const factors = [1, 2, 999_983, 999_979, 123_456_789, 900_719_925_474, 7, 65_536];
    const expected = factors.reduce((product, f) => product * BigInt(f), 1n).toString();
    expect(toDigits(productOf(factors))).toBe(expected);
  });

  it("agrees with BigInt for a product tree of the primes up to 100000", () => {
    const primes: number[] = [];
    for (let i = 2; i <= 100_000; i++) {
      if (primes.every((p) => p * p > i || i % p !== 0)) primes.push(i);
    }
    const expected = primes.reduce((product, p) => product * BigInt(p), 1n).toString();
    expect(toDigits(productOf(primes))).toBe(expected);
  });
});

describe("toDigits", () => {
  it("writes the top limb without padding and the others as four digits", () => {
    expect(toDigits(Float64Array.of(7, 0, 12))).toBe("1200000007");
  });

  it("appends the requested trailing zeros", () => {
    expect(toDigits(Float64Array.of(42), 3)).toBe("42000");
  });
});
