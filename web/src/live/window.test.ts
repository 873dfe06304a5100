import { describe, expect, it } from "vitest";
import { planWindow, rowsCover, windowAround, windowCovers } from "./window";

const policy = { overscan: 60, maxLimit: 1000 };

describe("window planning", () => {
  it("pads the visible range by the overscan on both sides", () => {
    expect(windowAround({ start: 4000, end: 4030 }, policy)).toEqual({ offset: 3940, limit: 150 });
  });

  it("clamps at the top of the list", () => {
    expect(windowAround({ start: 10, end: 40 }, policy)).toEqual({ offset: 0, limit: 150 });
  });

  it("never asks for more than the server's page limit", () => {
    expect(windowAround({ start: 0, end: 5000 }, policy).limit).toBe(1000);
  });

  it("keeps the window while the visible range stays inside it with margin", () => {
    const current = { offset: 3940, limit: 150 };
    expect(planWindow(current, { start: 4010, end: 4040 }, policy)).toBeNull();
    expect(windowCovers(current, { start: 3970, end: 4000 }, policy)).toBe(true);
  });

  it("asks rows for a margin on each side but at the list's top and, given the total, its end", () => {
    expect(rowsCover(100, 200, { start: 120, end: 180 }, 20)).toBe(true);
    expect(rowsCover(100, 200, { start: 119, end: 180 }, 20)).toBe(false);
    expect(rowsCover(100, 200, { start: 120, end: 181 }, 20)).toBe(false);
    expect(rowsCover(0, 200, { start: 0, end: 180 }, 20)).toBe(true);
    expect(rowsCover(100, 200, { start: 150, end: 200 }, 20)).toBe(false);
    expect(rowsCover(100, 200, { start: 150, end: 200 }, 20, 200)).toBe(true);
  });

  it("re-centres when scrolling nears the window's edge", () => {
    const current = { offset: 3940, limit: 150 };
    expect(planWindow(current, { start: 4040, end: 4070 }, policy)).toEqual({
      offset: 3980,
      limit: 150,
    });
    expect(planWindow(current, { start: 3960, end: 3990 }, policy)).toEqual({
      offset: 3900,
      limit: 150,
    });
  });

  it("jumps straight to a far position", () => {
    expect(planWindow({ offset: 0, limit: 150 }, { start: 99_970, end: 100_000 }, policy)).toEqual({
      offset: 99_910,
      limit: 150,
    });
  });

  it("does not re-plan at the top edge where there is nothing above", () => {
    expect(planWindow({ offset: 0, limit: 150 }, { start: 0, end: 30 }, policy)).toBeNull();
  });
});
