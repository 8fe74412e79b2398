import { Memoirist } from "memoirist";
import { HTTP_METHODS } from "./http-methods";

export interface RouteDefinition {
  method: string;
  path: string;
}

/**
 * Which methods the service's own routes answer at a path, for `Allow` on 405 and OPTIONS.
 * Consulted only when a request found no route, and built on first use, once every route exists.
 * Catch-all routes (method `ALL`, like the mock route) are left out: they own no method.
 */
export function createAllowedMethods(routes: () => readonly RouteDefinition[]) {
  let router: Memoirist<string[]> | undefined;

  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const { method, path } of routes()) {
      if (method === "ALL") continue;
      const methods = byPath.get(path) ?? new Set<string>();
      methods.add(method);
      if (method === "GET") methods.add("HEAD");
      methods.add("OPTIONS");
      byPath.set(path, methods);
    }
    const built = new Memoirist<string[]>();
    for (const [path, methods] of byPath) {
      const allowed = HTTP_METHODS.filter((m) => methods.has(m));
      // The framework also matches a path with a trailing slash added.
      for (const variant of path === "/" ? [path] : [path, `${path}/`]) {
        built.add("ANY", variant, allowed, { ignoreError: true });
      }
    }
    return built;
  };

  /** The methods allowed at `path`, in a fixed order; empty when no route of the service is there. */
  return (path: string): readonly string[] => {
    router ??= build();
    return router.find("ANY", path)?.store ?? [];
  };
}

export type AllowedMethods = ReturnType<typeof createAllowedMethods>;
