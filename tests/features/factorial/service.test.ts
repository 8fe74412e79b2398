import { afterEach, describe, expect, it } from "bun:test";
import { factorialDigits } from "../../../src/features/factorial/factorial";
import {
  createFactorialService,
  type FactorialService,
  FactorialServiceClosedError,
  type FactorialServiceOptions,
} from "../../../src/features/factorial/service";

const services: FactorialService[] = [];
function service(options: Partial<FactorialServiceOptions> = {}): FactorialService {
  const created = createFactorialService({ max: 100_000, workerFrom: Infinity, ...options });
  services.push(created);
  return created;
}
afterEach(() => {
  for (const created of services.splice(0)) created.close();
});

describe("createFactorialService", () => {
  it("answers the exact digits", async () => {
    expect(await service().digits(25)).toBe("15511210043330985984000000");
  });

  it.each([-1, 2.5, Number.NaN, 100_001])("rejects n = %p with a RangeError", async (n) => {
    await expect(service().digits(n)).rejects.toThrow(RangeError);
  });

  it("serves a repeated large request from the cache", async () => {
    const factorials = service();
    const first = await factorials.digits(5_000);
    const second = await factorials.digits(5_000);
    expect(second).toBe(first);
    expect(factorials.stats()).toMatchObject({ cacheHits: 1, computedInline: 1 });
  });

  it("does not cache small results", async () => {
    const factorials = service();
    await factorials.digits(100);
    await factorials.digits(100);
    expect(factorials.stats()).toMatchObject({ cachedEntries: 0, computedInline: 2 });
  });

  it("keeps the cache within its byte budget, dropping the least recently used", async () => {
    const factorials = service({ cacheBytes: 30_000 });
    await factorials.digits(3_000); // 9131 digits
    await factorials.digits(4_000); // 12674 digits
    await factorials.digits(5_000); // 16326 digits: 3000! goes
    await factorials.digits(4_000); // a hit
    await factorials.digits(3_000); // computed again: 5000! goes
    expect(factorials.stats()).toMatchObject({
      cacheHits: 1,
      computedInline: 4,
      cachedEntries: 2,
      cachedBytes: 12_674 + 9_131,
    });
  });

  it("shares one computation between concurrent requests for the same n", async () => {
    const factorials = service({ workerFrom: 0 });
    const answers = await Promise.all([
      factorials.digits(20_000),
      factorials.digits(20_000),
      factorials.digits(20_000),
    ]);
    expect(new Set(answers).size).toBe(1);
    expect(factorials.stats()).toMatchObject({ computedInWorker: 1, computedInline: 0 });
  });

  it("computes large factorials on the worker thread, with the same digits", async () => {
    const factorials = service({ workerFrom: 30_000 });
    expect(await factorials.digits(30_000)).toBe(factorialDigits(30_000));
    expect(factorials.stats()).toMatchObject({ computedInWorker: 1, computedInline: 0 });
  });

  it("computes below the worker threshold inline", async () => {
    const factorials = service({ workerFrom: 30_000 });
    await factorials.digits(29_999);
    expect(factorials.stats()).toMatchObject({ computedInWorker: 0, computedInline: 1 });
  });

  it("rejects computations still on the worker when it is closed", async () => {
    const factorials = service({ workerFrom: 0 });
    const pending = factorials.digits(90_000);
    factorials.close();
    await expect(pending).rejects.toBeInstanceOf(FactorialServiceClosedError);
  });

  it("starts a new worker after being closed", async () => {
    const factorials = service({ workerFrom: 0 });
    factorials.close();
    expect(await factorials.digits(1_000)).toBe(factorialDigits(1_000));
    expect(factorials.stats().computedInWorker).toBe(1);
  });

  it("starts no worker until a large factorial needs one", async () => {
    const factorials = service({ workerFrom: 30_000 });
    await factorials.digits(1_000);
    expect(factorials.stats().workerRunning).toBe(false);
  });

  it("stops the worker once it has been idle, and starts a new one when needed again", async () => {
    const factorials = service({ workerFrom: 0, workerIdleMs: 0 });
    await factorials.digits(2_000);
    const until = performance.now() + 5_000;
    while (factorials.stats().workerRunning && performance.now() < until) await Bun.sleep(1);
    expect(factorials.stats().workerRunning).toBe(false);
    expect(await factorials.digits(2_001)).toBe(factorialDigits(2_001));
    expect(factorials.stats().computedInWorker).toBe(2);
  });
});
