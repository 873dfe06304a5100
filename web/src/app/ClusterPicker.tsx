// Header cluster switcher (the Clusters screen has the details); remembers the last cluster.

import { ClusterSwatch } from "../theme/ClusterSwatch";
import type { ClusterInfo } from "./api";

const LAST_CLUSTER_KEY = "masthead.cluster";

export function lastCluster(): string {
  try {
    return window.localStorage.getItem(LAST_CLUSTER_KEY) ?? "";
  } catch {
    return "";
  }
}

export function rememberCluster(cluster: string): void {
  try {
    window.localStorage.setItem(LAST_CLUSTER_KEY, cluster);
  } catch {
    // Private mode: the choice just is not remembered.
  }
}

export function ClusterPicker({
  clusters,
  value,
  onChange,
}: {
  clusters: ClusterInfo[] | null;
  value: string;
  onChange: (cluster: string) => void;
}) {
  const known = clusters ?? [];
  const options = value && !known.some((c) => c.id === value) ? [{ id: value, name: value, state: "" }, ...known] : known;
  return (
    <label className="cluster-picker">
      <ClusterSwatch cluster={value} />
      <span>Cluster</span>
      <select aria-label="cluster" value={value} onChange={(event) => onChange(event.target.value)}>
        {!value && <option value="">—</option>}
        {options.map((cluster) => (
          <option key={cluster.id} value={cluster.id}>
            {cluster.name}
            {cluster.state ? ` (${cluster.state})` : ""}
          </option>
        ))}
      </select>
    </label>
  );
}
