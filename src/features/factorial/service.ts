/**
 * The factorial service: validates n, serves repeated requests from a size-bounded LRU
 * cache, shares one computation between concurrent requests for the same n, and runs
 * large computations on a worker thread so they do not block the event loop.
 */
import type { LRUCache } from "lru-cache";
import { factorialDigits } from "./factorial";
import type { FactorialJob, FactorialJobResult } from "./worker";

export interface FactorialServiceOptions {
  /** Largest n accepted (FACTORIAL_MAX). */
  max: number;
  /** Budget of the result cache in characters; a digit string takes one byte per digit. */
  cacheBytes?: number;
  /** Smallest n computed on the worker thread; `Infinity` computes everything inline. */
  workerFrom?: number;
  /** How long the worker thread may sit idle before it is stopped (default 10 s). */
  workerIdleMs?: number;
  /** Called when the worker fails; that computation then runs inline. */
  onWorkerError?: (error: Error) => void;
}

export interface FactorialStats {
  cacheHits: number;
  cacheMisses: number;
  cachedEntries: number;
  cachedBytes: number;
  computedInline: number;
  computedInWorker: number;
  workerRunning: boolean;
}

export interface FactorialService {
  /** The decimal digits of n!; rejects with a RangeError unless n is an integer in [0, max]. */
  digits(n: number): Promise<string>;
  stats(): FactorialStats;
  /** Stops the worker thread; later large computations start a new one. */
  close(): void;
}

export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;
/** Inline, 10000! blocks ~2 ms on a warm JIT (20-35 ms cold); 100000! ~22 ms (65-120 ms cold). */
export const DEFAULT_WORKER_FROM = 10_000;
export const DEFAULT_WORKER_IDLE_MS = 10_000;
/** Below this n a result takes well under a millisecond to compute: not worth a cache slot. */
const CACHE_FROM = 1_000;

/** How a compiled executable names the worker: its path below the entrypoints' common folder. */
const EMBEDDED_WORKER = "features/factorial/worker.js";

/** Where the worker entry is: next to this module, or embedded in a compiled executable. */
function workerLocation(): string {
  if (!Bun.isStandaloneExecutable) return new URL("./worker.ts", import.meta.url).href;
  // import.meta.url is not reliable inside an executable, so look the entry up by name. node:fs
  // and node:path are loaded here, on the first large factorial, not at start-up.
  const { readdirSync } = require("node:fs") as typeof import("node:fs");
  const { dirname, join } = require("node:path") as typeof import("node:path");
  const root = dirname(Bun.main);
  const embedded = readdirSync(root, { recursive: true })
    .map((path) => String(path).replaceAll("\\", "/"))
    .filter((path) => path === EMBEDDED_WORKER || path.endsWith(`/${EMBEDDED_WORKER}`))
    .sort((a, b) => a.length - b.length)[0];
  if (embedded === undefined) {
    throw new Error(
      "The factorial worker is not in this executable: add src/features/factorial/worker.ts as an entrypoint of `bun build --compile`",
    );
  }
  return join(root, embedded);
}

/** Rejects the computations still running on the worker when the service is closed. */
export class FactorialServiceClosedError extends Error {
  override name = "FactorialServiceClosedError";
}

interface PendingJob {
  resolve: (digits: string) => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread, started on first use, holding the process open only while it works, and
 * stopped once idle for `idleMs`: a worker is a second JavaScript heap (about 20 MiB resident).
 */
class FactorialWorker {
  #worker: Worker | undefined;
  readonly #jobs = new Map<number, PendingJob>();
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly idleMs: number) {}

  get running(): boolean {
    return this.#worker !== undefined;
  }

  run(n: number): Promise<string> {
    clearTimeout(this.#idleTimer);
    let worker: Worker;
    try {
      worker = this.#worker ?? this.#start();
    } catch (error) {
      return Promise.reject(error);
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, n } satisfies FactorialJob);
    });
  }

  stop(reason: Error): void {
    clearTimeout(this.#idleTimer);
    const worker = this.#worker;
    this.#worker = undefined;
    worker?.terminate();
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) job.reject(reason);
  }

  #idle(worker: Worker): void {
    worker.unref();
    this.#idleTimer = setTimeout(() => {
      if (this.#worker !== worker || this.#jobs.size > 0) return;
      this.#worker = undefined;
      worker.terminate();
    }, this.idleMs);
    this.#idleTimer.unref();
  }

  #start(): Worker {
    const worker = new Worker(workerLocation());
    worker.onmessage = (event: MessageEvent<FactorialJobResult>) => {
      const result = event.data;
      const job = this.#jobs.get(result.id);
      if (!job) return;
      this.#jobs.delete(result.id);
      if (this.#jobs.size === 0) this.#idle(worker);
      if ("digits" in result) job.resolve(result.digits);
      else job.reject(new Error(result.error));
    };
    worker.onerror = (event: ErrorEvent) => {
      if (this.#worker === worker)
        this.stop(new Error(`factorial worker failed: ${event.message}`));
    };
    worker.addEventListener("close", () => {
      if (this.#worker === worker) this.stop(new Error("factorial worker exited"));
    });
    this.#worker = worker;
    return worker;
  }
}

export function createFactorialService(options: FactorialServiceOptions): FactorialService {
  const { max, onWorkerError } = options;
  const workerFrom = options.workerFrom ?? DEFAULT_WORKER_FROM;
  // Made on the first request: lru-cache loads node:diagnostics_channel, about 1 ms of start-up.
  // A result larger than the whole budget is not stored.
  let made: LRUCache<number, string> | undefined;
  const cache = () => {
    if (made) return made;
    const { LRUCache: Cache } = require("lru-cache") as typeof import("lru-cache");
    made = new Cache<number, string>({
      maxSize: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
      sizeCalculation: (digits) => digits.length,
    });
    return made;
  };
  const inFlight = new Map<number, Promise<string>>();
  const worker = new FactorialWorker(options.workerIdleMs ?? DEFAULT_WORKER_IDLE_MS);
  const stats = { cacheHits: 0, cacheMisses: 0, computedInline: 0, computedInWorker: 0 };

  async function compute(n: number): Promise<string> {
    if (n >= workerFrom) {
      try {
        const running = worker.run(n);
        // The cache is made while the worker computes, when this thread has nothing else to do.
        cache();
        const digits = await running;
        stats.computedInWorker++;
        return digits;
      } catch (error) {
        if (error instanceof FactorialServiceClosedError) throw error;
        onWorkerError?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
    stats.computedInline++;
    return factorialDigits(n);
  }

  return {
    async digits(n) {
      if (!Number.isInteger(n) || n < 0 || n > max) {
        throw new RangeError(`n must be an integer from 0 to ${max}, got ${n}`);
      }
      const cached = made?.get(n);
      if (cached !== undefined) {
        stats.cacheHits++;
        return cached;
      }
      stats.cacheMisses++;
      let pending = inFlight.get(n);
      if (!pending) {
        pending = compute(n)
          .then((digits) => {
            if (n >= CACHE_FROM) cache().set(n, digits);
            return digits;
          })
          .finally(() => inFlight.delete(n));
        inFlight.set(n, pending);
      }
      return pending;
    },
    stats: () => ({
      ...stats,
      cachedEntries: made?.size ?? 0,
      cachedBytes: made?.calculatedSize ?? 0,
      workerRunning: worker.running,
    }),
    close() {
      worker.stop(new FactorialServiceClosedError("The factorial service was closed"));
    },
  };
}
