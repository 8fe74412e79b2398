/**
 * A simulation of the challenge's upstream work server: each answer is `{"time": <ms>}` after a
 * log-normal latency, or a 500 for a share of answers. Optional stalls and a slow period shape
 * the tail for experiments. Pure: the clock and the random numbers are inputs.
 */

export interface WorkProfile {
  /** Median latency of an answer, in ms. */
  medianMs: number;
  /** 95th-percentile latency, in ms; with the median it fixes the log-normal's spread. */
  p95Ms: number;
  /** Share of answers that are `500`, in percent. */
  errorPercent: number;
  /** Share of answers that stall, in percent: they take `stallMs` instead of a drawn latency. */
  stallPercent: number;
  stallMs: number;
  /** The slow period starts this long after a stream's first answer... */
  slowAfterMs: number;
  /** ...and lasts this long (0: never); latencies in it are multiplied by `slowFactor`. */
  slowForMs: number;
  slowFactor: number;
  /** No answer takes longer than this. */
  maxMs: number;
}

export interface WorkAnswer {
  latencyMs: number;
  status: 200 | 500;
}

/** A uniform number in [0, 1). */
export type Random = () => number;

/** Mulberry32: a small, fast 32-bit generator; the same seed gives the same sequence. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The standard normal's 95th percentile. */
const Z95 = 1.6448536269514722;

/** A standard normal draw from two uniforms (Box–Muller). */
function normal(random: Random): number {
  const u = 1 - random(); // (0, 1]: the logarithm stays finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * One answer, `sinceStartMs` after its stream's first answer. Every answer takes exactly four
 * draws, so streams with the same seed stay aligned across profiles: a stall profile stalls
 * some of the very answers the plain profile draws.
 */
export function drawAnswer(profile: WorkProfile, random: Random, sinceStartMs: number): WorkAnswer {
  const sigma = Math.log(profile.p95Ms / profile.medianMs) / Z95;
  let latencyMs = profile.medianMs * Math.exp(sigma * normal(random));
  if (random() * 100 < profile.stallPercent) latencyMs = profile.stallMs;
  const slowFrom = profile.slowAfterMs;
  if (sinceStartMs >= slowFrom && sinceStartMs < slowFrom + profile.slowForMs) {
    latencyMs *= profile.slowFactor;
  }
  const status = random() * 100 < profile.errorPercent ? 500 : 200;
  return { latencyMs: Math.min(latencyMs, profile.maxMs), status };
}

interface Stream {
  random: Random;
  startedAtMs: number;
}

/** How many seeded streams are kept; the oldest is forgotten first. */
const MAX_STREAMS = 1_024;

/**
 * The answers of one process. Requests with the same seed share one stream, so a run that
 * sends `?seed=S` meets the same sequence of latencies and statuses every time it starts on a
 * fresh process. Requests without a seed share one randomly seeded stream.
 */
export class WorkSimulation {
  private readonly streams = new Map<number, Stream>();
  private unseeded: Stream | undefined;

  constructor(
    private readonly profile: WorkProfile,
    private readonly now: () => number,
    private readonly randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 32),
  ) {}

  next(seed?: number): WorkAnswer {
    const stream = seed === undefined ? this.unseededStream() : this.seededStream(seed);
    return drawAnswer(this.profile, stream.random, this.now() - stream.startedAtMs);
  }

  private unseededStream(): Stream {
    this.unseeded ??= { random: seededRandom(this.randomSeed()), startedAtMs: this.now() };
    return this.unseeded;
  }

  private seededStream(seed: number): Stream {
    let stream = this.streams.get(seed);
    if (!stream) {
      if (this.streams.size >= MAX_STREAMS) {
        const oldest = this.streams.keys().next().value;
        if (oldest !== undefined) this.streams.delete(oldest);
      }
      stream = { random: seededRandom(seed), startedAtMs: this.now() };
      this.streams.set(seed, stream);
    }
    return stream;
  }
}
