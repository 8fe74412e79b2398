import { parsePath, type Segment } from "./paths";

/**
 * The in-process index of mocks: a radix tree on path segments, so finding the candidates for a
 * request walks the request's segments, whatever the number of mocks. Pure: it holds any value.
 *
 * Precedence (higher first): priority, then path specificity (segment by segment from the left:
 * a literal beats `{x}`, which beats `{x*}`), then the number of conditions, then age (older first).
 */

export interface Route<T> {
  verb: string;
  path: string;
  priority: number;
  conditionCount: number;
  /** Position in creation order: lower is older. */
  age: number;
  value: T;
}

interface Entry<T> extends Route<T> {
  segments: Segment[];
  /** One rank per segment: 2 literal, 1 `{x}`, 0 `{x*}`. */
  specificity: number[];
}

interface Node<T> {
  literals: Map<string, Node<T>>;
  param?: Node<T>;
  /** Routes ending here, by verb, best first. */
  here: Map<string, Entry<T>[]>;
  /** Routes whose `{x*}` starts here, by verb, best first. */
  rest: Map<string, Entry<T>[]>;
}

export interface Candidate<T> {
  route: Route<T>;
  params: Record<string, string>;
}

const newNode = <T>(): Node<T> => ({ literals: new Map(), here: new Map(), rest: new Map() });

const RANK = { literal: 2, param: 1, rest: 0 } as const;

function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  }
  return 0;
}

/** Positive when `a` wins over `b`. */
function precedence<T>(a: Entry<T>, b: Entry<T>): number {
  return (
    a.priority - b.priority ||
    compareSpecificity(a.specificity, b.specificity) ||
    a.conditionCount - b.conditionCount ||
    b.age - a.age
  );
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A group of routes sharing one path shape that match the request, with what they captured. */
interface Group<T> {
  entries: Entry<T>[];
  captured: string[];
  restFrom?: number;
}

export class RouteIndex<T> {
  private readonly root = newNode<T>();
  size = 0;

  add(route: Route<T>): void {
    const segments = parsePath(route.path);
    const entry: Entry<T> = { ...route, segments, specificity: segments.map((s) => RANK[s.kind]) };
    let node = this.root;
    let list: Map<string, Entry<T>[]> | undefined;
    for (const segment of segments) {
      if (segment.kind === "rest") {
        list = node.rest;
        break;
      }
      let next = segment.kind === "literal" ? node.literals.get(segment.value) : node.param;
      if (!next) {
        next = newNode<T>();
        if (segment.kind === "literal") node.literals.set(segment.value, next);
        else node.param = next;
      }
      node = next;
    }
    list ??= node.here;
    const entries = list.get(route.verb) ?? [];
    entries.push(entry);
    entries.sort((a, b) => precedence(b, a));
    list.set(route.verb, entries);
    this.size++;
  }

  /**
   * The best route for `verb` at `segments` (the request path split on `/`, without the leading
   * empty part) whose conditions `accepts` says hold; undefined when none.
   */
  async find(
    verb: string,
    segments: string[],
    accepts: (value: T) => boolean | Promise<boolean>,
  ): Promise<Candidate<T> | undefined> {
    const groups: Group<T>[] = [];
    this.collect(this.root, verb, segments, 0, [], groups);
    let best: { entry: Entry<T>; group: Group<T> } | undefined;
    for (const group of groups) {
      for (const entry of group.entries) {
        if (best && precedence(entry, best.entry) <= 0) break;
        if (await accepts(entry.value)) {
          best = { entry, group };
          break;
        }
      }
    }
    if (!best) return undefined;
    return { route: best.entry, params: paramsOf(best.entry, best.group, segments) };
  }

  private collect(
    node: Node<T>,
    verb: string,
    segments: string[],
    at: number,
    captured: string[],
    groups: Group<T>[],
  ): void {
    if (at < segments.length) {
      const rest = node.rest.get(verb);
      if (rest) groups.push({ entries: rest, captured: [...captured], restFrom: at });
      const segment = segments[at] as string;
      const literal = node.literals.get(segment);
      if (literal) this.collect(literal, verb, segments, at + 1, captured, groups);
      if (node.param && segment !== "") {
        captured.push(segment);
        this.collect(node.param, verb, segments, at + 1, captured, groups);
        captured.pop();
      }
      return;
    }
    const here = node.here.get(verb);
    if (here) groups.push({ entries: here, captured: [...captured] });
  }
}

function paramsOf<T>(entry: Entry<T>, group: Group<T>, segments: string[]): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  let next = 0;
  for (const segment of entry.segments) {
    if (segment.kind === "param") params[segment.name] = decode(group.captured[next++] ?? "");
    else if (segment.kind === "rest") {
      params[segment.name] = segments.slice(group.restFrom).map(decode).join("/");
    }
  }
  return params;
}
