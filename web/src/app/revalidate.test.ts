import { afterEach, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { RevalidatingFetcher } from "./revalidate";
import { apiError, json, stubFetch } from "./testing/fakeApi";

afterEach(() => vi.unstubAllGlobals());

it("sends If-None-Match once it has an ETag and reuses the kept body on 304", async () => {
  let version = 1;
  const calls = stubFetch((_url, call) => {
    const etag = `"v${version}"`;
    if (call.headers["If-None-Match"] === etag) return new Response(null, { status: 304 });
    return json({ total: version }, 200, { ETag: etag });
  });
  const fetcher = new RevalidatingFetcher(4);
  expect(await fetcher.get("/p")).toEqual({ body: { total: 1 }, notModified: false });
  expect(calls[0]!.headers["If-None-Match"]).toBeUndefined();
  expect(await fetcher.get("/p")).toEqual({ body: { total: 1 }, notModified: true });
  expect(calls[1]!.headers["If-None-Match"]).toBe('"v1"');
  version = 2;
  expect(await fetcher.get("/p")).toEqual({ body: { total: 2 }, notModified: false });
  expect(calls[2]!.headers["If-None-Match"]).toBe('"v1"');
  expect([fetcher.fetched, fetcher.notModified]).toEqual([2, 1]);
});

it("keeps at most `capacity` URLs, evicting the least recently used and counting it", async () => {
  const calls = stubFetch((url) => json({ path: url.pathname }, 200, { ETag: `"${url.pathname}"` }));
  const fetcher = new RevalidatingFetcher(2);
  await fetcher.get("/a");
  await fetcher.get("/b");
  await fetcher.get("/a"); // /a is now the most recent
  await fetcher.get("/c"); // evicts /b
  expect(fetcher.size).toBe(2);
  expect(fetcher.evictions).toBe(1);
  await fetcher.get("/b");
  expect(calls.at(-1)!.headers["If-None-Match"]).toBeUndefined();
  await fetcher.get("/c");
  expect(calls.at(-1)!.headers["If-None-Match"]).toBe('"/c"');
});

it("turns the error envelope into an ApiError and forgets nothing on failure", async () => {
  stubFetch(() => apiError(403, "Forbidden", 'nodes is forbidden: User "jane" cannot list resource "nodes"'));
  const fetcher = new RevalidatingFetcher();
  const failure = await fetcher.get("/nodes").catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ApiError);
  expect((failure as ApiError).status).toBe(403);
  expect((failure as ApiError).message).toBe('Forbidden: nodes is forbidden: User "jane" cannot list resource "nodes"');
  expect(fetcher.size).toBe(0);
});
