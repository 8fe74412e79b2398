import type { TocoUser, UserStore } from "../../store/store";

/**
 * The users as pre-serialised JSON bytes. No route writes them, so they are read once and
 * re-read when `ttlMs` has passed, which lets an operator's edit in the store show up.
 * An expired snapshot is still served while the re-read runs, and kept when it fails.
 */

export interface UsersJson {
  /** The whole list, in seed order. */
  list: Uint8Array;
  /** One user's object, by exact name. */
  byName: ReadonlyMap<string, Uint8Array>;
}

export interface UserSnapshotOptions {
  users: UserStore;
  ttlMs: number;
  now?: () => number;
  /** A re-read failed; the previous snapshot is kept. */
  onRefreshError?: (error: unknown) => void;
}

export interface UserSnapshot {
  /** The current bytes; only the very first call, or one with a zero TTL, waits for the store. */
  current(): UsersJson | Promise<UsersJson>;
}

const encoder = new TextEncoder();

export function serialiseUsers(users: readonly TocoUser[]): UsersJson {
  const byName = new Map<string, Uint8Array>();
  for (const user of users) byName.set(user.user, encoder.encode(JSON.stringify(user)));
  return { list: encoder.encode(JSON.stringify(users)), byName };
}

export function createUserSnapshot(options: UserSnapshotOptions): UserSnapshot {
  const { users, ttlMs, now = Date.now, onRefreshError } = options;
  let snapshot: UsersJson | undefined;
  let readAt = 0;
  let reading: Promise<UsersJson> | undefined;

  const read = (): Promise<UsersJson> => {
    reading ??= users
      .listUsers()
      .then((list) => {
        snapshot = serialiseUsers(list);
        readAt = now();
        return snapshot;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  return {
    current() {
      if (snapshot === undefined || ttlMs === 0) return read();
      if (now() - readAt >= ttlMs && reading === undefined) {
        read().catch((error: unknown) => {
          // Try again after another TTL, not on every request while the store is down.
          readAt = now();
          onRefreshError?.(error);
        });
      }
      return snapshot;
    },
  };
}
