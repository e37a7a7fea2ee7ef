/** A small TTL cache for DNS answers (positive and negative), bounded in entries. */

export interface CacheEntry {
  /** Addresses, or `[]` for a cached negative answer. */
  addresses: string[];
  /** Response code for negative entries (`NXDOMAIN`, `NODATA`). */
  rcode: string;
  /** Epoch milliseconds after which the entry is stale. */
  expires: number;
}

export interface TtlCache {
  get(key: string): CacheEntry | undefined;
  set(key: string, entry: CacheEntry): void;
  clear(): void;
  readonly size: number;
}

export function createTtlCache(maxEntries: number, now: () => number = Date.now): TtlCache {
  const entries = new Map<string, CacheEntry>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry;
    },
    set(key, entry) {
      if (entry.expires <= now() || maxEntries <= 0) return;
      entries.delete(key);
      entries.set(key, entry);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
