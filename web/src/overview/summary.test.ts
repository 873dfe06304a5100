import { describe, expect, it } from "vitest";
import type { Row } from "../live/protocol";
import {
  capacity,
  degradedWorkloads,
  isNodeReady,
  notReadyStatuses,
  otherPods,
  percentOf,
  POD_BUCKETS,
  summarizeNodes,
  withoutMetrics,
} from "./summary";

const row = (name: string, fields: Record<string, unknown>): Row => ({ uid: name, name, ...fields });

describe("nodes", () => {
  it("counts Ready (cordoned or not) as ready and lists the rest", () => {
    const nodes = [
      row("a", { status: "Ready" }),
      row("b", { status: "Ready,SchedulingDisabled" }),
      row("c", { status: "NotReady" }),
      row("d", { status: "Unknown" }),
      row("e", { status: "NotReady,SchedulingDisabled" }),
    ];
    const summary = summarizeNodes(nodes);
    expect([summary.total, summary.ready, summary.cordoned]).toEqual([5, 2, 2]);
    expect(summary.notReady.map((n) => n.name)).toEqual(["c", "d", "e"]);
    expect(notReadyStatuses(summary.notReady)).toEqual(["NotReady", "NotReady,SchedulingDisabled", "Unknown"]);
    expect(isNodeReady(row("x", {}))).toBe(false);
  });
});

describe("pods", () => {
  it("puts what no bucket holds in other, never below zero", () => {
    const counts = POD_BUCKETS.map((bucket, i) => ({ bucket, count: i + 1 })); // 1+2+3+4+5 = 15
    expect(otherPods(20, counts)).toBe(5);
    expect(otherPods(10, counts)).toBe(0);
  });

  it("buckets do not overlap (each status is counted once)", () => {
    const all = POD_BUCKETS.flatMap((b) => b.statuses);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe("workloads", () => {
  it("finds workloads with fewer ready replicas than desired; scaled to zero is fine", () => {
    const rows = [
      row("ok", { desired: 3, ready_replicas: 3 }),
      row("short", { desired: 3, ready_replicas: 1 }),
      row("none-ready", { desired: 2, ready_replicas: null }),
      row("zero", { desired: 0, ready_replicas: 0 }),
    ];
    expect(degradedWorkloads(rows).map((r) => r.name)).toEqual(["short", "none-ready"]);
  });
});

describe("capacity", () => {
  const nodes = [
    row("n1", { cpu_allocatable: 4000, memory_allocatable: 8 * 2 ** 30, cpu: 1500, memory: 2 * 2 ** 30, cpu_requested: 500, memory_requested: 2 ** 30 }),
    row("n2", { cpu_allocatable: 4000, memory_allocatable: 8 * 2 ** 30, cpu: null, memory: null, cpu_requested: 250, memory_requested: null }),
  ];

  it("sums allocatable, the nodes' requests and sampled usage when metrics are ok", () => {
    const sources = [{ id: "nodes@*", state: "live" }, { id: "metrics", state: "ok" }];
    const c = capacity(nodes, sources);
    expect(c.cpu).toEqual({ allocatable: 8000, requests: 750, used: 1500, sampledNodes: 1 });
    expect(c.memory).toEqual({ allocatable: 16 * 2 ** 30, requests: 2 ** 30, used: 2 * 2 ** 30, sampledNodes: 1 });
    expect(c.metrics?.state).toBe("ok");
    expect(c.nodes).toBe(2);
    expect(percentOf(c.cpu.requests, c.cpu.allocatable)).toBe(9);
  });

  it("shows no usage (null, never 0) when metrics are not ok", () => {
    const sources = [{ id: "metrics", state: "forbidden", message: "cannot list nodes.metrics.k8s.io" }];
    const c = capacity(nodes, sources);
    expect(c.cpu.used).toBeNull();
    expect(c.memory.used).toBeNull();
    expect(c.metrics?.message).toBe("cannot list nodes.metrics.k8s.io");
    expect(capacity(nodes, []).metrics).toBeNull();
    expect(percentOf(5, 0)).toBe(0);
  });

  it("drops the metrics source for cards that show no usage", () => {
    expect(withoutMetrics([{ id: "pods@*", state: "live" }, { id: "metrics", state: "unknown" }])).toEqual([{ id: "pods@*", state: "live" }]);
  });
});
