import { describe, expect, it } from "bun:test";
import { mask, matches, parsePage, sessionScript, splitOutputs } from "./console-blocks";

const page = [
  "Intro.",
  "```console",
  "$ curl -s http://localhost:8080/time",
  '{"The current epoch time":1796029797}',
  "",
  "$ ID=$(curl -s -X POST http://localhost:8080/endpoints \\",
  "  -d '{}' | jq -r .data.id)",
  "",
  '$ echo "$ID"',
  "01a22bb7-d365-75d3-8c93-17c5e670ce5f",
  "```",
  "```sh",
  "make build",
  "```",
  "<!-- examples-server: API_TOKEN=s3cret LOG_LEVEL=debug -->",
  "```console",
  "$ curl -s http://localhost:8080/endpoints",
  "```",
].join("\n");

describe("parsePage", () => {
  const sessions = parsePage(page);

  it("reads commands, continuation lines and expected output from console blocks only", () => {
    expect(sessions[0]?.commands).toEqual([
      {
        text: "curl -s http://localhost:8080/time",
        expected: '{"The current epoch time":1796029797}',
        line: 3,
      },
      {
        text: "ID=$(curl -s -X POST http://localhost:8080/endpoints \\\n  -d '{}' | jq -r .data.id)",
        expected: "",
        line: 6,
      },
      { text: 'echo "$ID"', expected: "01a22bb7-d365-75d3-8c93-17c5e670ce5f", line: 9 },
    ]);
  });

  it("starts a new session with its own server environment at an examples-server comment", () => {
    expect(sessions).toHaveLength(2);
    expect(sessions[1]?.env).toEqual({ API_TOKEN: "s3cret", LOG_LEVEL: "debug" });
    expect(sessions[1]?.commands.map((c) => c.text)).toEqual([
      "curl -s http://localhost:8080/endpoints",
    ]);
  });

  it("refuses a block whose first line is not a command", () => {
    expect(() => parsePage("```console\noutput first\n```")).toThrow(
      "must start with a `$ ` command",
    );
  });
});

describe("sessionScript and splitOutputs", () => {
  it("give each command its own output, shell variables kept between commands", async () => {
    const commands = [
      { text: "X=42; printf 'no newline'", expected: "", line: 1 },
      { text: 'echo "$X"; echo err >&2', expected: "", line: 2 },
      { text: "true", expected: "", line: 3 },
    ];
    const proc = Bun.spawnSync(["bash", "-c", sessionScript(commands)]);
    expect(splitOutputs(proc.stdout.toString(), 3)).toEqual(["no newline", "42\nerr", ""]);
  });
});

describe("matches", () => {
  it("masks ids, dates, request ids, epoch seconds and durations", () => {
    expect(
      mask(
        'x-request-id: r61hrj-4\nDate: Mon, 30 Nov 2026 09:09:57 GMT\nServer-Timing: factorial;dur=0.64\n{"id":"01a22bb7-d365-75d3-8c93-17c5e670ce5f","t":1796029797,"at":"2026-11-30T09:09:57.123Z","totalMs":12.5}',
      ),
    ).toBe(
      'x-request-id: <request-id>\nDate: <date>\nServer-Timing: factorial;dur=<ms>\n{"id":"<id>","t":<epoch>,"at":"<date>","totalMs":<ms>}',
    );
  });

  it("masks the attempt count in /api/smart's Server-Timing", () => {
    expect(
      matches('200 upstream;dur=463.7;desc="3 attempts"', '200 upstream;dur=117;desc="1 attempt"'),
    ).toBe(true);
  });

  it("accepts the same output with other ids and times", () => {
    expect(
      matches(
        'x-request-id: a-1\n{"id":"01a22bb7-d365-75d3-8c93-17c5e670ce5f"}',
        'x-request-id: b-99\n{"id":"01a22bb8-0000-7000-8000-000000000000"}',
      ),
    ).toBe(true);
  });

  it("rejects a stale example: a changed status, body or header", () => {
    expect(matches("HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found")).toBe(false);
    expect(matches('{"user":"Sam","tocos":200}', '{"user":"Sam","tocos":201}')).toBe(false);
    expect(matches("Vary: Accept\n\nbody", "Vary: Accept\nServer-Timing: x;dur=1\n\nbody")).toBe(
      false,
    );
  });

  it("lets <any> stand for the rest of one line, never for more lines", () => {
    expect(matches("Content-Length: <any>\n\nok", "Content-Length: 12\n\nok")).toBe(true);
    expect(matches("a<any>", "abc\nd")).toBe(false);
  });
});
