import { describe, expect, it } from "vitest";
import { clusterRows, queueDrops, ratePerSecond, totalRequests, type ClusterDiag, type Diagnostics } from "./model";

const cluster = (requests: Record<string, number>, throttled: number, extra: Partial<ClusterDiag> = {}): ClusterDiag => ({
  id: "admin",
  name: "admin",
  status: { state: "ready", sources_live: 2, sources_total: 3 },
  load: { requests_by_verb: requests, throttled, retries: 1, watches_open: 2, relists: 4, bytes_received: 2048 },
  resources: [
    {
      name: "pods",
      resource: "pods",
      sources: [{ resource: "pods", namespace: null, running: true, syncs: 1, freshness: { state: "live", since: 1000 } }],
    },
    {
      name: "nodes",
      resource: "nodes",
      error: "",
      sources: [{ resource: "nodes", namespace: "team-a", running: false, syncs: 0, freshness: { state: "forbidden", message: "nodes is forbidden" } }],
    },
  ],
  ...extra,
});

const snap = (c: ClusterDiag, extra: Partial<Diagnostics> = {}): Diagnostics => ({ registry: { clusters: [c] }, ...extra });

describe("diagnostics model", () => {
  it("sums requests over verbs and computes per-second rates between two samples", () => {
    expect(totalRequests(cluster({ list: 3, watch: 2 }, 0))).toBe(5);
    expect(ratePerSecond(null, 10, 3)).toBeNull();
    expect(ratePerSecond(10, 16, 3)).toBe(2);
    expect(ratePerSecond(10, 4, 3)).toBeNull(); // a server restart reset the counters
    expect(ratePerSecond(10, 16, 0)).toBeNull();

    const before = { snapshot: snap(cluster({ list: 10, watch: 2 }, 1)), at: 1_000_000 };
    const after = { snapshot: snap(cluster({ list: 25, watch: 3 }, 5)), at: 1_004_000 };
    const [row] = clusterRows(after, before);
    expect(row).toMatchObject({
      id: "admin",
      state: "ready",
      sourcesLive: 2,
      sourcesTotal: 3,
      watchesOpen: 2,
      requests: 28,
      requestRate: 4,
      throttled: 5,
      throttledRate: 1,
      relists: 4,
      retries: 1,
      bytes: 2048,
    });
    expect(row!.sources).toEqual([
      { key: "pods@*", resource: "pods", namespace: "(all)", state: "live", ageSeconds: 4, message: "", syncs: 1 },
      { key: "nodes@team-a", resource: "nodes", namespace: "team-a", state: "forbidden (stopped)", ageSeconds: null, message: "nodes is forbidden", syncs: 0 },
    ]);
    expect(clusterRows(after, null)[0]!.requestRate).toBeNull();
  });

  it("lists every drop counter, zeros included, per cluster where it is per cluster", () => {
    const drops = queueDrops(
      snap(cluster({}, 0, { access: { evicted: 3 } }), {
        live: { frames_dropped: 7 },
        feeds: { database: { dropped: 2, failed: 0 }, events_history: { subscriber_drops: 1, pruned_cap: 0 }, metrics: { admin: { dropped_objects: 9 } } },
      }),
    );
    expect(Object.fromEntries(drops.map((d) => [d.what, d.count]))).toEqual({
      "live frames dropped (slow sockets)": 7,
      "database writes dropped (queue full)": 2,
      "database writes failed": 0,
      "event stream overflows (re-read from the database)": 1,
      "events pruned at the per-cluster cap": 0,
      "admin: metrics samples dropped": 9,
      "admin: access-review cache evictions": 3,
    });
    expect(queueDrops({}).every((d) => d.count === 0)).toBe(true);
  });
});
