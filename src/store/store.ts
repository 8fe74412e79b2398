import { ApiError, quote } from "../errors";
import type { JournalStore } from "./journal";

/**
 * The store interface. Features depend on this, never on a backend; every
 * backend passes the same contract suite (tests/store/contract.ts).
 */

export interface TocoUser {
  user: string;
  tocos: number;
}

export interface UserStore {
  /** All users, in seed order. */
  listUsers(): Promise<TocoUser[]>;
  /** Exact, case-sensitive lookup. */
  getUser(name: string): Promise<TocoUser | undefined>;
}

export const SEED_USERS: readonly TocoUser[] = Object.freeze([
  { user: "John", tocos: 100 },
  { user: "Sam", tocos: 200 },
  { user: "Cem", tocos: 300 },
]);

export interface MockResponse {
  code: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface EndpointAttributes {
  verb: string;
  path: string;
  response: MockResponse;
}

export interface Endpoint extends EndpointAttributes {
  id: string;
}

export interface EndpointStore {
  /** Every endpoint, in creation order. */
  list(): Promise<Endpoint[]>;
  get(id: string): Promise<Endpoint | undefined>;
  /** The mock answering `verb path`: one key read, never a scan. */
  findByRoute(verb: string, path: string): Promise<Endpoint | undefined>;
  /**
   * Throws RouteTakenError, or EndpointLimitError when the store already holds its limit
   * (given to the backend when it is opened: `config.echoMaxEndpoints`). Never leaves a
   * partial record.
   */
  create(attributes: EndpointAttributes): Promise<Endpoint>;
  /** Replaces the given attributes; undefined when the id is unknown. Throws RouteTakenError. */
  update(id: string, changes: Partial<EndpointAttributes>): Promise<Endpoint | undefined>;
  /** False when the id is unknown. */
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface Store {
  readonly kind: "sqlite" | "dynamodb";
  users: UserStore;
  endpoints: EndpointStore;
  /** The request journal; recording may be off (`journal.enabled`). */
  journal: JournalStore;
  close(): Promise<void>;
}

export class RouteTakenError extends ApiError {
  constructor(verb: string, path: string) {
    super(409, "conflict", `An endpoint for ${verb} ${quote(path)} already exists`, {
      pointer: "/data/attributes/path",
    });
  }
}

export class EndpointLimitError extends ApiError {
  constructor(limit: number) {
    super(
      422,
      "endpoint_limit_reached",
      `This service holds at most ${limit} endpoints; delete one before creating another`,
      { pointer: "/data" },
    );
  }
}
