// The pods view (protocol view name `pods`): a live, server-sorted, virtualized table with a text
// filter and the freshness of every source the page was built from.

import type { ReactNode } from "react";
import type { Row, SourceFreshness } from "../live/protocol";
import type { Subscriptions } from "../live/subscriptions";
import type { ColumnDef } from "../table/columns";
import { ageText } from "../table/age";
import { useLiveTable } from "../table/useLiveTable";
import { VirtualTable } from "../table/VirtualTable";

export const PODS_VIEW = "pods";

const text = (value: unknown): string =>
  value === null || value === undefined ? "" : String(value);

function statusCell(row: Row): ReactNode {
  const status = text(row.status);
  const tone = /^(Running|Succeeded|Completed)$/.test(status)
    ? "ok"
    : /^(Pending|ContainerCreating|Terminating)/.test(status)
      ? "warn"
      : status
        ? "bad"
        : "";
  return <span className={`status status-${tone}`}>{status}</span>;
}

export const POD_COLUMNS: ColumnDef[] = [
  { id: "name", title: "Name", width: "minmax(220px, 3fr)", sortable: true },
  { id: "namespace", title: "Namespace", width: "minmax(120px, 1.2fr)", sortable: true },
  { id: "ready", title: "Ready", width: "70px", align: "end" },
  { id: "status", title: "Status", width: "minmax(110px, 1fr)", sortable: true, render: statusCell },
  { id: "restarts", title: "Restarts", width: "96px", sortable: true, align: "end" },
  { id: "cpu", title: "CPU", width: "80px", sortable: true, align: "end" },
  { id: "memory", title: "Memory", width: "90px", sortable: true, align: "end" },
  { id: "node", title: "Node", width: "minmax(120px, 1.2fr)", sortable: true },
  {
    id: "age",
    title: "Age",
    width: "70px",
    sortable: true,
    align: "end",
    render: (row) => ageText(row.age, Date.now()),
  },
];

function Freshness({ sources }: { sources: SourceFreshness[] }) {
  return (
    <ul className="freshness" aria-label="sources">
      {sources.map((source) => (
        <li
          key={source.id}
          className={`badge badge-${source.state}`}
          title={source.message ?? source.since ?? ""}
        >
          {source.id}: {source.state}
          {source.state === "syncing" && source.items !== undefined ? ` (${source.items})` : ""}
        </li>
      ))}
    </ul>
  );
}

export function PodsView({ subscriptions, cluster }: { subscriptions: Subscriptions; cluster: string }) {
  const table = useLiveTable(subscriptions, {
    cluster,
    view: PODS_VIEW,
    initialQuery: { sort: "name" },
  });
  const snapshot = table.snapshot;
  const page = snapshot?.page ?? null;

  return (
    <section className="view" aria-label="Pods">
      <div className="view-bar">
        <h2>Pods</h2>
        <input
          className="filter"
          type="search"
          placeholder="Filter (name, namespace, node…)"
          aria-label="filter"
          defaultValue={snapshot?.query.q ?? ""}
          onChange={(event) => {
            const q = event.target.value;
            const { q: _previous, ...rest } = snapshot?.query ?? {};
            table.setQuery(q ? { ...rest, q } : rest);
          }}
        />
        <span className="total" aria-live="polite">
          {page ? `${page.total.toLocaleString()} pods` : snapshot?.loading ? "Loading…" : ""}
        </span>
        {snapshot?.paused && <span className="badge badge-stale">paused (tab hidden)</span>}
        {page && <Freshness sources={page.sources} />}
      </div>
      {snapshot?.error && (
        <div className="error" role="alert">
          {snapshot.error.reason}: {snapshot.error.message}
        </div>
      )}
      {page?.warnings.map((warning) => (
        <div key={warning.code + warning.message} className="warning" role="note">
          {warning.message}
        </div>
      ))}
      <VirtualTable
        label="pods"
        columns={POD_COLUMNS}
        total={table.total}
        rowAt={table.rowAt}
        sort={table.sort}
        onSortChange={table.setSort}
        onVisibleRangeChange={table.onVisibleRangeChange}
        scrollResetKey={table.queryKey}
        stale={snapshot?.loading === true && page !== null}
      />
    </section>
  );
}
