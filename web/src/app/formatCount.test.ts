import { expect, it } from "vitest";
import { formatCount } from "./formatCount";

it("formats counts as toLocaleString does, with the locale's grouping", () => {
  for (const value of [0, 7, 1234, 100_000, 1_234_567]) expect(formatCount(value)).toBe(value.toLocaleString());
});
