/**
 * Micro-benchmark of the exact factorial: median wall time of factorialDigits(n), computed
 * from scratch each run, next to a BigInt product tree + toString(); then how long the
 * event loop stalls while 100000! is computed inline and on the worker thread.
 *
 *   .tools/node_modules/.bin/bun bench/factorial.ts [runs]
 */
import { factorialDigits } from "../src/features/factorial/factorial";
import { createFactorialService } from "../src/features/factorial/service";
import { referenceFactorial } from "../tests/features/factorial/reference";

const runs = Number(process.argv[2] ?? 9);

// The naive baseline: a BigInt product tree and toString(), the tests' reference oracle.
const bigIntFactorial = referenceFactorial;

/** Median time of `runs` calls, after warming the JIT for at least 10 calls and 300 ms. */
function medianMs(work: () => unknown): number {
  const warmUntil = performance.now() + 300;
  for (let i = 0; i < 10 || performance.now() < warmUntil; i++) work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Longest gap between the ticks of a 1 ms timer chain while `work` runs. */
async function longestStallMs(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (ticking) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  await Bun.sleep(5);
  await work();
  await Bun.sleep(5);
  ticking = false;
  return longest;
}

const format = (ms: number) => `${ms.toFixed(2)} ms`.padStart(11);
console.log(`median of ${runs} runs on a warm JIT, Bun ${Bun.version}\n`);
console.log("       n   factorialDigits   BigInt+toString   speed-up");
for (const n of [1_000, 10_000, 100_000]) {
  if (factorialDigits(n) !== bigIntFactorial(n)) throw new Error(`results differ for ${n}!`);
  const ours = medianMs(() => factorialDigits(n));
  const baseline = medianMs(() => bigIntFactorial(n));
  console.log(
    `${String(n).padStart(8)}   ${format(ours)}       ${format(baseline)}     ${(baseline / ours).toFixed(1)}x`,
  );
}

const inline = createFactorialService({ max: 100_000, cacheBytes: 0, workerFrom: Infinity });
const offloaded = createFactorialService({ max: 100_000, cacheBytes: 0, workerFrom: 10_000 });
await offloaded.digits(100_000); // start the worker and warm its JIT
const inlineStalls: number[] = [];
const workerStalls: number[] = [];
for (let i = 0; i < runs; i++) {
  inlineStalls.push(await longestStallMs(() => inline.digits(100_000)));
  workerStalls.push(await longestStallMs(() => offloaded.digits(100_000)));
}
offloaded.close();
const median = (values: number[]) =>
  values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
console.log("\nlongest event-loop stall while computing 100000! (median of runs):");
console.log(`  inline       ${format(median(inlineStalls))}`);
console.log(`  on a worker  ${format(median(workerStalls))}`);
