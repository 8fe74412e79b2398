import { Counter, collectDefaultMetrics, type Registry } from "prom-client";

/**
 * prom-client's default metrics, checked one by one under Bun 1.4.5. Kept: CPU time, start
 * time, resident and virtual memory, open and maximum file descriptors, and event-loop lag (a
 * 300 ms block reads as 0.299 s). Removed because they misreport under Bun: the heap figures
 * (`process.memoryUsage()` gives a `heapUsed` that stays frozen between collections and exceeds
 * `heapTotal`), GC durations (no GC is ever observed), V8 heap spaces (JavaScriptCore has none),
 * active handles, requests and resources (0 with a server, a socket and a timer open),
 * `process_heap_bytes` (VmData: the address space JavaScriptCore reserves, not heap), and
 * `nodejs_version_info` (Bun's Node.js compatibility version).
 */
const MISREPORTING = [
  "nodejs_heap_size_total_bytes",
  "nodejs_heap_size_used_bytes",
  "nodejs_external_memory_bytes",
  "nodejs_heap_space_size_total_bytes",
  "nodejs_heap_space_size_used_bytes",
  "nodejs_heap_space_size_available_bytes",
  "nodejs_gc_duration_seconds",
  "nodejs_active_resources",
  "nodejs_active_resources_total",
  "nodejs_active_handles",
  "nodejs_active_handles_total",
  "nodejs_active_requests",
  "nodejs_active_requests_total",
  "process_heap_bytes",
  "nodejs_version_info",
];

/** prom-client's CPU counters count from their registration, which here is the first scrape. */
const CPU_COUNTERS = [
  "process_cpu_user_seconds_total",
  "process_cpu_system_seconds_total",
  "process_cpu_seconds_total",
];

const EVENT_LOOP_RESOLUTION_MS = 10;

export async function registerProcessMetrics(registry: Registry): Promise<void> {
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS,
  });
  for (const name of [...MISREPORTING, ...CPU_COUNTERS]) registry.removeSingleMetric(name);
  // The lag monitor starts now; a few samples make the first scrape report them, not an empty histogram.
  await Bun.sleep(3 * EVENT_LOOP_RESOLUTION_MS);

  const registers = [registry];
  const set = (counter: Counter, microseconds: number) => {
    counter.reset();
    counter.inc(microseconds / 1e6);
  };
  // Read once per scrape, for all three, over the process's whole lifetime.
  const user = new Counter({
    name: "process_cpu_user_seconds_total",
    help: "Total user CPU time spent in seconds.",
    registers,
    collect() {
      const usage = process.cpuUsage();
      set(user, usage.user);
      set(system, usage.system);
      set(total, usage.user + usage.system);
    },
  });
  const system = new Counter({
    name: "process_cpu_system_seconds_total",
    help: "Total system CPU time spent in seconds.",
    registers,
  });
  const total = new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
  });
}
