// Problems, each group linking to the filtered view and each item to its object: failing and
// crash-looping pods, pending pods, not-ready nodes, failed jobs.

import { formatCount } from "../app/formatCount";
import { objectKey } from "../app/urlState";
import { useLiveWindows, type LiveWindows, type WindowSpec } from "../app/useLiveWindows";
import { ageText } from "../table/age";
import { Card } from "./Card";
import { rowList } from "./pages";
import { FAILING_POD_STATUSES, notReadyStatuses, summarizeNodes } from "./summary";
import { LIST_LIMIT, objectHref, facetHref, logsHref, sourcesOf, type CardProps } from "./shared";

const PROBLEM_WINDOWS: WindowSpec[] = [
  { view: "pods", query: { "facet.status": FAILING_POD_STATUSES.join(","), sort: "restarts", desc: 1 }, limit: LIST_LIMIT },
  { view: "pods", query: { "facet.status": "Pending", sort: "age", desc: 0 }, limit: LIST_LIMIT },
  { view: "jobs", query: { "facet.status": "Failed" }, limit: LIST_LIMIT },
];

interface ProblemGroup {
  id: string;
  title: string;
  total: number;
  href: string;
  /** `logs`: the logs page of a failing pod or job. */
  items: Array<{ key: string; href: string; label: string; detail: string; logs?: string | null }>;
}

export function ProblemsCard({ subscriptions, cluster, nodes, now }: CardProps & { nodes: LiveWindows }) {
  const problems = useLiveWindows(subscriptions, cluster, PROBLEM_WINDOWS);
  const [failing, pending, failedJobs] = [rowList(problems, 0), rowList(problems, 1), rowList(problems, 2)];
  const groups: ProblemGroup[] = [];
  if (failing) {
    groups.push({
      id: "failing-pods",
      title: "Crash-looping and failing pods",
      total: failing.total,
      href: facetHref(cluster, "pods", "status", FAILING_POD_STATUSES),
      items: failing.rows.map((row) => ({
        key: row.uid,
        href: objectHref(cluster, "pods", row),
        label: objectKey(row),
        detail: `${String(row.status)} · ${String(row.restarts ?? 0)} restarts`,
        logs: logsHref(cluster, "pods", row),
      })),
    });
  }
  if (pending) {
    groups.push({
      id: "pending-pods",
      title: "Pending pods",
      total: pending.total,
      href: facetHref(cluster, "pods", "status", ["Pending"]),
      items: pending.rows.map((row) => ({ key: row.uid, href: objectHref(cluster, "pods", row), label: objectKey(row), detail: `pending ${ageText(row.age, now)}` })),
    });
  }
  const nodeList = rowList(nodes, 0);
  const notReady = nodeList ? summarizeNodes(nodeList.rows).notReady : null;
  if (notReady) {
    groups.push({
      id: "not-ready-nodes",
      title: "Not-ready nodes",
      total: notReady.length,
      href: facetHref(cluster, "nodes", "status", notReadyStatuses(notReady)),
      items: notReady.slice(0, LIST_LIMIT).map((row) => ({ key: row.uid, href: objectHref(cluster, "nodes", row), label: row.name, detail: String(row.status) })),
    });
  }
  if (failedJobs) {
    groups.push({
      id: "failed-jobs",
      title: "Failed jobs",
      total: failedJobs.total,
      href: facetHref(cluster, "jobs", "status", ["Failed"]),
      items: failedJobs.rows.map((row) => ({
        key: row.uid,
        href: objectHref(cluster, "jobs", row),
        label: objectKey(row),
        detail: `${String(row.failed ?? 0)} failed`,
        logs: logsHref(cluster, "jobs", row),
      })),
    });
  }
  const shown = groups.filter((g) => g.total > 0);
  // Nodes the user cannot read are an unknown, not an absence of problems.
  const nodesUnknown = nodeList === null && nodes.error !== null;
  return (
    <Card id="problems" title="Problems" sources={sourcesOf(problems)} state={problems}>
      {problems.loaded && shown.length === 0 && <p className="tone-ok">{nodesUnknown ? "No problems found in what could be read." : "No problems found."}</p>}
      {nodesUnknown && (
        <p className="muted" data-problem="nodes-unknown">
          Not-ready nodes: unknown — {nodes.error}
        </p>
      )}
      {shown.map((group) => (
        <div key={group.id} className="problem-group" data-problem={group.id}>
          <h4>
            <a href={group.href}>
              {group.title} <span className="count">{formatCount(group.total)}</span>
            </a>
          </h4>
          <ul className="problem-list">
            {group.items.map((item) => (
              <li key={item.key}>
                <a href={item.href}>{item.label}</a> <span className="muted">{item.detail}</span>
                {item.logs && (
                  <>
                    {" "}
                    <a className="logs-link" href={item.logs}>
                      logs
                    </a>
                  </>
                )}
              </li>
            ))}
          </ul>
          {group.total > group.items.length && (
            <a className="more" href={group.href}>
              all {formatCount(group.total)}…
            </a>
          )}
        </div>
      ))}
    </Card>
  );
}
