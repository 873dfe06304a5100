// Placeholder cluster picker: lists `GET /api/v1/clusters` when the server answers, otherwise
// lets the cluster id be typed. The real Clusters screen (states, connect, read-only) comes later.

import { useEffect, useState } from "react";

interface ClusterSummary {
  id: string;
  name: string;
  state?: string;
}

const LAST_CLUSTER_KEY = "masthead.cluster";

export function lastCluster(): string {
  try {
    return window.localStorage.getItem(LAST_CLUSTER_KEY) ?? "";
  } catch {
    return "";
  }
}

export function ClusterPicker({
  value,
  onChange,
}: {
  value: string;
  onChange: (cluster: string) => void;
}) {
  const [clusters, setClusters] = useState<ClusterSummary[] | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    fetch("/api/v1/clusters", { signal: abort.signal, headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? (response.json() as Promise<ClusterSummary[]>) : null))
      .then((list) => {
        if (!Array.isArray(list)) return;
        setClusters(list);
        const first = list[0];
        if (!value && first) onChange(first.id);
      })
      .catch(() => {});
    return () => abort.abort();
    // Fetched once on mount: the list is a placeholder until the Clusters screen exists.
  }, []);

  const choose = (cluster: string) => {
    try {
      window.localStorage.setItem(LAST_CLUSTER_KEY, cluster);
    } catch {
      // Private mode: the choice just is not remembered.
    }
    onChange(cluster);
  };

  return (
    <label className="cluster-picker">
      <span>Cluster</span>
      {clusters && clusters.length > 0 ? (
        <select value={value} onChange={(event) => choose(event.target.value)}>
          {clusters.map((cluster) => (
            <option key={cluster.id} value={cluster.id}>
              {cluster.name}
              {cluster.state ? ` (${cluster.state})` : ""}
            </option>
          ))}
        </select>
      ) : (
        <input
          defaultValue={value}
          placeholder="cluster id, Enter"
          spellCheck={false}
          onBlur={(event) => choose(event.target.value.trim())}
          onKeyDown={(event) => {
            if (event.key === "Enter") choose(event.currentTarget.value.trim());
          }}
        />
      )}
    </label>
  );
}
