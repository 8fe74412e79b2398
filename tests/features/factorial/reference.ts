/** Independent oracles for the factorial tests, built on BigInt and plain doubles. */

function bigProduct(from: number, to: number): bigint {
  if (to - from < 32) {
    let product = 1n;
    for (let i = from; i <= to; i++) product *= BigInt(i);
    return product;
  }
  const middle = (from + to) >>> 1;
  return bigProduct(from, middle) * bigProduct(middle + 1, to);
}

/** n! by a BigInt product tree and JavaScriptCore's own decimal conversion. */
export function referenceFactorial(n: number): string {
  return n < 2 ? "1" : bigProduct(2, n).toString();
}

/** n! / 10^z mod 10^digits, where z is the number of trailing zeros, by modular arithmetic. */
export function lastNonZeroDigits(n: number, digits: number): string {
  const modulus = 10n ** BigInt(digits);
  let residue = 1n;
  let twos = 0;
  let fives = 0;
  for (let i = 2; i <= n; i++) {
    let m = i;
    while (m % 2 === 0) {
      m /= 2;
      twos++;
    }
    while (m % 5 === 0) {
      m /= 5;
      fives++;
    }
    residue = (residue * BigInt(m)) % modulus;
  }
  for (let k = 0; k < twos - fives; k++) residue = (residue * 2n) % modulus;
  return residue.toString().padStart(digits, "0");
}

/** log10(n!) by compensated summation of log10(i). */
export function log10Factorial(n: number): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 2; i <= n; i++) {
    const term = Math.log10(i);
    const next = sum + term;
    compensation += Math.abs(sum) >= term ? sum - next + term : term - next + sum;
    sum = next;
  }
  return sum + compensation;
}

/** Number of trailing zeros of n! (Legendre's formula for the prime 5). */
export function trailingZerosOfFactorial(n: number): number {
  let zeros = 0;
  for (let q = Math.floor(n / 5); q > 0; q = Math.floor(q / 5)) zeros += q;
  return zeros;
}

export function countTrailingZeros(digits: string): number {
  let end = digits.length;
  while (end > 0 && digits[end - 1] === "0") end--;
  return digits.length - end;
}
