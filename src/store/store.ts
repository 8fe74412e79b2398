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

/** Milliseconds, or a uniform range. */
export type MockDelay = number | { min: number; max: number };

export interface MockResponse {
  code: number;
  headers?: Record<string, string>;
  body?: string;
  /** Body and header values are Handlebars templates. */
  template?: boolean;
  delay?: MockDelay;
  /** Close the connection with no response. */
  fault?: "close";
  /** In `responses` with `order: "random"`: the relative chance of this one. */
  weight?: number;
}

export type BodyCondition = { contains: string } | { equals: string } | { json: unknown };

export interface RequestConditions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: BodyCondition;
}

export type ResponseOrder = "sequence" | "cycle" | "random";

export interface EndpointAttributes {
  verb: string;
  /** Normalised by the caller; may hold `{name}` segments and a final `{name*}`. */
  path: string;
  request?: RequestConditions;
  priority?: number;
  /** Exactly one of `response` and `responses` is present. */
  response?: MockResponse;
  responses?: MockResponse[];
  order?: ResponseOrder;
}

export interface Endpoint extends EndpointAttributes {
  id: string;
}

/** What a change replaces: `response` and `responses` (with `order`) replace each other. */
export function mergeAttributes(
  current: EndpointAttributes,
  changes: Partial<EndpointAttributes>,
): EndpointAttributes {
  const merged: EndpointAttributes = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[name] = value;
  }
  if (changes.response !== undefined) {
    delete merged.responses;
    delete merged.order;
  }
  if (changes.responses !== undefined) delete merged.response;
  return structuredClone(merged);
}

/** JSON with object keys sorted, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const TEMPLATE_NAME = /\{[A-Za-z_][A-Za-z0-9_]*(\*?)\}/g;

/**
 * What two endpoints of one verb must not share (409): the path with template names dropped,
 * the request conditions (header names ignoring case) and the priority. For an endpoint with
 * neither conditions nor priority it is the path itself, as before templates existed.
 */
export function routeKey({ path, request, priority }: EndpointAttributes): string {
  const shape = path.replace(TEMPLATE_NAME, "{$1}");
  const conditions = request && Object.keys(request).length > 0 ? request : undefined;
  if (conditions === undefined && (priority ?? 0) === 0) return shape;
  const headers =
    conditions?.headers &&
    Object.fromEntries(Object.entries(conditions.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonical = canonicalJson({ ...conditions, headers, priority: priority ?? 0 });
  return `${shape} ${canonical}`;
}

export interface EndpointStore {
  /** Every endpoint, in creation order. */
  list(): Promise<Endpoint[]>;
  get(id: string): Promise<Endpoint | undefined>;
  /**
   * The endpoint whose route key (see `routeKey`) is `verb path`: for a plain mock, the one at that
   * exact path. One key read, never a scan.
   */
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
  /**
   * A token that changes whenever any endpoint is created, changed or deleted, through this store
   * or another instance on the same backing store. Cheap: read before serving each mock.
   */
  version(): Promise<string>;
  /**
   * Counts one more hit of the endpoint and returns the count (1 for the first hit since it was
   * created or last updated); undefined when the id is unknown. One atomic write.
   */
  hit(id: string): Promise<number | undefined>;
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
