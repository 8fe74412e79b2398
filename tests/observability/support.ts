import { freePort } from "../support/http";

/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text exposition format's samples; comment lines are skipped. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name = "", rawLabels = "", rawValue = ""] = match;
    const labels: Record<string, string> = {};
    for (const [, key = "", value = ""] of rawLabels.matchAll(LABEL)) labels[key] = value;
    samples.push({ name, labels, value: Number(rawValue) });
  }
  return samples;
}

export const samplesNamed = (samples: Sample[], name: string) =>
  samples.filter((s) => s.name === name);

/** The value of the one sample with this name and these labels, or undefined. */
export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

/** Absolute path of a program on PATH, or undefined. */
export const which = (program: string): string | undefined => Bun.which(program) ?? undefined;

/** `127.0.0.1:<free port>`. */
export const freeLoopbackAddress = () => `127.0.0.1:${freePort()}`;

/** Polls `check` until it returns a value, or throws after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await Bun.sleep(100);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}: ${String(lastError ?? "")}`,
  );
}
