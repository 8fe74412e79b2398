import type { Endpoint } from "../../store/store";
import { ENDPOINT_TYPE } from "./validation";

/** JSON:API resource objects for endpoints, and the absolute URL a mock answers at. */

export interface EndpointResource {
  type: typeof ENDPOINT_TYPE;
  id: string;
  attributes: Omit<Endpoint, "id">;
}

export const toResource = ({ id, ...attributes }: Endpoint): EndpointResource => ({
  type: ENDPOINT_TYPE,
  id,
  attributes,
});

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const firstValue = (header: string | null) => header?.split(",")[0]?.trim() || undefined;

/**
 * The absolute URL of a mock, from the request's scheme and host. Behind API
 * Gateway or a proxy, `x-forwarded-proto` and `x-forwarded-host` name what the client used.
 */
export function mockUrl(request: Request, path: string): string {
  // An empty or malformed Host header leaves the request without an absolute URL.
  const url = URL.canParse(request.url) ? new URL(request.url) : undefined;
  const forwardedProto = firstValue(request.headers.get("x-forwarded-proto"))?.toLowerCase();
  const scheme =
    forwardedProto === "http" || forwardedProto === "https"
      ? forwardedProto
      : (url?.protocol.slice(0, -1) ?? "http");
  const candidates = [
    firstValue(request.headers.get("x-forwarded-host")),
    request.headers.get("host") ?? undefined,
  ];
  const host = candidates.find((h) => h !== undefined && HOST.test(h)) ?? url?.host;
  // Without a usable host, a relative reference is the only true Location (RFC 9110 10.2.2).
  return host ? `${scheme}://${host}${path}` : path;
}
