/**
 * Mock paths: RFC 3986 §6.2.2 normalisation, and path templates (`{name}` segments and a final
 * `{name*}`). Pure: no framework, no store.
 */

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const NEEDS_WORK = /%|[^ -~]/;

/**
 * Upper-case hex in escapes, unreserved characters decoded, and characters beyond ASCII
 * percent-encoded as UTF-8, so `/café`, `/caf%c3%a9` and `/caf%C3%A9` are one path.
 */
export function normalisePath(path: string): string {
  if (!NEEDS_WORK.test(path)) return path;
  let out = "";
  const chars = Array.from(path);
  for (let at = 0; at < chars.length; at++) {
    const char = chars[at] as string;
    const hex = `${chars[at + 1] ?? ""}${chars[at + 2] ?? ""}`;
    if (char === "%" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      const decoded = String.fromCharCode(Number.parseInt(hex, 16));
      out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
      at += 2;
    } else if (char.charCodeAt(0) > 0x7e) {
      out += encodeURIComponent(char);
    } else {
      out += char;
    }
  }
  return out;
}

export type Segment =
  | { kind: "literal"; value: string }
  | { kind: "param"; name: string }
  | { kind: "rest"; name: string };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)(\*?)\}$/;

/** The segments of a path, `/a/{id}` → literal `a`, param `id`. Braces elsewhere are literal. */
export function parsePath(path: string): Segment[] {
  return path
    .split("/")
    .slice(1)
    .map((part): Segment => {
      const match = PARAM.exec(part);
      if (!match) return { kind: "literal", value: part };
      const name = match[1] as string;
      return match[2] ? { kind: "rest", name } : { kind: "param", name };
    });
}

/** Why a path's template is malformed, or undefined when it is fine (or has no template). */
export function templateProblem(path: string): string | undefined {
  if (!path.includes("{") && !path.includes("}")) return undefined;
  const segments = parsePath(path);
  const names = new Set<string>();
  for (const [at, segment] of segments.entries()) {
    if (segment.kind === "literal") {
      if (/[{}]/.test(segment.value)) {
        return "may use `{` and `}` only for a whole segment `{name}` or a final `{name*}`, with names matching `[A-Za-z_][A-Za-z0-9_]*`";
      }
      continue;
    }
    if (segment.kind === "rest" && at !== segments.length - 1) {
      return `has \`{${segment.name}*}\` before the last segment; it may only end the path`;
    }
    if (names.has(segment.name)) return `uses the name \`${segment.name}\` twice`;
    names.add(segment.name);
  }
  return undefined;
}
