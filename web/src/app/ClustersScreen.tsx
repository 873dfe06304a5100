// Clusters: every kubeconfig context with its state and message, connect / disconnect, the
// read-only and confirm markers, each cluster's accent colour, the namespaces to try for a user
// who cannot list them; clicking a name opens its overview.

import { useState } from "react";
import { ClusterSwatch } from "../theme/ClusterSwatch";
import { clusterAction, type ClusterInfo } from "./api";
import { clusterTone } from "./clusters";
import { NamespacesEditor } from "./NamespacesEditor";

export function ClustersScreen({
  clusters,
  error,
  current,
  onOpen,
  onChanged,
}: {
  clusters: ClusterInfo[] | null;
  error: string | null;
  current: string;
  onOpen: (cluster: string) => void;
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState<Record<string, string>>({});
  const [actionError, setActionError] = useState<string | null>(null);

  const act = (id: string, action: "connect" | "disconnect") => {
    setBusy((b) => ({ ...b, [id]: action }));
    setActionError(null);
    clusterAction(id, action)
      .catch((reason: unknown) => setActionError(`${id}: ${reason instanceof Error ? reason.message : String(reason)}`))
      .finally(() => {
        setBusy(({ [id]: _done, ...rest }) => rest);
        onChanged();
      });
  };

  return (
    <section className="clusters" aria-label="Clusters">
      <div className="view-bar">
        <h2>Clusters</h2>
        {clusters && <span className="total">{clusters.length} contexts</span>}
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {actionError && (
        <div className="error" role="alert">
          {actionError}
        </div>
      )}
      {clusters === null && !error && <p className="empty">Loading…</p>}
      {clusters && (
        <table className="cluster-table">
          <thead>
            <tr>
              <th>Context</th>
              <th>State</th>
              <th>Message</th>
              <th>Server</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {clusters.map((cluster) => {
              const connected = cluster.state !== "idle";
              const pending = busy[cluster.id];
              return (
                <tr key={cluster.id} className={cluster.id === current ? "current" : undefined} data-cluster={cluster.id}>
                  <td>
                    <ClusterSwatch cluster={cluster.id} />{" "}
                    <button type="button" className="link" onClick={() => onOpen(cluster.id)}>
                      {cluster.name}
                    </button>
                    {cluster.readOnly && <span className="badge badge-muted ro">read-only</span>}
                    {cluster.confirm && <span className="badge badge-muted ro">confirm</span>}
                    {cluster.namespace && <span className="muted"> ns {cluster.namespace}</span>}
                  </td>
                  <td>
                    <span className={`badge tone-${clusterTone(cluster.state)}`} title={cluster.stateSince ? `since ${cluster.stateSince}` : undefined}>
                      {cluster.state}
                    </span>
                  </td>
                  <td className="muted">{cluster.message}</td>
                  <td className="muted mono">{cluster.server}</td>
                  <td>
                    <div className="cluster-actions">
                      {connected && <NamespacesEditor cluster={cluster.id} />}
                      {connected ? (
                        <button type="button" disabled={!!pending} onClick={() => act(cluster.id, "disconnect")}>
                          {pending === "disconnect" ? "Disconnecting…" : "Disconnect"}
                        </button>
                      ) : (
                        <button type="button" disabled={!!pending} onClick={() => act(cluster.id, "connect")}>
                          {pending === "connect" ? "Connecting…" : "Connect"}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
