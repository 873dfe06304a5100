import { describe, expect, it } from "vitest";
import { ageText, humanDuration } from "./age";

describe("humanDuration matches kubectl's HumanDuration", () => {
  it.each([
    [5, "5s"],
    [119, "119s"],
    [120, "2m"],
    [150, "2m30s"],
    [600, "10m"],
    [179 * 60, "179m"],
    [3 * 3600, "3h"],
    [3 * 3600 + 25 * 60, "3h25m"],
    [8 * 3600, "8h"],
    [47 * 3600, "47h"],
    [2 * 86400 + 5 * 3600, "2d5h"],
    [8 * 86400, "8d"],
    [400 * 86400, "400d"],
    [3 * 365 * 86400 + 20 * 86400, "3y20d"],
    [10 * 365 * 86400, "10y"],
  ])("%i s -> %s", (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });

  it("reads unix creation seconds against now and ignores non-numbers", () => {
    expect(ageText(1_000, 1_090_000)).toBe("90s");
    expect(ageText(1_000, 1_000_000 + 3 * 86_400_000)).toBe("3d");
    expect(ageText(undefined, 0)).toBe("");
    expect(ageText("x", 0)).toBe("");
  });
});
