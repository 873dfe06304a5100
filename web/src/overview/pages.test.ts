import { afterEach, expect, it, vi } from "vitest";
import type { Row } from "../live/protocol";
import { RevalidatingFetcher } from "../app/revalidate";
import { json, stubFetch } from "../app/testing/fakeApi";
import { fetchCount, fetchRows, PAGE_LIMIT } from "./pages";

afterEach(() => vi.unstubAllGlobals());

const rows = (from: number, count: number): Row[] => Array.from({ length: count }, (_, i) => ({ uid: `u${from + i}`, name: `p${from + i}` }));

it("pages through a view 1000 rows at a time up to the cap, keeping the first page's sources", async () => {
  const total = 2500;
  const calls = stubFetch((url) => {
    const offset = Number(url.searchParams.get("offset"));
    const limit = Number(url.searchParams.get("limit"));
    return json({ total, offset, rows: rows(offset, Math.max(0, Math.min(limit, total - offset))), sources: [{ id: `pods@${offset}`, state: "live" }], warnings: [] });
  });
  const fetcher = new RevalidatingFetcher();
  const all = await fetchRows(fetcher, "c 1", "pods", { "facet.status": "Running" }, 5000);
  expect(all.rows.length).toBe(2500);
  expect(all.total).toBe(2500);
  expect(all.sources).toEqual([{ id: "pods@0", state: "live" }]);
  expect(calls.map((c) => `${c.url.pathname}?${c.url.searchParams}`)).toEqual([
    "/api/v1/clusters/c%201/views/pods?facet.status=Running&offset=0&limit=1000",
    "/api/v1/clusters/c%201/views/pods?facet.status=Running&offset=1000&limit=1000",
    "/api/v1/clusters/c%201/views/pods?facet.status=Running&offset=2000&limit=1000",
  ]);

  const capped = await fetchRows(fetcher, "c 1", "pods", {}, 1200);
  expect(capped.rows.length).toBe(1200);
  expect(capped.total).toBe(2500);
  expect(calls.at(-1)!.url.searchParams.get("limit")).toBe("200");
  expect(PAGE_LIMIT).toBe(1000);
});

it("counts with limit=0 and keeps browse views' slashes in the path", async () => {
  const calls = stubFetch(() => json({ total: 42, offset: 0, rows: [], sources: [{ id: "gadgets@*", state: "live" }], warnings: [] }));
  const count = await fetchCount(new RevalidatingFetcher(), "admin", "browse/example.com/v1/gadgets", { "facet.status": "A,B" });
  expect(count).toEqual({ total: 42, sources: [{ id: "gadgets@*", state: "live" }] });
  expect(calls[0]!.url.pathname).toBe("/api/v1/clusters/admin/views/browse/example.com/v1/gadgets");
  expect(calls[0]!.url.searchParams.get("limit")).toBe("0");
  expect(calls[0]!.url.searchParams.get("facet.status")).toBe("A,B");
});
