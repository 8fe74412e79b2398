/**
 * A least-recently-used map bounded by the total size of its values (for strings, their
 * length). A value larger than the whole budget is not stored.
 */
export class SizeBoundedLru<K, V> {
  readonly #entries = new Map<K, { value: V; size: number }>();
  #totalSize = 0;

  constructor(
    readonly capacity: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Map iterates in insertion order, so re-inserting marks the entry most recent.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const size = this.sizeOf(value);
    if (size > this.capacity) return;
    this.#entries.set(key, { value, size });
    this.#totalSize += size;
    for (const [oldestKey, oldest] of this.#entries) {
      if (this.#totalSize <= this.capacity) break;
      this.#entries.delete(oldestKey);
      this.#totalSize -= oldest.size;
    }
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#totalSize -= entry.size;
    return true;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Keys from least to most recently used. */
  keys(): K[] {
    return [...this.#entries.keys()];
  }

  get count(): number {
    return this.#entries.size;
  }

  get totalSize(): number {
    return this.#totalSize;
  }
}
