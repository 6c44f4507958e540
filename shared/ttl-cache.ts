// A small per-isolate cache for settings read on every job: entries live `ttlMs`, and the oldest
// entry goes first when `maxEntries` is reached, so many tenants cannot grow an isolate's memory.
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1_000,
  ) {}

  get(key: string, now: number): V | undefined {
    const hit = this.entries.get(key);
    return hit && now - hit.at < this.ttlMs ? hit.value : undefined;
  }

  set(key: string, value: V, now: number): void {
    // Re-inserting moves the key to the end: Map order is insertion order, oldest first.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { at: now, value });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
