// CPU and memory: used (metrics) vs requested (the nodes' non-terminated pods) vs allocatable,
// all from the nodes window; when metrics are not `ok` the card says so instead of showing 0.

import { formatCount } from "../app/formatCount";
import { formatBytes } from "../app/catalogue";
import { MetricsNote } from "../app/MetricsNote";
import type { LiveWindows } from "../app/useLiveWindows";
import { Card } from "./Card";
import { rowList } from "./pages";
import { capacity, percentOf, type ResourceLine } from "./summary";
import { viewHref, sourcesOf } from "./shared";

export function CapacityCard({ cluster, nodes }: { cluster: string; nodes: LiveWindows }) {
  const list = rowList(nodes, 0);
  const totals = list ? capacity(list.rows, list.sources) : null;
  const metrics = totals?.metrics ?? null;
  return (
    <Card id="capacity" title="CPU and memory" href={viewHref(cluster, "nodes", { sort: "cpu", desc: true })} sources={sourcesOf(nodes, true)} state={nodes}>
      {totals && (
        <>
          <ResourceBar label="CPU" line={totals.cpu} format={formatCpu} />
          <ResourceBar label="Memory" line={totals.memory} format={formatBytes} />
          {metrics?.state !== "ok" && <MetricsNote source={metrics} />}
          {list && list.total > list.rows.length && (
            <p className="muted">
              Summed over the first {formatCount(list.rows.length)} of {formatCount(list.total)} nodes.
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
