// Nodes: ready, not ready (a link to the nodes view filtered to them), cordoned.

import { formatCount } from "../app/formatCount";
import type { LiveWindows } from "../app/useLiveWindows";
import { Card } from "./Card";
import { Stat } from "./Stat";
import { rowList } from "./pages";
import { notReadyStatuses, summarizeNodes } from "./summary";
import { viewHref, facetHref, sourcesOf, type CardProps } from "./shared";

export function NodesCard({ cluster, nodes }: Omit<CardProps, "subscriptions" | "now"> & { nodes: LiveWindows }) {
  const list = rowList(nodes, 0);
  const summary = list ? summarizeNodes(list.rows) : null;
  return (
    <Card id="nodes" title="Nodes" href={viewHref(cluster, "nodes")} sources={sourcesOf(nodes)} state={nodes}>
      {summary && (
        <dl className="stats">
          <Stat label="ready" value={summary.ready} tone="ok" />
          <Stat
            label="not ready"
            value={summary.notReady.length}
            tone={summary.notReady.length > 0 ? "bad" : "muted"}
            href={summary.notReady.length > 0 ? facetHref(cluster, "nodes", "status", notReadyStatuses(summary.notReady)) : undefined}
          />
          <Stat label="cordoned" value={summary.cordoned} tone={summary.cordoned > 0 ? "warn" : "muted"} />
        </dl>
      )}
      {list && list.total > list.rows.length && (
        <p className="muted">First {formatCount(list.rows.length)} of {formatCount(list.total)} nodes.</p>
      )}
    </Card>
  );
}
