import { describe, expect, it } from "bun:test";
import { createUserSnapshot } from "../../../src/features/tocos";
import type { TocoUser, UserStore } from "../../../src/store/store";

/** A user store whose contents and failures the test controls, counting its reads. */
function scriptedUsers(initial: TocoUser[]) {
  const state = { users: initial, reads: 0, failing: false };
  const users: UserStore = {
    async listUsers() {
      state.reads++;
      if (state.failing) throw new Error("store down");
      return state.users;
    },
    async getUser(name) {
      return state.users.find((u) => u.user === name);
    },
  };
  return { state, users };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the users snapshot", () => {
  it("reads the store once, then serves the same bytes until the TTL passes", async () => {
    let now = 0;
    const { state, users } = scriptedUsers([{ user: "Sam", tocos: 1 }]);
    const snapshot = createUserSnapshot({ users, ttlMs: 60_000, now: () => now });
    expect(text((await snapshot.current()).list)).toBe('[{"user":"Sam","tocos":1}]');
    now = 59_999;
    const again = snapshot.current();
    expect(again instanceof Promise).toBe(false);
    expect(state.reads).toBe(1);
  });

  it("shows an edit in the store once the TTL has passed", async () => {
    let now = 0;
    const { state, users } = scriptedUsers([{ user: "Sam", tocos: 1 }]);
    const snapshot = createUserSnapshot({ users, ttlMs: 60_000, now: () => now });
    await snapshot.current();
    state.users = [{ user: "Sam", tocos: 2 }];
    now = 60_000;
    // The expired snapshot is served while the store is read again.
    expect(text((await snapshot.current()).list)).toBe('[{"user":"Sam","tocos":1}]');
    await settle();
    expect(text((await snapshot.current()).byName.get("Sam") ?? new Uint8Array())).toBe(
      '{"user":"Sam","tocos":2}',
    );
    expect(state.reads).toBe(2);
  });

  it("keeps the previous snapshot when a re-read fails, and tries again a TTL later", async () => {
    let now = 0;
    const errors: unknown[] = [];
    const { state, users } = scriptedUsers([{ user: "Sam", tocos: 1 }]);
    const snapshot = createUserSnapshot({
      users,
      ttlMs: 1_000,
      now: () => now,
      onRefreshError: (error) => errors.push(error),
    });
    await snapshot.current();
    state.failing = true;
    now = 1_000;
    snapshot.current();
    await settle();
    expect(errors).toHaveLength(1);
    now = 1_500;
    expect(text((await snapshot.current()).list)).toBe('[{"user":"Sam","tocos":1}]');
    expect(state.reads).toBe(2);
    now = 2_000;
    snapshot.current();
    await settle();
    expect(state.reads).toBe(3);
  });

  it("fails the first request when the store cannot be read at all", async () => {
    const { state, users } = scriptedUsers([]);
    state.failing = true;
    const snapshot = createUserSnapshot({ users, ttlMs: 60_000 });
    await expect(Promise.resolve(snapshot.current())).rejects.toThrow("store down");
  });

  it("reads the store on every request with a TTL of zero", async () => {
    const { state, users } = scriptedUsers([{ user: "Sam", tocos: 1 }]);
    const snapshot = createUserSnapshot({ users, ttlMs: 0 });
    await snapshot.current();
    await snapshot.current();
    expect(state.reads).toBe(2);
  });
});
