// Nodes: ready, not ready (a link to the nodes view filtered to them), cordoned.

import type { PollState } from "../app/usePoll";
import { Card } from "./Card";
import { Stat } from "./Stat";
import type { RowList } from "./pages";
import { notReadyStatuses, summarizeNodes } from "./summary";
import { viewHref, facetHref, sourcesOf, type CardProps } from "./shared";

export function NodesCard({ cluster, nodes, now }: CardProps & { nodes: PollState<RowList> }) {
  const summary = nodes.data ? summarizeNodes(nodes.data.rows) : null;
  return (
    <Card id="nodes" title="Nodes" href={viewHref(cluster, "nodes")} sources={sourcesOf(nodes)} updatedAt={nodes.updatedAt} now={now} error={nodes.error}>
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
      {nodes.data && nodes.data.total > nodes.data.rows.length && (
        <p className="muted">First {nodes.data.rows.length.toLocaleString()} of {nodes.data.total.toLocaleString()} nodes.</p>
      )}
    </Card>
  );
}
