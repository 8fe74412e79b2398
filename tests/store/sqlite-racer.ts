import { openSqliteStore } from "../../src/store/sqlite";
import { RouteTakenError } from "../../src/store/store";

/**
 * A worker thread with its own SQLite connection: it opens the file it is given, tries to
 * create the same route `count` times at once, and reports how each attempt ended.
 */

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ path: string; racer: number; count: number }>) => {
  const { path, racer, count } = event.data;
  const store = await openSqliteStore({ path, maxEndpoints: 100, busyTimeoutMs: 20_000 });
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      store.endpoints.create({
        verb: "GET",
        path: "/contested",
        response: { code: 200, body: `racer ${racer}.${i}` },
      }),
    ),
  );
  await store.close();
  self.postMessage(
    results.map((r) =>
      r.status === "fulfilled"
        ? "created"
        : r.reason instanceof RouteTakenError
          ? "taken"
          : `${r.reason}`,
    ),
  );
};
