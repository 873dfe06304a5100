import { describe, expect, it } from "vitest";
import { hasAnsi, parseAnsi, stripAnsi } from "./ansi";

describe("parseAnsi", () => {
  it("splits text at SGR codes and carries the style until reset", () => {
    const segments = parseAnsi("plain \u001b[1;31mred bold\u001b[0m after");
    expect(segments).toEqual([
      { text: "plain ", style: {} },
      { text: "red bold", style: { bold: true, fg: "#cd3131" } },
      { text: " after", style: {} },
    ]);
  });

  it("handles bright, background, 256-colour and truecolour codes", () => {
    const [bright] = parseAnsi("\u001b[92;44mx");
    expect(bright?.style).toEqual({ fg: "#23d18b", bg: "#2472c8" });
    const [indexed] = parseAnsi("\u001b[38;5;196mx");
    expect(indexed?.style.fg).toBe("rgb(255, 0, 0)");
    const [gray] = parseAnsi("\u001b[48;5;232mx");
    expect(gray?.style.bg).toBe("rgb(8, 8, 8)");
    const [rgb] = parseAnsi("\u001b[38;2;1;2;3mx");
    expect(rgb?.style.fg).toBe("rgb(1, 2, 3)");
  });

  it("turns single attributes off and resets the colour with 39", () => {
    const segments = parseAnsi("\u001b[1;4;33ma\u001b[22;39mb\u001b[24mc");
    expect(segments.map((s) => s.style)).toEqual([
      { bold: true, underline: true, fg: "#e5e510" },
      { bold: false, dim: false, underline: true },
      { bold: false, dim: false, underline: false },
    ]);
  });

  it("drops non-SGR escapes (cursor moves, OSC titles) and keeps the text", () => {
    expect(parseAnsi("\u001b]0;title\u0007a\u001b[2Kb").map((s) => s.text).join("")).toBe("ab");
  });
});

it("stripAnsi and hasAnsi", () => {
  expect(stripAnsi("\u001b[32mok\u001b[0m done")).toBe("ok done");
  expect(hasAnsi("plain")).toBe(false);
  expect(hasAnsi("\u001b[0m")).toBe(true);
});
