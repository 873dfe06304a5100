import { describe, expect, it } from "vitest";
import { summarizeFreshness } from "./freshness";

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

  it("the worst state wins and the tooltip carries the API's message", () => {
    const summary = summarizeFreshness([
      { id: "pods@team-a", state: "live" },
      { id: "pods@kube-system", state: "forbidden", message: "pods is forbidden" },
      { id: "pods@team-b", state: "reconnecting" },
    ]);
    expect(summary).toMatchObject({ label: "forbidden", tone: "bad" });
    expect(summary!.title).toContain("pods@kube-system: forbidden — pods is forbidden");
    expect(summarizeFreshness([{ id: "x", state: "unavailable", message: "503" }])).toMatchObject({ label: "unavailable", tone: "bad" });
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
