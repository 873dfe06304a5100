import type { Range } from "@tanstack/react-virtual";
import { describe, expect, it } from "vitest";
import { blockAlignedIndexes } from "./renderBlocks";

const range = (startIndex: number, endIndex: number, count = 1000, overscan = 8): Range => ({
  startIndex,
  endIndex,
  overscan,
  count,
});

describe("blockAlignedIndexes", () => {
  it("covers the visible rows plus the overscan, starting on a block boundary", () => {
    const indexes = blockAlignedIndexes(range(100, 130), 8);
    expect(indexes[0]).toBe(88); // 100 - 8 = 92, down to a multiple of 8
    // 31 shown + 2 x 8 overscan + 7 (the rounding above) = 54, up to 56 rows.
    expect(indexes).toEqual(Array.from({ length: 56 }, (_, i) => 88 + i));
    expect(indexes.at(-1)).toBeGreaterThanOrEqual(130 + 8);
  });

  it("keeps the same rows while the visible range moves within a block, both ends together", () => {
    const at = (start: number) => blockAlignedIndexes(range(start, start + 30), 8);
    for (let start = 97; start < 104; start++) expect(at(start)).toEqual(at(96));
    expect(at(104)[0]).toBe(96);
    expect(at(104).length).toBe(at(96).length);
    for (let start = 0; start < 200; start++) {
      const indexes = at(start);
      expect(indexes[0]).toBeLessThanOrEqual(Math.max(0, start - 8));
      expect(indexes.at(-1)).toBeGreaterThanOrEqual(start + 30 + 8);
    }
  });

  it("keeps its length when the visible range's length changes, given the most rows shown", () => {
    // 33 or 34 rows in part on screen: 33 + 16 + 7 = 56 rows, 34 + 16 + 7 = 57 → 64 rows.
    expect(blockAlignedIndexes(range(96, 128), 8).length).toBe(56);
    expect(blockAlignedIndexes(range(96, 129), 8).length).toBe(64);
    for (const end of [126, 127, 128, 129]) {
      expect(blockAlignedIndexes(range(96, end), 8, 34)).toEqual(Array.from({ length: 64 }, (_, i) => 88 + i));
    }
  });

  it("clamps to the list", () => {
    expect(blockAlignedIndexes(range(0, 20, 25), 8)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(blockAlignedIndexes(range(0, 0, 0), 8)).toEqual([]);
    expect(blockAlignedIndexes(range(3, 4, 5, 0), 8)).toEqual([0, 1, 2, 3, 4]);
  });
});
