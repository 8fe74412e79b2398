/**
 * Reads the ```console blocks of a Markdown page and compares what their commands print with
 * the text the page shows. The convention is described in docs/examples.md.
 */

export interface Command {
  /** The shell text after `$ `, continuation lines included. */
  text: string;
  /** The lines the page shows after the command, trailing blank lines dropped. */
  expected: string;
  /** 1-based line of the `$ ` in the page, for failure messages. */
  line: number;
}

/** Commands that run in one shell against one server started with `env`. */
export interface Session {
  env: Record<string, string>;
  commands: Command[];
}

const FENCE_OPEN = /^```console\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const SERVER_COMMENT = /^<!--\s*examples-server:(.*?)-->\s*$/;

function parseEnv(text: string, line: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.trim().split(/\s+/).filter(Boolean)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`line ${line}: \`${pair}\` is not NAME=value`);
    env[match[1] as string] = match[2] as string;
  }
  return env;
}

const trimOutput = (lines: string[]) =>
  lines
    .map((l) => l.trimEnd())
    .join("\n")
    .replace(/\n+$/, "");

/** Splits a page into sessions: a new one starts at each `<!-- examples-server: … -->`. */
export function parsePage(markdown: string): Session[] {
  const sessions: Session[] = [{ env: {}, commands: [] }];
  const lines = markdown.split("\n");
  let inBlock = false;
  let current: { text: string; output: string[]; line: number } | undefined;
  const finish = () => {
    if (!current) return;
    sessions.at(-1)?.commands.push({
      text: current.text,
      expected: trimOutput(current.output),
      line: current.line,
    });
    current = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!inBlock) {
      const server = SERVER_COMMENT.exec(line);
      if (server) sessions.push({ env: parseEnv(server[1] as string, i + 1), commands: [] });
      else if (FENCE_OPEN.test(line)) inBlock = true;
      continue;
    }
    if (FENCE_CLOSE.test(line)) {
      finish();
      inBlock = false;
    } else if (current?.output.length === 0 && current.text.endsWith("\\")) {
      current.text += `\n${line}`;
    } else if (line.startsWith("$ ")) {
      finish();
      current = { text: line.slice(2), output: [], line: i + 1 };
    } else if (current) {
      current.output.push(line);
    } else if (line.trim() !== "") {
      throw new Error(`line ${i + 1}: a console block must start with a \`$ \` command`);
    }
  }
  if (inBlock) throw new Error("a console block is not closed");
  return sessions.filter((s) => s.commands.length > 0);
}

const MARKER = "@@example-output@@";

/** One bash script that runs every command in order, printing a marker before each output. */
export function sessionScript(commands: Command[]): string {
  return commands
    .map((c, i) => `printf '\\n${MARKER} %d\\n' ${i}\n{\n${c.text}\n} 2>&1`)
    .join("\n");
}

/** Splits the script's output back into one text per command. */
export function splitOutputs(output: string, count: number): string[] {
  const outputs: string[] = Array.from({ length: count }, () => "");
  const parts = output.replace(/\r\n/g, "\n").split(new RegExp(`\\n${MARKER} (\\d+)\\n`));
  for (let i = 1; i < parts.length; i += 2) {
    outputs[Number(parts[i])] = trimOutput((parts[i + 1] as string).split("\n"));
  }
  return outputs;
}

/** What changes from run to run: ids, dates, request ids, durations. */
const MASKS: [RegExp, string][] = [
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>"],
  [/^(x-request-id): .*$/gim, "$1: <request-id>"],
  [/"requestId":"[^"]*"/g, '"requestId":"<request-id>"'],
  [/^(date): .*$/gim, "$1: <date>"],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<date>"],
  [/\b1[7-9]\d{8}\b/g, "<epoch>"],
  [/\bdur=[\d.]+/g, "dur=<ms>"],
  // How many upstream attempts /api/smart made depends on the simulated upstream's latencies.
  [/desc="\d+ attempts?"/g, 'desc="<attempts>"'],
  [/"(time|\w*Ms)":[\d.]+/g, '"$1":<ms>'],
];

export function mask(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of MASKS) masked = masked.replace(pattern, replacement);
  return masked;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** True when the output matches the page's text after masking; `<any>` in the page matches any text in a line. */
export function matches(expected: string, actual: string): boolean {
  const want = mask(expected);
  const got = mask(actual);
  if (!want.includes("<any>")) return want === got;
  const pattern = want.split("<any>").map(escapeRegExp).join("[^\\n]*");
  return new RegExp(`^${pattern}$`).test(got);
}
