/**
 * Runs every ```console block of README.md and docs/*.md against a server started for it,
 * and compares what each command prints with the page (after masking). See docs/examples.md.
 */
import { describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../support/process";
import { matches, parsePage, type Session, sessionScript, splitOutputs } from "./console-blocks";

const pages = ["README.md", ...new Bun.Glob("docs/*.md").scanSync(".")].sort();

// Every `curl` to localhost:8080 reaches the server started for the page, with the Host header
// a reader's own curl would send, so Location headers read as on the page.
const prelude = (port: number) =>
  `set -o pipefail\ncurl() { command curl --connect-to localhost:8080:127.0.0.1:${port} "$@"; }\n`;

async function runSession(session: Session): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "examples-"));
  const server = await startServer({
    env: { LOG_LEVEL: "warn", SQLITE_PATH: join(dir, "data", "echo.sqlite"), ...session.env },
  });
  try {
    const shell = Bun.spawn(
      [
        "bash",
        "--noprofile",
        "--norc",
        "-c",
        prelude(server.port) + sessionScript(session.commands),
      ],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LC_ALL: "C.UTF-8" },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [out, err] = await Promise.all([
      new Response(shell.stdout).text(),
      new Response(shell.stderr).text(),
    ]);
    await shell.exited;
    if (err.trim()) throw new Error(`the shell wrote to stderr: ${err}`);
    return splitOutputs(out, session.commands.length);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const page of pages) {
  const sessions = parsePage(readFileSync(page, "utf8"));
  if (sessions.length === 0) continue;
  describe(page, () => {
    for (const session of sessions) {
      const first = session.commands[0]?.line;
      it(`the examples from line ${first} print what the page shows`, async () => {
        const outputs = await runSession(session);
        const stale = session.commands.flatMap((command, i) =>
          matches(command.expected, outputs[i] ?? "")
            ? []
            : [
                `${page}:${command.line} $ ${command.text}\n--- the page shows:\n${command.expected}\n--- it printed:\n${outputs[i]}`,
              ],
        );
        expect(stale).toEqual([]);
      }, 60_000);
    }
  });
}
