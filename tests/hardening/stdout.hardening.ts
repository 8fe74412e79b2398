import { describe, expect, it } from "bun:test";
import { join } from "node:path";

/**
 * Log lines and EMF metrics share one stdout writer. Through a pipe whose reader is slow, so
 * writes back up, every line must arrive whole and in order, and a graceful end must hand over
 * everything buffered before the process exits.
 */
const WRITER = `
import { createLogger } from ${JSON.stringify(join(import.meta.dir, "../../src/observability/logger"))};
import { writeStdout } from ${JSON.stringify(join(import.meta.dir, "../../src/observability/stdout"))};
const logger = createLogger("info", undefined, { batchMs: 5 });
const padding = "x".repeat(900);
for (let i = 0; i < 4000; i++) {
  logger.info("line", { i, padding });
  if (i % 100 === 0) {
    await logger.flush();
    writeStdout(JSON.stringify({ _aws: { emf: i } }) + "\\n");
  }
}
await logger.flush();
process.exit(0);
`;

describe("stdout", () => {
  it("delivers every log line and EMF line whole and in order through a slow pipe", async () => {
    const child = Bun.spawn([process.execPath, "-e", WRITER], { stdout: "pipe", stderr: "pipe" });
    const reader = child.stdout.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      // A slow consumer: the pipe fills and the writer has to wait.
      await Bun.sleep(1);
    }
    expect(await child.exited).toBe(0);
    const lines = Buffer.concat(chunks).toString("utf8").split("\n").filter(Boolean);
    const parsed = lines.map((line) => JSON.parse(line) as { i?: number; _aws?: { emf: number } });
    const logged = parsed.flatMap((entry) => (entry.i === undefined ? [] : [entry.i]));
    const emf = parsed.flatMap((entry) => (entry._aws ? [entry._aws.emf] : []));
    expect(logged).toEqual(Array.from({ length: 4000 }, (_, i) => i));
    expect(emf).toEqual(Array.from({ length: 40 }, (_, k) => k * 100));
  }, 30_000);
});
