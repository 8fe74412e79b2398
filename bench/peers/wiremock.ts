/**
 * WireMock as a peer of Echo: the standalone jar that npm's `wiremock` package bundles, run by
 * the machine's Java on a free loopback port, without its request journal.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { type BenchMock, wiremockMapping } from "../echo-mocks";
import {
  loadInOrder,
  type MockServer,
  type MockServerKind,
  packageVersion,
  postJson,
} from "../mock-server";
import { startServer } from "../processes";

function jarPath(): string | undefined {
  try {
    const dir = join(dirname(Bun.resolveSync("wiremock/package.json", import.meta.dir)), "build");
    const jar = readdirSync(dir).find((name) => /^wiremock-standalone-.*\.jar$/.test(name));
    return jar && join(dir, jar);
  } catch {
    return undefined;
  }
}

export function wiremockPeer(scratch: string): MockServerKind {
  const version = packageVersion("wiremock");
  return {
    name: `WireMock ${version ?? ""}`.trim(),
    unavailable() {
      if (!Bun.which("java")) return "java is not on PATH";
      if (!jarPath()) return "npm package `wiremock` (its bundled jar) is not installed";
      return undefined;
    },
    async start(mocks: readonly BenchMock[], label: string): Promise<MockServer> {
      const jar = jarPath() as string;
      const server = await startServer({
        name: `WireMock (${label})`,
        cmd: (port) => [
          "java",
          "-Xmx1g",
          "-jar",
          jar,
          "--port",
          String(port),
          "--bind-address",
          "127.0.0.1",
          "--no-request-journal",
          "--disable-banner",
          "--root-dir",
          join(scratch, `wiremock-${label}`),
        ],
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
        healthPath: "/__admin/health",
        startTimeoutMs: 60_000,
      });
      // One stub per request, oldest first: WireMock tries the most recently added first.
      await loadInOrder(mocks, (mock) =>
        postJson(`${server.url}/__admin/mappings`, wiremockMapping(mock)),
      ).catch(async (error) => {
        await server.stop();
        throw error;
      });
      return { url: server.url, residentBytes: server.residentBytes, stop: () => server.stop() };
    },
  };
}
