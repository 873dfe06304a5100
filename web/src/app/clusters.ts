// The clusters list as a live store: `GET /api/v1/clusters` (polled while shown, since `cluster`
// frames only come for clusters this tab subscribes to) merged with `cluster` frames.

import { useCallback, useEffect, useState } from "react";
import type { ClusterFrame, ServerMessage } from "../live/protocol";
import { fetchClusters, type ClusterInfo } from "./api";

export const CLUSTER_STATES = [
  "idle",
  "connecting",
  "syncing",
  "ready",
  "degraded",
  "unreachable",
  "auth-failed",
] as const;

export function clusterTone(state: string): "ok" | "warn" | "bad" | "muted" {
  switch (state) {
    case "ready":
      return "ok";
    case "connecting":
    case "syncing":
    case "degraded":
      return "warn";
    case "unreachable":
    case "auth-failed":
      return "bad";
    default:
      return "muted";
  }
}

/** A `cluster` frame applied to the list (unknown clusters are ignored until the next fetch). */
export function applyClusterFrame(list: ClusterInfo[], frame: ClusterFrame): ClusterInfo[] {
  let changed = false;
  const next = list.map((cluster) => {
    if (cluster.id !== frame.cluster) return cluster;
    changed = true;
    return { ...cluster, state: frame.state, stateSince: frame.since ?? cluster.stateSince, message: frame.message ?? "" };
  });
  return changed ? next : list;
}

export interface ClustersStore {
  clusters: ClusterInfo[] | null;
  error: string | null;
  refresh: () => void;
}

export interface MessageSource {
  onMessage(listener: (message: ServerMessage) => void): () => void;
}

export function useClusters(source: MessageSource, pollMs = 5_000): ClustersStore {
  const [clusters, setClusters] = useState<ClusterInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const refresh = useCallback(() => setGeneration((n) => n + 1), []);

  useEffect(() => {
    const abort = new AbortController();
    fetchClusters(abort.signal)
      .then((list) => {
        if (!Array.isArray(list)) return;
        setClusters(list);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setError(reason instanceof Error ? reason.message : String(reason));
      });
    const timer = pollMs > 0 ? window.setTimeout(refresh, pollMs) : undefined;
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [generation, pollMs, refresh]);

  useEffect(
    () =>
      source.onMessage((message) => {
        if (message.type === "cluster") setClusters((list) => (list ? applyClusterFrame(list, message) : list));
      }),
    [source],
  );

  return { clusters, error, refresh };
}
