/** What the Echo rows need of any mock server: start it with a set of mocks, then hit them. */
import { readFileSync } from "node:fs";
import type { BenchMock } from "./echo-mocks";

export interface MockServer {
  /** Where the mocks answer. */
  url: string;
  /** VmRSS of the process that serves the mocks. */
  residentBytes(): number | undefined;
  stop(): Promise<void>;
}

export interface MockServerKind {
  /** Name and version, as the table shows it. */
  name: string;
  /** Why it cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  /** Starts a fresh server on a free loopback port holding `mocks`, created oldest first. */
  start(mocks: readonly BenchMock[], label: string): Promise<MockServer>;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** The version of an installed npm package, or undefined when it is not installed. */
export function packageVersion(name: string): string | undefined {
  try {
    const manifest = readFileSync(Bun.resolveSync(`${name}/package.json`, import.meta.dir), "utf8");
    return (JSON.parse(manifest) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** POSTs a JSON document; throws with the status and body unless the answer is 2xx. */
export async function postJson(
  url: string,
  document: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(document),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.text();
  if (!response.ok) {
    throw new Error(
      `POST ${new URL(url).pathname} answered ${response.status}: ${body.slice(0, 300)}`,
    );
  }
}

/** Creates the mocks one request at a time, so their ages follow the set's order. */
export async function loadInOrder(
  mocks: readonly BenchMock[],
  create: (mock: BenchMock) => Promise<void>,
): Promise<void> {
  for (const mock of mocks) await create(mock);
}

/** Throws unless each mock answers its own hit with 200 and its own body. */
export async function checkHits(server: MockServer, mocks: readonly BenchMock[]): Promise<void> {
  for (const mock of mocks) {
    const response = await fetch(`${server.url}${mock.hit.path}`, {
      headers: mock.hit.headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await response.text();
    if (response.status !== 200 || body !== mock.body) {
      throw new Error(
        `GET ${mock.hit.path} answered ${response.status} ${body.slice(0, 120)}, expected 200 ${mock.body}`,
      );
    }
  }
}
