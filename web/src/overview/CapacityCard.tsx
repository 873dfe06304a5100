// CPU and memory: used (metrics) vs requested (non-terminated pods) vs allocatable (nodes); when
// metrics are not `ok` the card says so instead of showing 0.

import { useCallback } from "react";
import { formatBytes } from "../app/catalogue";
import { MetricsNote } from "../app/MetricsNote";
import { pageFetcher } from "../app/revalidate";
import { usePoll, type PollState } from "../app/usePoll";
import { Card } from "./Card";
import { fetchRows, type RowList } from "./pages";
import { capacity, percentOf, type ResourceLine } from "./summary";
import { SLOW_POLL_MS, ROW_CAP, viewHref, sourcesOf, type CardProps } from "./shared";

export function CapacityCard({ cluster, nodes, now }: CardProps & { nodes: PollState<RowList> }) {
  const pods = usePoll(
    useCallback((signal: AbortSignal) => fetchRows(pageFetcher, cluster, "pods", {}, ROW_CAP, signal), [cluster]),
    SLOW_POLL_MS,
    `pod-requests:${cluster}`,
  );
  const totals = nodes.data && pods.data ? capacity(nodes.data.rows, nodes.data.sources, pods.data.rows, pods.data.total) : null;
  const metrics = totals?.metrics ?? null;
  return (
    <Card
      id="capacity"
      title="CPU and memory"
      href={viewHref(cluster, "nodes", { sort: "cpu", desc: true })}
      sources={sourcesOf(nodes, true)}
      updatedAt={nodes.updatedAt}
      now={now}
      error={nodes.error ?? pods.error}
    >
      {totals && (
        <>
          <ResourceBar label="CPU" line={totals.cpu} format={formatCpu} />
          <ResourceBar label="Memory" line={totals.memory} format={formatBytes} />
          {metrics?.state !== "ok" && <MetricsNote source={metrics} />}
          {totals.podsSummed < totals.podsTotal && (
            <p className="muted">
              Requests summed over the first {totals.podsSummed.toLocaleString()} of {totals.podsTotal.toLocaleString()} pods.
            </p>
          )}
        </>
      )}
    </Card>
  );
}

export function formatCpu(millicores: number): string {
  if (millicores >= 1000) return `${Math.round(millicores / 100) / 10} cores`;
  return `${Math.round(millicores)}m`;
}

function ResourceBar({ label, line, format }: { label: string; line: ResourceLine; format: (n: number) => string }) {
  const requested = percentOf(line.requests, line.allocatable);
  const used = line.used === null ? null : percentOf(line.used, line.allocatable);
  return (
    <div className="resource" data-resource={label.toLowerCase()}>
      <div className="resource-head">
        <strong>{label}</strong>
        <span>
          used <span data-value="used">{line.used === null ? "—" : `${format(line.used)} (${used}%)`}</span>
          {" · "}requested <span data-value="requests">{`${format(line.requests)} (${requested}%)`}</span>
          {" · "}allocatable <span data-value="allocatable">{format(line.allocatable)}</span>
        </span>
      </div>
      <div className="meter" aria-hidden="true">
        <span className="meter-requests" style={{ width: `${Math.min(100, requested)}%` }} />
        {used !== null && <span className="meter-used" style={{ width: `${Math.min(100, used)}%` }} />}
      </div>
    </div>
  );
}
