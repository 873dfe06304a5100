import { describe, expect, it } from "vitest";
import type { Row } from "./protocol";
import { keepEqual, keepUnchangedRows } from "./stableRows";

const pod = (uid: string, restarts: number, extra: Partial<Row> = {}): Row => ({ uid, name: uid, restarts, ...extra });

describe("keepUnchangedRows", () => {
  it("keeps the previous object of an equal row and takes the new one of a changed row", () => {
    const previous = [pod("a", 0), pod("b", 1), pod("c", 2)];
    const next = [pod("b", 1), pod("a", 5), pod("d", 0)];
    const rows = keepUnchangedRows(previous, next);
    expect(rows[0]).toBe(previous[1]); // moved but equal: kept
    expect(rows[1]).toBe(next[1]); // restarts changed
    expect(rows[1]!.restarts).toBe(5);
    expect(rows[2]).toBe(next[2]); // new uid
  });

  it("compares nested cells by value and notices added or removed columns", () => {
    const previous = [pod("a", 0, { labels: { app: "web" } }), pod("b", 0)];
    const rows = keepUnchangedRows(previous, [pod("a", 0, { labels: { app: "web" } }), pod("b", 0, { node: "n1" })]);
    expect(rows[0]).toBe(previous[0]);
    expect(rows[1]).not.toBe(previous[1]);
    expect(rows[1]!.node).toBe("n1");
    const changedLabels = keepUnchangedRows(previous, [pod("a", 0, { labels: { app: "api" } })]);
    expect(changedLabels[0]!.labels).toEqual({ app: "api" });
  });

  it("returns the new array itself when there is nothing to keep", () => {
    const next = [pod("a", 1)];
    expect(keepUnchangedRows(undefined, next)).toBe(next);
    expect(keepUnchangedRows([pod("a", 0)], next)).toBe(next);
  });
});

describe("keepEqual", () => {
  it("keeps the previous value when the new one holds the same values, else takes the new one", () => {
    const previous = [{ id: "pods@*", state: "live", items: 3 }];
    expect(keepEqual(previous, [{ id: "pods@*", state: "live", items: 3 }])).toBe(previous);
    const changed = [{ id: "pods@*", state: "live", items: 4 }];
    expect(keepEqual(previous, changed)).toBe(changed);
    const first: Array<{ id: string }> = [];
    expect(keepEqual(undefined, first)).toBe(first);
  });
});
