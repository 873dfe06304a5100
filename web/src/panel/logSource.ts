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

/** Workload kinds the server resolves to their pods. */
export const LOG_WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

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
