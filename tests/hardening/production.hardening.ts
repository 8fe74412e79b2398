import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildServer } from "../support/compiled-server";
import { type FakeUpstream, ok, startFakeUpstream } from "../support/fake-upstream";
import { type RunningServer, startServer } from "../support/process";

/**
 * The compiled binary, built here with the Makefile's own flags, run as it will be in production:
 * as `nobody`, in a read-only working directory, without HOME, with only /tmp writable and the
 * SQLite file there. As root it runs in its own mount namespace where every filesystem is
 * remounted read-only and /tmp is a fresh tmpfs; otherwise the working directory is mode 0555.
 * It logs at debug level, and the API token must appear in none of it.
 *
 * The token check compares SHA-256 digests with crypto.timingSafeEqual
 * (src/features/echo/auth.ts, tested in tests/features/echo/auth.test.ts).
 */

const TOKEN = `tok-${crypto.randomUUID().replaceAll("-", "")}`;
const JSONAPI = "application/vnd.api+json";
const NOBODY = 65_534;

/** Remounts every filesystem read-only in a private mount namespace, then runs the binary. */
const NAMESPACE_SCRIPT = `
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --make-rprivate /
for target in $(findmnt -rn -o TARGET); do
  case "$target" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/pts) continue ;; esac
  mount -o remount,bind,ro "$target" 2>/dev/null || true
done
mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp
cd "$WORKDIR"
if touch "$WORKDIR/probe" 2>/dev/null; then echo '{"probe":"writable"}'; exit 97; fi
echo '{"probe":"read-only"}'
exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups --inh-caps=-all \\
  env -i PORT="$PORT" SQLITE_PATH=/tmp/echo.sqlite LOG_LEVEL=debug API_TOKEN="$API_TOKEN" \\
  SMART_UPSTREAM_URL="$SMART_UPSTREAM_URL" "$WORKDIR/server"
`;

/** Without the rights to build a namespace: the working directory alone is read-only. */
const FALLBACK_SCRIPT = `
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd "$WORKDIR"
exec $DROP env -i PORT="$PORT" SQLITE_PATH="$SQLITE_PATH" LOG_LEVEL=debug API_TOKEN="$API_TOKEN" \\
  SMART_UPSTREAM_URL="$SMART_UPSTREAM_URL" "$WORKDIR/server"
`;

let workdir: string;
let dataDir: string | undefined;
let upstream: FakeUpstream;
let server: RunningServer;
let isolation: "mount namespace, all filesystems read-only" | "read-only working directory";
let stderr = "";

beforeAll(async () => {
  // Outside /tmp, which the namespace replaces with an empty tmpfs.
  const base = existsSync("/var/tmp") ? "/var/tmp" : tmpdir();
  workdir = mkdtempSync(join(base, "production-"));
  buildServer(join(workdir, "server"));
  chmodSync(workdir, 0o555);

  upstream = startFakeUpstream((index) => ok(index));
  const asRoot = process.getuid?.() === 0;
  const unshare = Bun.which("unshare");
  // Root in a container may still lack the right to mount: try it before relying on it.
  const canIsolate =
    asRoot &&
    unshare !== null &&
    Bun.spawnSync([
      unshare,
      "--mount",
      "sh",
      "-c",
      "mount --make-rprivate / && mount -t tmpfs tmpfs /tmp",
    ]).exitCode === 0;
  const env = { WORKDIR: workdir, API_TOKEN: TOKEN, SMART_UPSTREAM_URL: upstream.url };
  // PRODUCTION_ISOLATION=directory tries the fallback even as root.
  if (canIsolate && unshare && process.env.PRODUCTION_ISOLATION !== "directory") {
    isolation = "mount namespace, all filesystems read-only";
    server = await startServer({
      cmd: [unshare, "--mount", "sh", "-c", NAMESPACE_SCRIPT],
      env,
      timeoutMs: 20_000,
    });
  } else {
    isolation = "read-only working directory";
    dataDir = mkdtempSync(join(tmpdir(), "production-data-"));
    // Writable by whichever user the server runs as.
    chmodSync(dataDir, 0o1777);
    server = await startServer({
      cmd: ["/bin/sh", "-c", FALLBACK_SCRIPT],
      env: {
        ...env,
        DROP: asRoot ? `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups` : "",
        SQLITE_PATH: join(dataDir, "echo.sqlite"),
      },
      timeoutMs: 20_000,
    });
  }
}, 60_000);

