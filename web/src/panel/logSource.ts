// What logs to follow (a pod or a workload) and with which options, as the query string of
// `GET /api/v1/clusters/{id}/logs/stream` (docs/api.md, Logs).

import { clusterUrl } from "./refs";

export type LogTarget =
  | { namespace: string; pod: string; container?: string }
  | { namespace: string; kind: string; name: string };

export interface LogOptions {
  tail: number | "all";
  follow: boolean;
  include: string[];
  exclude: string[];
  regex: string;
  /** RFC 3339 time or seconds since the epoch; "" = no bound. */
  since: string;
}

export const DEFAULT_LOG_OPTIONS: LogOptions = {
  tail: 500,
  follow: true,
  include: [],
  exclude: [],
  regex: "",
  since: "",
};

/** Workloads the server resolves to their pods, by resource (plural), with their API group. */
const LOG_WORKLOADS: Readonly<Record<string, { group: string; kind: string }>> = {
  deployments: { group: "apps", kind: "Deployment" },
  statefulsets: { group: "apps", kind: "StatefulSet" },
  daemonsets: { group: "apps", kind: "DaemonSet" },
  replicasets: { group: "apps", kind: "ReplicaSet" },
  jobs: { group: "batch", kind: "Job" },
};
export const LOG_WORKLOAD_KINDS = new Set(Object.values(LOG_WORKLOADS).map((w) => w.kind));

/**
 * What to follow for a namespaced pod or workload named by its resource (and, when known, its
 * group: a custom resource may reuse a built-in plural); null when it has no logs.
 */
export function logTargetFor(object: { group?: string; resource: string; namespace: string; name: string }): LogTarget | null {
  const { group, resource, namespace, name } = object;
  if (!namespace || !name) return null;
  if (resource === "pods") return group === undefined || group === "" ? { namespace, pod: name } : null;
  const workload = LOG_WORKLOADS[resource];
  if (!workload || (group !== undefined && group !== workload.group)) return null;
  return { namespace, kind: workload.kind, name };
}

export function logStreamUrl(cluster: string, target: LogTarget, options: LogOptions): string {
  const params = new URLSearchParams();
  params.set("namespace", target.namespace);
  if ("pod" in target) {
    params.set("pod", target.pod);
    if (target.container) params.set("container", target.container);
  } else {
    params.set("kind", target.kind);
    params.set("name", target.name);
  }
  params.set("tail", options.tail === "all" ? "all" : String(options.tail));
  params.set("follow", options.follow ? "1" : "0");
  if (options.include.length > 0) params.set("include", options.include.join(","));
  if (options.exclude.length > 0) params.set("exclude", options.exclude.join(","));
  if (options.regex) params.set("regex", options.regex);
  if (options.since) params.set("since", options.since);
  return `${clusterUrl(cluster, "logs/stream")}?${params.toString()}`;
}

/** `since` choices: a relative age turned into an absolute time when the stream starts. */
export const SINCE_CHOICES: Array<{ label: string; seconds: number | null }> = [
  { label: "any time", seconds: null },
  { label: "5 m", seconds: 300 },
  { label: "1 h", seconds: 3600 },
  { label: "24 h", seconds: 86_400 },
];
