import { SEED_USERS, type TocoUser, type UserStore } from "./store";

export function memoryUserStore(seed: readonly TocoUser[] = SEED_USERS): UserStore {
  const byName = new Map(seed.map((u) => [u.user, u]));
  return {
    listUsers: async () => seed.map((u) => ({ ...u })),
    getUser: async (name) => {
      const found = byName.get(name);
      return found ? { ...found } : undefined;
    },
  };
}
