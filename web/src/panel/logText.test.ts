import { expect, it } from "vitest";
import { compileRegex, highlight, prettyJson, regexError, sourceSlot, splitTerms } from "./logText";

it("marks every occurrence of the terms and the regex, merging overlaps", () => {
  const pieces = highlight("GET /api 500 GET /x 502", ["GET"], compileRegex("5\\d\\d"));
  expect(pieces.filter((p) => p.hit).map((p) => p.text)).toEqual(["GET", "500", "GET", "502"]);
  expect(pieces.map((p) => p.text).join("")).toBe("GET /api 500 GET /x 502");
  const overlap = highlight("abcdef", ["abcd", "cdef"], null);
  expect(overlap).toEqual([
    { text: "abcd", hit: true },
    { text: "ef", hit: true },
  ]);
  expect(highlight("nothing", ["zzz"], null)).toEqual([{ text: "nothing", hit: false }]);
});

it("reports an invalid regex instead of throwing", () => {
  expect(compileRegex("(")).toBeNull();
  expect(regexError("(")).toMatch(/./);
  expect(regexError("a+")).toBeNull();
  expect(compileRegex("")).toBeNull();
});

it("pretty-prints JSON object lines only", () => {
  expect(prettyJson('{"level":"info","n":1}')).toBe('{\n  "level": "info",\n  "n": 1\n}');
  expect(prettyJson("{not json}")).toBeNull();
  expect(prettyJson("plain text")).toBeNull();
});

it("gives a pod/container a stable colour slot in 0..7", () => {
  const slot = sourceSlot("web-1", "app");
  expect(sourceSlot("web-1", "app")).toBe(slot);
  expect(slot).toBeGreaterThanOrEqual(0);
  expect(slot).toBeLessThan(8);
  const slots = new Set(["a", "b", "c", "d", "e", "f", "g", "h"].map((p) => sourceSlot(`web-${p}`, "app")));
  expect(slots.size).toBeGreaterThan(1);
});

it("splits comma-separated terms", () => {
  expect(splitTerms(" GET, POST ,, ")).toEqual(["GET", "POST"]);
});
