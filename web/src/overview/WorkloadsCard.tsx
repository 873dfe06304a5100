// Deployments, statefulsets and daemonsets with fewer ready replicas than desired.

import { formatCount } from "../app/formatCount";
import { useLiveWindows, type WindowSpec } from "../app/useLiveWindows";
import { Card } from "./Card";
import { rowList } from "./pages";
import { degradedWorkloads } from "./summary";
import { ROW_CAP, SUMMED_INTERVAL_MS, LIST_LIMIT, viewHref, objectHref, logsHref, sourcesOf, type CardProps } from "./shared";

const WORKLOAD_VIEWS = ["deployments", "statefulsets", "daemonsets"] as const;
const WORKLOAD_WINDOWS: WindowSpec[] = WORKLOAD_VIEWS.map((view) => ({ view, limit: ROW_CAP, interval: SUMMED_INTERVAL_MS }));

export function WorkloadsCard({ subscriptions, cluster }: CardProps) {
  const workloads = useLiveWindows(subscriptions, cluster, WORKLOAD_WINDOWS);
  const degraded = WORKLOAD_VIEWS.map((view, i) => {
    const list = rowList(workloads, i);
    return { view, rows: list ? degradedWorkloads(list.rows) : [], total: list?.total ?? 0, read: list?.rows.length ?? 0 };
  });
  const count = degraded.reduce((sum, d) => sum + d.rows.length, 0);
  const cut = degraded.filter((d) => d.total > d.read);
  return (
    <Card id="workloads" title="Workloads" href={viewHref(cluster, "deployments")} sources={sourcesOf(workloads)} state={workloads}>
      <p>
        {degraded.map((d) => `${formatCount(d.total)} ${d.view}`).join(" · ")}
        {" — "}
        <span className={count > 0 ? "tone-bad" : "tone-ok"} data-testid="degraded-count">
          {count === 0 ? "all at their desired replicas" : `${count} below desired replicas`}
        </span>
      </p>
      {cut.length > 0 && <p className="muted">Checked the first {formatCount(ROW_CAP)} of {cut.map((d) => d.view).join(", ")}.</p>}
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
    </Card>
  );
}
