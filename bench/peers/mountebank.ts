/**
 * mountebank as a peer of Echo: npm's `mountebank` run by Node on a free loopback port, with
 * one HTTP imposter on a second free port holding every stub in age order.
 */
import { join } from "node:path";
import { type BenchMock, mountebankStub } from "../echo-mocks";
import { type MockServer, type MockServerKind, packageVersion, postJson } from "../mock-server";
import { freePort, startServer } from "../processes";

function cliPath(): string | undefined {
  try {
    return Bun.resolveSync("mountebank/bin/mb", import.meta.dir);
  } catch {
    return undefined;
  }
}

export function mountebankPeer(scratch: string): MockServerKind {
  const version = packageVersion("mountebank");
  return {
    name: `mountebank ${version ?? ""}`.trim(),
    unavailable() {
      if (!Bun.which("node")) return "node is not on PATH";
      if (!cliPath()) return "npm package `mountebank` is not installed";
      return undefined;
    },
    async start(mocks: readonly BenchMock[], label: string): Promise<MockServer> {
      const cli = cliPath() as string;
      const admin = await startServer({
        name: `mountebank (${label})`,
        cmd: (port) => [
          "node",
          cli,
          "start",
          "--port",
          String(port),
          "--host",
          "127.0.0.1",
          "--nologfile",
          "--loglevel",
          "warn",
          "--pidfile",
          join(scratch, `mountebank-${label}.pid`),
        ],
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
        healthPath: "/",
        startTimeoutMs: 60_000,
      });
      const port = freePort();
      // Stubs are tried in array order, so the oldest mock comes first, as it was created first.
      const imposter = {
        protocol: "http",
        host: "127.0.0.1",
        port,
        recordRequests: false,
        defaultResponse: { statusCode: 404 },
        stubs: mocks.map(mountebankStub),
      };
      try {
        await postJson(`${admin.url}/imposters`, imposter);
      } catch (error) {
        await admin.stop();
        throw error;
      }
      return {
        url: `http://127.0.0.1:${port}`,
        residentBytes: admin.residentBytes,
        stop: () => admin.stop(),
      };
    },
  };
}
