import { describe, expect, it } from "vitest";
import { polledLabel, summarizeFreshness, syncProgress } from "./freshness";

describe("freshness badge", () => {
  it("is null without sources and live when everything is live", () => {
    expect(summarizeFreshness([])).toBeNull();
    expect(summarizeFreshness([{ id: "pods@*", state: "live", since: "t0", items: 3 }])).toMatchObject({
      label: "live",
      state: "live",
      tone: "ok",
      title: "pods@*: live since t0",
    });
  });

  it("treats the metrics feed's healthy state `ok` as live", () => {
    const summary = summarizeFreshness([
      { id: "pods@*", state: "live", since: "t0" },
      { id: "metrics", state: "ok" },
    ]);
    expect(summary).toMatchObject({ label: "live", state: "live", tone: "ok" });
    expect(
      summarizeFreshness([
        { id: "pods@*", state: "stale", since: "t0" },
        { id: "metrics", state: "ok" },
      ]),
    ).toMatchObject({ state: "stale" });
  });

  it("counts a sync in progress across sources", () => {
    const summary = summarizeFreshness([
      { id: "pods@a", state: "syncing", synced: 120, total: 400 },
      { id: "pods@b", state: "live", items: 50 },
    ]);
    expect(summary).toMatchObject({ label: "syncing 170 of 450", state: "syncing", tone: "warn" });
    expect(summarizeFreshness([{ id: "pods@*", state: "syncing", synced: 7, total: null }])!.label).toBe("syncing 7");
  });

  it("the worst readable state wins and the tooltip carries the API's message", () => {
    const summary = summarizeFreshness([
      { id: "pods@team-a", state: "live" },
      { id: "pods@team-b", state: "unavailable", message: "503 from the API server" },
    ]);
    expect(summary).toMatchObject({ label: "unavailable", tone: "bad", denied: [] });
    expect(summary!.title).toContain("pods@team-b: unavailable — 503 from the API server");
    expect(summarizeFreshness([{ id: "x", state: "unavailable", message: "503" }])).toMatchObject({ label: "unavailable", tone: "bad" });
  });

  it("a denied namespace beside live ones makes the view partial, not forbidden", () => {
    const summary = summarizeFreshness([
      { id: "pods@team-a", state: "live" },
      { id: "pods@kube-system", state: "forbidden", message: "pods is forbidden" },
      { id: "pods@team-b", state: "live" },
    ]);
    expect(summary).toMatchObject({ label: "live (partial)", state: "live", tone: "ok", denied: ["kube-system"] });
    expect(summary!.title.split("\n")[0]).toBe("no access in namespace kube-system");
    expect(summary!.title).toContain("pods@kube-system: forbidden — pods is forbidden");
    // The readable sources still decide the state.
    expect(
      summarizeFreshness([
        { id: "pods@team-a", state: "reconnecting" },
        { id: "pods@kube-system", state: "forbidden" },
      ]),
    ).toMatchObject({ label: "reconnecting (partial)", state: "reconnecting" });
  });

  it("is forbidden only when every source is", () => {
    expect(
      summarizeFreshness([
        { id: "pods@a", state: "forbidden", message: "no" },
        { id: "pods@b", state: "forbidden", message: "no" },
        { id: "metrics", state: "absent" },
      ]),
    ).toMatchObject({ label: "forbidden", state: "forbidden", tone: "bad", denied: [] });
  });

  it("says how often a polled view is listed and how long ago it last was", () => {
    const summary = summarizeFreshness([
      { id: "pods@team-a", state: "live" },
      { id: "pods@team-b", state: "polled", lastPoll: "2026-01-01T00:00:10Z", nextRetry: "2026-01-01T00:00:38Z" },
      { id: "pods@team-c", state: "polled", lastPoll: "2026-01-01T00:00:04Z", nextRetry: "2026-01-01T00:00:36Z" },
    ]);
    expect(summary).toMatchObject({ state: "polled", tone: "polled" });
    expect(summary!.polled).toEqual({ lastPollMs: Date.parse("2026-01-01T00:00:04Z"), everySeconds: 30 });
    expect(polledLabel(summary!.polled!, Date.parse("2026-01-01T00:00:16Z"))).toBe("polled every ~30 s, last poll 12s ago");
    const first = summarizeFreshness([{ id: "pods@x", state: "polled" }])!;
    expect(polledLabel(first.polled!, 0)).toBe("polled every ~30 s, not polled yet");
    // A sync still in progress is worse than a poll.
    expect(summarizeFreshness([{ id: "a", state: "polled" }, { id: "b", state: "syncing", synced: 1, total: 2 }])!.state).toBe("syncing");
  });

  it("counts sync progress for placeholders, leaving denied and absent sources out", () => {
    expect(syncProgress([{ id: "pods@*", state: "live", items: 5 }])).toBeNull();
    expect(
      syncProgress([
        { id: "pods@a", state: "syncing", synced: 1200, total: 100_000 },
        { id: "pods@b", state: "live", items: 300 },
        { id: "pods@c", state: "forbidden" },
        { id: "metrics", state: "absent" },
      ]),
    ).toEqual({ synced: 1500, total: 100_300 });
    expect(syncProgress([{ id: "pods@a", state: "syncing", synced: 10, total: null }])).toEqual({ synced: 10, total: null });
  });

  it("says how many sources are reconnecting or stale", () => {
    expect(
      summarizeFreshness([
        { id: "a", state: "live" },
        { id: "b", state: "stale" },
      ])!.label,
    ).toBe("stale (1 of 2)");
    expect(summarizeFreshness([{ id: "a", state: "reconnecting" }])!.label).toBe("reconnecting");
  });

  it("an absent metrics source does not spoil a live view", () => {
    expect(
      summarizeFreshness([
        { id: "pods@*", state: "live" },
        { id: "metrics", state: "absent", message: "metrics.k8s.io not served" },
      ]),
    ).toMatchObject({ label: "live", tone: "ok" });
  });
});
