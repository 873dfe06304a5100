// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import { apiError, json, stubFetch } from "../app/testing/fakeApi";
import { DiagnosticsScreen } from "./DiagnosticsScreen";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function diagnostics(requests: number, throttled: number) {
  return {
    api: { pages_built: 12, pages_not_modified: 30 },
    live: { connections: 1, subscriptions: 2, frames_sent: 99, frames_dropped: 4 },
    registry: {
      clusters: [
        {
          id: "admin",
          name: "admin",
          status: { state: "degraded", sources_live: 1, sources_total: 2 },
          load: { requests_by_verb: { list: requests }, throttled, retries: 0, watches_open: 1, relists: 2, bytes_received: 4096 },
          resources: [
            { name: "pods", resource: "pods", sources: [{ resource: "pods", namespace: null, running: true, syncs: 1, freshness: { state: "live", since: Date.now() / 1000 - 90 } }] },
            { name: "events", resource: "events", sources: [{ resource: "events", namespace: null, running: true, syncs: 3, freshness: { state: "reconnecting", message: "watch closed" } }] },
          ],
        },
      ],
    },
    feeds: { database: { dropped: 0 }, events_history: { subscriber_drops: 0 }, metrics: {} },
  };
}

it("shows per-cluster state, sources with freshness, rates between polls, 429s and drops", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  let n = 0;
  stubFetch((url) => {
    expect(url.pathname).toBe("/api/v1/diagnostics");
    n += 1;
    return json(n === 1 ? diagnostics(100, 0) : diagnostics(130, 3));
  });
  render(<DiagnosticsScreen />);
  const row = await screen.findByRole("row", { name: /admin/ });
  expect(row.querySelector('[data-col="sources"]')?.textContent).toBe("1 / 2");
  expect(row.querySelector('[data-col="rate"]')?.textContent).toBe("—"); // one sample: no rate yet
  expect(row.textContent).toContain("degraded");

  await vi.advanceTimersByTimeAsync(3_000);
  await waitFor(() => expect(row.querySelector('[data-col="requests"]')?.textContent).toBe("130"));
  expect(row.querySelector('[data-col="rate"]')?.textContent).toMatch(/^\d+(\.\d)?\/s$/);
  expect(row.querySelector('[data-col="throttled"]')?.textContent).toContain("3");
  expect(row.querySelector('[data-col="relists"]')?.textContent).toBe("2");

  const sources = screen.getByRole("table", { name: "admin sources" });
  expect(within(sources).getByRole("row", { name: /pods/ }).textContent).toContain("live");
  expect(within(sources).getByRole("row", { name: /events/ }).textContent).toContain("watch closed");
  const drops = screen.getByLabelText("queue drops");
  expect(drops.textContent).toContain("live frames dropped (slow sockets)4");
});

it("keeps the last snapshot and shows the error when a poll fails", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  let n = 0;
  stubFetch(() => {
    n += 1;
    return n === 1 ? json(diagnostics(5, 0)) : apiError(503, "ServiceUnavailable", "shutting down");
  });
  render(<DiagnosticsScreen />);
  await screen.findByRole("row", { name: /admin/ });
  await vi.advanceTimersByTimeAsync(3_000);
  expect((await screen.findByRole("alert")).textContent).toBe("ServiceUnavailable: shutting down");
  expect(screen.getByRole("row", { name: /admin/ })).toBeTruthy();
});
