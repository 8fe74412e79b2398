import type { MockResponse } from "../../store/store";

/**
 * The response a stored mock answers with: its code, its headers and its body
 * verbatim. The server computes Content-Length from the body, so the two always agree.
 */

/** A mock body is text; without a stored Content-Type the server would call it octet-stream. */
export const DEFAULT_BODY_TYPE = "text/plain; charset=utf-8";

/** Responses to HEAD, and 204, 205 and 304 responses, carry no body. */
const sendsBody = (method: string, code: number) =>
  method !== "HEAD" && code !== 204 && code !== 205 && code !== 304;

const hasContentType = (headers: Record<string, string>) => {
  for (const name in headers) if (name.toLowerCase() === "content-type") return true;
  return false;
};

export function mockResponse(response: MockResponse, method: string): Response {
  const { code, headers = {}, body } = response;
  const sent = sendsBody(method, code) && body !== undefined && body !== "" ? body : null;
  // A plain object is the cheapest init; names are unique ignoring case (checked at creation).
  const init =
    sent !== null && !hasContentType(headers)
      ? { ...headers, "content-type": DEFAULT_BODY_TYPE }
      : headers;
  return new Response(sent, { status: code, headers: init });
}

/**
 * A mock page is served from the console's own origin, so HTML answers run sandboxed (no script
 * access to the origin's storage or the console) unless the mock sets a policy of its own.
 */
export function sandboxHtml(response: Response): Response {
  const type = response.headers.get("content-type");
  if (type !== null && /html/i.test(type) && !response.headers.has("content-security-policy")) {
    response.headers.set("content-security-policy", "sandbox");
  }
  return response;
}