afterAll(async () => {
  if (server?.proc.exitCode === null) await server.stop("SIGKILL");
  await upstream?.stop();
  chmodSync(workdir, 0o755);
  rmSync(workdir, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const get = (path: string, headers?: Record<string, string>) =>
  fetch(`${server.url}${path}`, { headers });

describe("the compiled binary, run like production", () => {
  it("runs as nobody, without HOME, in the read-only working directory", () => {
    const pid = server.proc.pid;
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    expect(uid).not.toBe(0);
    if (process.getuid?.() === 0) expect(uid).toBe(NOBODY);
    expect(environ.filter((e) => e.startsWith("HOME="))).toEqual([]);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(workdir);
  });

  it("sees every filesystem read-only but /tmp, when it can be isolated", () => {
    console.info(`[production] isolation: ${isolation}`);
    if (isolation === "read-only working directory") return;
    const mounts = readFileSync(`/proc/${server.proc.pid}/mountinfo`, "utf8")
      .split("\n")
      .map((line) => line.split(" "))
      .filter((fields) => fields.length > 5);
    const optionsAt = (target: string) => mounts.find((f) => f[4] === target)?.[5] ?? "";
    expect(server.output()).toContain('{"probe":"read-only"}');
    expect(optionsAt("/").split(",")).toContain("ro");
    expect(optionsAt("/tmp").split(",")).toContain("rw");
  });

  it("serves the health check, time, tocos and the docs", async () => {
    const statuses = [];
    for (const path of [
      "/healthz",
      "/time",
      "/tocos",
      "/tocos/Sam",
      "/docs",
      "/docs/assets/swagger-ui-bundle.js",
      "/openapi.json",
    ]) {
      const response = await get(path);
      await response.arrayBuffer();
      statuses.push(`${path} ${response.status}`);
    }
    expect(statuses).toEqual([
      "/healthz 200",
      "/time 200",
      "/tocos 200",
      "/tocos/Sam 200",
      "/docs 200",
      "/docs/assets/swagger-ui-bundle.js 200",
      "/openapi.json 200",
    ]);
  });

  it("computes 100000! exactly, on the worker inside the binary", async () => {
    const threads = () =>
      Number(
        /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${server.proc.pid}/status`, "utf8"))?.[1],
      );
    const before = threads();
    const response = await get("/api/v1/factorial?number=100000", { accept: "text/plain" });
    const digits = await response.text();
    const after = threads();
    console.info(`[production] threads ${before} → ${after} around 100000!`);
    await Bun.sleep(50);
    expect(after).toBeGreaterThan(before);
    expect([response.status, digits.length, digits.slice(0, 10)]).toEqual([
      200,
      456_574,
      "2824229407",
    ]);
    expect(server.output()).not.toContain("factorial worker failed");
  });

  it("proxies /api/smart to its upstream", async () => {
    const response = await get("/api/smart?timeout=2000");
    expect(response.status).toBe(200);
    expect(((await response.json()) as { time: number }).time).toBeNumber();
  });

  it("creates a mock in SQLite under /tmp and serves it", async () => {
    const created = await fetch(`${server.url}/endpoints`, {
      method: "POST",
      headers: { "content-type": JSONAPI, authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        data: {
          type: "endpoints",
          attributes: { verb: "GET", path: "/prod", response: { code: 200, body: "from /tmp" } },
        },
      }),
    });
    await created.arrayBuffer();
    const served = await get("/prod");
    expect([created.status, served.status, await served.text()]).toEqual([201, 200, "from /tmp"]);
  });

  it("refuses the management API without the token, or with a wrong one", async () => {
    const none = await get("/endpoints");
    const wrong = await get("/endpoints", { authorization: `Bearer ${TOKEN}x` });
    const right = await get("/endpoints", { authorization: `Bearer ${TOKEN}` });
    await Promise.all([none, wrong, right].map((r) => r.arrayBuffer()));
    expect([none.status, wrong.status, right.status]).toEqual([401, 401, 200]);
  });

  it("serves /metrics when the document lists it", async () => {
    const document = (await (await get("/openapi.json")).json()) as { paths: object };
    const listed = "/metrics" in document.paths;
    const response = await get("/metrics");
    await response.arrayBuffer();
    expect(response.status).toBe(listed ? 200 : 404);
  });

  it("exits 0 on SIGTERM", async () => {
    const code = await server.stop("SIGTERM");
    stderr = await new Response(server.proc.stderr).text();
    expect(code).toBe(0);
  });

  it("wrote the token in no log line at any level, stdout or stderr", () => {
    const lines = `${server.output()}\n${stderr}`.split("\n").filter(Boolean);
    expect(
      lines.some((line) => line.includes('"level":"debug"') || line.includes('"level":"info"')),
    ).toBe(true);
    expect(lines.filter((line) => line.includes(TOKEN))).toEqual([]);
    expect(lines.filter((line) => line.includes(TOKEN.slice(4, 20)))).toEqual([]);
  });
});
