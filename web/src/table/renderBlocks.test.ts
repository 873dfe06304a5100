import { describe, expect, it } from "vitest";
import { neededSpan, spanAhead, spanCovers } from "./renderBlocks";

describe("neededSpan", () => {
  it("covers the visible rows plus the overscan, starting on a block boundary", () => {
    const span = neededSpan(100, 131, 1000, 8, 8);
    expect(span.first).toBe(88); // 100 - 8 = 92, down to a multiple of 8
    // 31 shown + 2 x 8 overscan + 7 (the rounding above) = 54, up to 56 rows.
    expect(span).toEqual({ first: 88, end: 144 });
    expect(span.end).toBeGreaterThanOrEqual(131 + 8);
  });

  it("keeps the same rows while the visible range moves within a block, both ends together", () => {
    const at = (start: number) => neededSpan(start, start + 31, 1000, 8, 8);
    for (let start = 97; start < 104; start++) expect(at(start)).toEqual(at(96));
    expect(at(104).first).toBe(96);
    expect(at(104).end - at(104).first).toBe(at(96).end - at(96).first);
    for (let start = 0; start < 200; start++) {
      const span = at(start);
      expect(span.first).toBeLessThanOrEqual(Math.max(0, start - 8));
      expect(span.end).toBeGreaterThanOrEqual(start + 31 + 8);
    }
  });

  it("clamps to the list", () => {
    expect(neededSpan(0, 21, 25, 8, 8)).toEqual({ first: 0, end: 25 });
    expect(neededSpan(0, 0, 0, 8, 8)).toEqual({ first: 0, end: 0 });
    expect(neededSpan(3, 5, 5, 0, 8)).toEqual({ first: 0, end: 5 });
  });
});

describe("spanAhead", () => {
  const need = { first: 88, end: 144 };

  it("adds blocks on the side the table scrolls towards, none when still", () => {
    expect(spanAhead(need, "forward", 1000, 1, 8)).toEqual({ first: 88, end: 152 });
    expect(spanAhead(need, "backward", 1000, 2, 8)).toEqual({ first: 72, end: 144 });
    expect(spanAhead(need, null, 1000, 1, 8)).toEqual(need);
  });

  it("clamps to the list", () => {
    expect(spanAhead(need, "forward", 148, 1, 8)).toEqual({ first: 88, end: 148 });
    expect(spanAhead({ first: 0, end: 40 }, "backward", 1000, 1, 8)).toEqual({ first: 0, end: 40 });
  });
});

describe("spanCovers", () => {
  it("holds when the inner span lies within the outer one", () => {
    expect(spanCovers({ first: 80, end: 152 }, { first: 88, end: 144 })).toBe(true);
    expect(spanCovers({ first: 88, end: 144 }, { first: 88, end: 144 })).toBe(true);
    expect(spanCovers({ first: 88, end: 144 }, { first: 96, end: 152 })).toBe(false);
  });
});
