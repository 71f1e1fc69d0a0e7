// A least-recently-used cache bounded by bytes. It keeps the backbone passes of the reference and
// of recently viewed targets (issue 15 item 4), so a prompt edit or a correction re-runs only the
// similarity and the head, and an editing session that tries many prompts holds a fixed amount of
// memory, whatever the number of strokes.

export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private used = 0;

  constructor(
    /** Upper bound of the values' summed sizes; a value larger than this is not kept. */
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value under `key`, now the most recently used one. */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e); // Map keeps insertion order: the last entry is the most recent
    return e.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    for (const [k] of this.entries) {
      if (this.used + bytes <= this.maxBytes) break;
      this.delete(k);
    }
    this.entries.set(key, { value, bytes });
    this.used += bytes;
  }

  /** The cached value, or `make()`'s (then kept). */
  async getOrMake(key: string, make: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = await make();
    this.set(key, value);
    return value;
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.used -= e.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}
