// Conditional GETs for screens that poll pages: each URL's ETag and parsed body are kept, the
// next request sends If-None-Match, and a 304 hands back the kept body without re-reading
// anything (the server answers 304 before building the page). Bounded: at most `capacity`
// URLs, the least recently used evicted first and counted.

import { errorFromResponse } from "./api";

export interface Revalidated<T> {
  body: T;
  /** The server answered 304: `body` is the one kept from before. */
  notModified: boolean;
}

interface Entry {
  etag: string;
  body: unknown;
}

export const REVALIDATE_CAPACITY = 128;

export class RevalidatingFetcher {
  private readonly entries = new Map<string, Entry>();
  /** Bodies dropped to stay within capacity. */
  evictions = 0;
  notModified = 0;
  fetched = 0;

  constructor(readonly capacity = REVALIDATE_CAPACITY) {}

  get size(): number {
    return this.entries.size;
  }

  async get<T>(url: string, signal?: AbortSignal): Promise<Revalidated<T>> {
    const kept = this.entries.get(url);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (kept) headers["If-None-Match"] = kept.etag;
    // no-store: the browser's own cache would answer 304s for us and hide them.
    const response = await fetch(url, { headers, signal, cache: "no-store" });
    if (response.status === 304 && kept) {
      this.touch(url, kept);
      this.notModified += 1;
      return { body: kept.body as T, notModified: true };
    }
    if (!response.ok) throw await errorFromResponse(response);
    const body = (await response.json()) as T;
    this.fetched += 1;
    const etag = response.headers.get("ETag");
    if (etag) this.touch(url, { etag, body });
    else this.entries.delete(url);
    return { body, notModified: false };
  }

  private touch(url: string, entry: Entry): void {
    this.entries.delete(url);
    this.entries.set(url, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
      this.evictions += 1;
    }
  }
}

/** One fetcher for the tab: screens polling the same page share its kept bodies. */
export const pageFetcher = new RevalidatingFetcher();
