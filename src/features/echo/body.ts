import { concatBytes } from "../../bytes";
import { ApiError } from "../../errors";

/**
 * Reads a JSON:API request body: media type first (415), then size (413, from
 * Content-Length before reading and from the bytes actually read), then JSON (400).
 */

export const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";

const unsupportedMediaType = (got: string | null) =>
  new ApiError(
    415,
    "unsupported_media_type",
    `Send the body as \`${JSONAPI_MEDIA_TYPE}\` or \`application/json\`; got ${got ? `\`${got}\`` : "no Content-Type"}`,
    { header: "content-type" },
  );

export const payloadTooLarge = (maxBytes: number) =>
  new ApiError(413, "payload_too_large", `The request body must be at most ${maxBytes} bytes`);

const clientClosed = () =>
  new ApiError(
    499,
    "client_closed_request",
    "The client closed the connection before the request body was complete",
  );

const malformed = (why: string) =>
  new ApiError(400, "malformed_body", `The request body is not valid JSON: ${why}`);

/** JSON:API allows no media type parameters; `charset=utf-8` is tolerated because many clients add it. */
export function checkMediaType(contentType: string | null): void {
  if (contentType === null) throw unsupportedMediaType(null);
  const [essence = "", ...parameters] = contentType.split(";").map((p) => p.trim().toLowerCase());
  if (essence === "application/json") return;
  if (essence !== JSONAPI_MEDIA_TYPE) throw unsupportedMediaType(contentType);
  for (const parameter of parameters) {
    if (parameter !== "" && parameter.replaceAll('"', "") !== "charset=utf-8") {
      throw unsupportedMediaType(contentType);
    }
  }
}

export async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    let read: Awaited<ReturnType<typeof reader.read>>;
    try {
      read = await reader.read();
    } catch {
      // The client went away mid-body: no one reads the answer, but it is not a server fault.
      throw clientClosed();
    }
    const { done, value } = read;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The parsed JSON value of the request body; never a partial read. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  checkMediaType(request.headers.get("content-type"));
  const bytes = await readLimited(request, maxBytes);
  if (bytes.byteLength === 0) throw malformed("the body is empty");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw malformed("it is not UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformed(error instanceof Error ? error.message : "it could not be parsed");
  }
}
