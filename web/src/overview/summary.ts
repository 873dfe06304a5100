// What the overview concludes from rows: node readiness, pod status buckets, workloads short of
// their desired replicas, and CPU/memory used vs requested vs allocatable. Pure functions.

import type { Row, SourceFreshness } from "../live/protocol";

const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

// ---- nodes ---------------------------------------------------------------------------------

export interface NodeSummary {
  total: number;
  ready: number;
  notReady: Row[];
  /** Cordoned nodes (`SchedulingDisabled`), ready or not. */
  cordoned: number;
}

/** kubectl node status is `Ready`, `NotReady`, `Unknown`, optionally `,SchedulingDisabled`. */
export function isNodeReady(row: Row): boolean {
  return String(row.status ?? "").split(",").includes("Ready");
}

export function summarizeNodes(rows: Row[]): NodeSummary {
  const notReady = rows.filter((row) => !isNodeReady(row));
  const cordoned = rows.filter((row) => String(row.status ?? "").includes("SchedulingDisabled")).length;
  return { total: rows.length, ready: rows.length - notReady.length, notReady, cordoned };
}

/** The distinct statuses of not-ready nodes (the facet values a link filters the nodes view by). */
export function notReadyStatuses(rows: Row[]): string[] {
  return [...new Set(rows.map((row) => String(row.status ?? "")))].sort();
}

// ---- pods ----------------------------------------------------------------------------------

/** kubectl pod status texts that mean the pod is failing (not just starting). */
export const FAILING_POD_STATUSES = [
  "CrashLoopBackOff",
  "Error",
  "ImagePullBackOff",
  "ErrImagePull",
  "OOMKilled",
  "CreateContainerConfigError",
  "CreateContainerError",
  "InvalidImageName",
  "RunContainerError",
  "ContainerStatusUnknown",
  "Evicted",
  "Failed",
];

export interface PodBucket {
  id: string;
  title: string;
  /** Facet values of the status column; the view link filters by these. */
  statuses: string[];
  tone: "ok" | "warn" | "bad" | "muted";
}

/** One `limit=0` request per bucket; what no bucket holds (Init:…, Unknown) is "other". */
export const POD_BUCKETS: PodBucket[] = [
  { id: "running", title: "Running", statuses: ["Running"], tone: "ok" },
  { id: "pending", title: "Pending", statuses: ["Pending", "ContainerCreating", "PodInitializing"], tone: "warn" },
  { id: "failing", title: "Failing", statuses: FAILING_POD_STATUSES, tone: "bad" },
  { id: "terminating", title: "Terminating", statuses: ["Terminating"], tone: "warn" },
  { id: "completed", title: "Completed", statuses: ["Completed", "Succeeded"], tone: "muted" },
];

export interface BucketCount {
  bucket: PodBucket;
  count: number;
}

/** Counts per bucket plus "other" (never negative: counts taken a moment apart may disagree). */
export function otherPods(total: number, counts: BucketCount[]): number {
  return Math.max(0, total - counts.reduce((sum, c) => sum + c.count, 0));
}

// ---- workloads -----------------------------------------------------------------------------

/** Workload rows with fewer ready replicas than desired (deployments, statefulsets, daemonsets). */
export function degradedWorkloads(rows: Row[]): Row[] {
  return rows.filter((row) => {
    const desired = num(row.desired) ?? 0;
    return desired > 0 && (num(row.ready_replicas) ?? 0) < desired;
  });
}

// ---- capacity ------------------------------------------------------------------------------

export interface ResourceLine {
  allocatable: number;
  requests: number;
  /** Usage from metrics; null when metrics are not `ok` or no node has a sample. */
  used: number | null;
  /** Nodes with a usage sample (used covers only these). */
  sampledNodes: number;
}

export interface Capacity {
  cpu: ResourceLine;
  memory: ResourceLine;
  nodes: number;
  metrics: SourceFreshness | null;
}

/** A page's sources without the metrics feed: for cards that show no usage it says nothing. */
export function withoutMetrics(sources: SourceFreshness[]): SourceFreshness[] {
  return sources.filter((source) => source.id !== "metrics");
}

/** The metrics source among a page's sources (protocol: `id: "metrics"`). */
export function metricsSource(sources: SourceFreshness[]): SourceFreshness | null {
  return sources.find((source) => source.id === "metrics") ?? null;
}

// Requests come from the nodes view's join columns (`cpu_requested`, `memory_requested`: the
// requests of the node's non-terminated pods, as `kubectl describe node` sums them), so the
// figure is exact at any cluster size and no pod rows travel for it.
function line(nodes: Row[], resource: "cpu" | "memory", metricsOk: boolean): ResourceLine {
  let allocatable = 0;
  let requests = 0;
  let used = 0;
  let sampledNodes = 0;
  for (const node of nodes) {
    allocatable += num(node[`${resource}_allocatable`]) ?? 0;
    requests += num(node[`${resource}_requested`]) ?? 0;
    const sample = num(node[resource]);
    if (sample !== null) {
      used += sample;
      sampledNodes += 1;
    }
  }
  return { allocatable, requests, used: metricsOk && sampledNodes > 0 ? used : null, sampledNodes };
}

export function capacity(nodes: Row[], nodeSources: SourceFreshness[]): Capacity {
  const metrics = metricsSource(nodeSources);
  const ok = metrics?.state === "ok";
  return { cpu: line(nodes, "cpu", ok), memory: line(nodes, "memory", ok), nodes: nodes.length, metrics };
}

/** A share of allocatable as a whole percentage (0 when nothing is allocatable). */
export function percentOf(value: number, allocatable: number): number {
  return allocatable > 0 ? Math.round((value / allocatable) * 100) : 0;
}
