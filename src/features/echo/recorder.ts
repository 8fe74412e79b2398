import { concatBytes } from "../../bytes";
import type { Logger } from "../../observability/logger";
import { JOURNAL_BODY_BYTES, type JournalEntry, type JournalStore } from "../../store/journal";

/**
 * Turns a request the mocks answered into a journal entry and hands it to the store. The work
 * on the response path is copying the headers and, only when the request has one, reading the
 * first 64 KiB of its body; the store decides when the entry is written (sqlite-journal.ts).
 */

export const REDACTED = "<redacted>";

export interface RecordedRequest {
  request: Request;
  path: string;
  status: number;
  /** The mock that answered, or null for the mock 404. */
  endpoint: string | null;
  /** The body as text when the caller has read it already (it can be read only once). */
  body?: string;
}

export type RecordRequest = (recorded: RecordedRequest) => Promise<void>;

const utf8 = new TextDecoder("utf-8");
const NO_BODY = { text: "", truncated: false };

/** The first `maxBytes` of a body as text, and whether there was more. */
export async function readBodyPrefix(
  request: Request,
  maxBytes = JOURNAL_BODY_BYTES,
): Promise<{ text: string; truncated: boolean }> {
  if (request.body === null || request.bodyUsed) return { text: "", truncated: false };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // A client that went away mid-body leaves what arrived.
  }
  const bytes = concatBytes(chunks, total);
  return {
    text: utf8.decode(bytes.subarray(0, maxBytes)),
    truncated: total > maxBytes,
  };
}

/** The record function for the mock routes, or undefined when recording is off. */
export function journalRecorder(
  journal: JournalStore,
  redacted: readonly string[],
  logger: Logger,
  now: () => number = Date.now,
): RecordRequest | undefined {
  if (!journal.enabled) return undefined;
  const redact = new Set(redacted.map((name) => name.toLowerCase()));
  // Formatting a date costs more than the rest of an entry; under load many share a millisecond.
  let lastMs = -1;
  let lastIso = "";
  const iso = (ms: number) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };
  return async ({ request, path, status, endpoint, body }) => {
    // Bun's native copy; names arrive lower-cased. Only the few redacted names are looked up.
    const headers = request.headers.toJSON();
    for (const name of redact) if (name in headers) headers[name] = REDACTED;
    const read =
      body !== undefined
        ? textPrefix(body)
        : request.body === null
          ? NO_BODY
          : await readBodyPrefix(request);
    const url = request.url;
    const queryAt = url.indexOf("?");
    const time = now();
    const entry: JournalEntry = {
      id: Bun.randomUUIDv7("hex", time),
      time: iso(time),
      method: request.method,
      path,
      query: queryAt === -1 ? "" : url.slice(queryAt + 1),
      headers,
      body: read.text,
      bodyTruncated: read.truncated,
      status,
      endpoint,
    };
    try {
      await journal.record(entry);
    } catch (error) {
      // The journal is a debugging aid: losing an entry must never fail the mock's answer.
      logger.warn("journal entry lost", { reason: (error as Error).message });
    }
  };
}

function textPrefix(text: string) {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so a short string needs no encoding.
  if (text.length * 3 <= JOURNAL_BODY_BYTES) return { text, truncated: false };
  const bytes = Buffer.from(text, "utf8");
  if (bytes.byteLength <= JOURNAL_BODY_BYTES) return { text, truncated: false };
  return { text: utf8.decode(bytes.subarray(0, JOURNAL_BODY_BYTES)), truncated: true };
}
