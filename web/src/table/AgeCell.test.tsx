// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgeCell } from "./AgeCell";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("AgeCell", () => {
  it("ticks on the shared clock without its parent re-rendering", () => {
    const created = Date.now() / 1000 - 58;
    let parentRenders = 0;
    function Parent() {
      parentRenders += 1;
      return (
        <div data-testid="ages">
          <AgeCell created={created} />|<AgeCell created={created - 60} />
        </div>
      );
    }
    render(<Parent />);
    expect(screen.getByTestId("ages").textContent).toBe("58s|118s");
    act(() => {
      vi.advanceTimersByTime(3000);
    });
    expect(screen.getByTestId("ages").textContent).toBe("61s|2m1s");
    expect(parentRenders).toBe(1);
  });

  it("shows nothing for a missing time", () => {
    render(<AgeCell created={undefined} />);
    expect(document.body.textContent).toBe("");
  });
});
