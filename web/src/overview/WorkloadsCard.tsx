// Deployments, statefulsets and daemonsets with fewer ready replicas than desired.

import { useCallback } from "react";
import { pageFetcher } from "../app/revalidate";
import { usePoll } from "../app/usePoll";
import type { Row, SourceFreshness } from "../live/protocol";
import { Card } from "./Card";
import { fetchRows } from "./pages";
import { degradedWorkloads } from "./summary";
import { FAST_POLL_MS, ROW_CAP, LIST_LIMIT, viewHref, objectHref, logsHref, sourcesOf, type CardProps } from "./shared";

const WORKLOAD_VIEWS = ["deployments", "statefulsets", "daemonsets"] as const;

interface Degraded {
  view: string;
  rows: Row[];
  total: number;
  sources: SourceFreshness[];
}

async function loadWorkloads(cluster: string, signal: AbortSignal): Promise<{ degraded: Degraded[]; sources: SourceFreshness[] }> {
  const lists = await Promise.all(WORKLOAD_VIEWS.map((view) => fetchRows(pageFetcher, cluster, view, {}, ROW_CAP, signal)));
  const degraded = lists.map((list, i) => ({ view: WORKLOAD_VIEWS[i]!, rows: degradedWorkloads(list.rows), total: list.total, sources: list.sources }));
  return { degraded, sources: lists.flatMap((list) => list.sources) };
}

export function WorkloadsCard({ cluster, now }: CardProps) {
  const workloads = usePoll(
    useCallback((signal: AbortSignal) => loadWorkloads(cluster, signal), [cluster]),
    FAST_POLL_MS * 2,
    `workloads:${cluster}`,
  );
  const degraded = workloads.data?.degraded ?? [];
  const count = degraded.reduce((sum, d) => sum + d.rows.length, 0);
  return (
    <Card id="workloads" title="Workloads" href={viewHref(cluster, "deployments")} sources={sourcesOf(workloads)} updatedAt={workloads.updatedAt} now={now} error={workloads.error}>
      {workloads.data && (
        <>
          <p>
            {degraded.map((d) => `${d.total.toLocaleString()} ${d.view}`).join(" · ")}
            {" — "}
            <span className={count > 0 ? "tone-bad" : "tone-ok"} data-testid="degraded-count">
              {count === 0 ? "all at their desired replicas" : `${count} below desired replicas`}
            </span>
          </p>
          <ul className="problem-list">
            {degraded.flatMap((d) =>
              d.rows.slice(0, LIST_LIMIT).map((row) => (
                <li key={row.uid}>
                  <a href={objectHref(cluster, d.view, row)}>
                    {row.namespace}/{row.name}
                  </a>{" "}
                  <span className="muted">{d.view.replace(/s$/, "")}</span>{" "}
                  <span className="tone-warn">
                    {String(row.ready_replicas ?? 0)}/{String(row.desired ?? 0)} ready
                  </span>{" "}
                  <a className="logs-link" href={logsHref(cluster, d.view, row) ?? undefined}>
                    logs
                  </a>
                </li>
              )),
            )}
          </ul>
        </>
      )}
    </Card>
  );
}
