/**
 * A bounded map whose entries expire on the sim clock. All entries of one map share a TTL, so
 * insertion order is expiry order: expired entries are swept from the front on every insert
 * (amortised O(1)) and checked on every read, and no timer is needed. When the map is full the
 * oldest entry is dropped.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Stores `value` until now + ttl; returns that expiry instant. */
  set(key: string, value: V): number {
    const now = this.now();
    this.sweep(now);
    const expiresAt = now + this.ttlMs;
    this.#entries.delete(key); // re-inserting moves it to the back (its new expiry)
    this.#entries.set(key, { value, expiresAt });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return expiresAt;
  }

  /** The live value, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Removes and returns the live value (single use). */
  take(key: string): V | undefined {
    const v = this.get(key);
    if (v !== undefined) this.#entries.delete(key);
    return v;
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Drops expired entries from the front. */
  sweep(now = this.now()): void {
    for (const [k, e] of this.#entries) {
      if (e.expiresAt > now) break;
      this.#entries.delete(k);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
