// Above the overview when the cluster is not ready: its state and message, and Connect for an
// idle (or unreachable) one — a disconnected cluster serves no pages, so the cards wait for it.

import { useState } from "react";
import { clusterAction, errorText, type ClusterInfo } from "../app/api";
import { clusterTone } from "../app/clusters";

const CONNECTABLE = new Set(["idle", "unreachable", "auth-failed"]);

export function ClusterBanner({ info, onChanged }: { info: ClusterInfo; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (info.state === "ready") return null;
  const connect = () => {
    setBusy(true);
    setError(null);
    clusterAction(info.id, "connect")
      .catch((reason: unknown) => setError(errorText(reason)))
      .finally(() => {
        setBusy(false);
        onChanged();
      });
  };
  return (
    <div className={`banner tone-${clusterTone(info.state)}`} role="status" data-testid="cluster-banner">
      <span className={`badge tone-${clusterTone(info.state)}`}>{info.state}</span> Cluster {info.name}
      {info.message ? `: ${info.message}` : ""}
      {CONNECTABLE.has(info.state) && (
        <button type="button" disabled={busy} onClick={connect}>
          {busy ? "Connecting…" : "Connect"}
        </button>
      )}
      {error && <span className="tone-bad"> {error}</span>}
    </div>
  );
}
