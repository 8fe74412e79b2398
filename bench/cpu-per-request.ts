/**
 * Compares two server binaries by the CPU time each spends per request, which holds steadier
 * than throughput on a busy machine: `bun bench/cpu-per-request.ts A B [/time,/tocos] [rounds]`.
 * Both serve alternately under autocannon (3 s, 64 connections); CPU is read from /proc.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { minimalEnv } from "./build";
import { autocannonGenerator } from "./load";
import { startServer } from "./processes";
import { median } from "./report";

const CLOCK_TICK_US = 10_000; // USER_HZ = 100 on Linux

/** User plus system CPU time of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const [first, second, pathList = "/time,/tocos", roundsArg = "5"] = Bun.argv.slice(2);
if (!first || !second) {
  console.error("usage: bun bench/cpu-per-request.ts BINARY_A BINARY_B [paths] [rounds]");
  process.exit(2);
}
const scratch = mkdtempSync(join(tmpdir(), "cpu-per-request-"));
const generator = await autocannonGenerator();
const servers = await Promise.all(
  [first, second].map((binary, i) =>
    startServer({
      name: binary,
      cmd: [binary],
      env: { ...minimalEnv(), LOG_LEVEL: "info", SQLITE_PATH: join(scratch, `${i}.sqlite`) },
    }),
  ),
);
const paths = pathList.split(",");
const samples = new Map<string, number[]>();
try {
  for (const server of servers) {
    for (const path of paths) {
      await generator.run(`${server.url}${path}`, { durationSeconds: 1, connections: 64 });
    }
  }
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const path of paths) {
      for (const server of servers) {
        const before = cpuTicks(server.pid);
        const result = await generator.run(`${server.url}${path}`, {
          durationSeconds: 3,
          connections: 64,
        });
        const microseconds = ((cpuTicks(server.pid) - before) * CLOCK_TICK_US) / result.requests;
        const key = `${path} ${server.name}`;
        samples.set(key, [...(samples.get(key) ?? []), microseconds]);
      }
    }
  }
  for (const [key, values] of samples) {
    const rounded = values.map((v) => v.toFixed(1)).join(", ");
    console.log(`${key}: median ${median(values).toFixed(1)} µs CPU per request (${rounded})`);
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(scratch, { recursive: true, force: true });
}
