// The heatmaps last shown, per photo and map, as object URLs. A prompt edit makes every result
// stale at once; the previous map stays on screen (dimmed) until the new one arrives, instead of a
// blank view and a spinner (issue 15 item 4). Bounded: the least recently shown go first.

export interface KeptMap {
  /** The photo's version the map was made for (PhotoInfo.version). */
  version: number;
  url: string;
}

export class KeptMaps {
  private readonly maps = new Map<string, KeptMap>();

  constructor(
    private readonly max = 32,
    private readonly urls: { create(blob: Blob): string; revoke(url: string): void } = {
      create: (b) => URL.createObjectURL(b),
      revoke: (u) => URL.revokeObjectURL(u),
    },
  ) {}

  get size(): number {
    return this.maps.size;
  }

  /** Some map of this photo is kept. */
  has(photoId: string): boolean {
    for (const key of this.maps.keys()) if (key.startsWith(`${photoId}|`)) return true;
    return false;
  }

  /** The map last kept for this photo and asset (any version), now the most recently used. */
  last(photoId: string, asset: string): KeptMap | undefined {
    const key = `${photoId}|${asset}`;
    const m = this.maps.get(key);
    if (m) {
      this.maps.delete(key);
      this.maps.set(key, m);
    }
    return m;
  }

  /** Keeps a loaded map; the one it replaces and the oldest beyond the bound are released. Returns its URL. */
  keep(photoId: string, asset: string, version: number, blob: Blob): string {
    const key = `${photoId}|${asset}`;
    const old = this.maps.get(key);
    if (old) {
      this.urls.revoke(old.url);
      this.maps.delete(key);
    }
    const url = this.urls.create(blob);
    this.maps.set(key, { version, url });
    for (const [k, m] of this.maps) {
      if (this.maps.size <= this.max) break;
      this.urls.revoke(m.url);
      this.maps.delete(k);
    }
    return url;
  }
}
