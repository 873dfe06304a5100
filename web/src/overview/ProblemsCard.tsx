// Problems, each group linking to the filtered view and each item to its object: failing and
// crash-looping pods, pending pods, not-ready nodes, failed jobs.

import { useCallback } from "react";
import { pageFetcher } from "../app/revalidate";
import { objectKey } from "../app/urlState";
import { usePoll, type PollState } from "../app/usePoll";
import type { SourceFreshness } from "../live/protocol";
import { ageText } from "../table/age";
import { Card } from "./Card";
import { fetchRows, type RowList } from "./pages";
import { FAILING_POD_STATUSES, notReadyStatuses, summarizeNodes } from "./summary";
import { FAST_POLL_MS, LIST_LIMIT, objectHref, facetHref, logsHref, sourcesOf, type CardProps } from "./shared";

interface Problems {
  failing: RowList;
  pending: RowList;
  failedJobs: RowList;
  sources: SourceFreshness[];
}

async function loadProblems(cluster: string, signal: AbortSignal): Promise<Problems> {
  const [failing, pending, failedJobs] = await Promise.all([
    fetchRows(pageFetcher, cluster, "pods", { "facet.status": FAILING_POD_STATUSES.join(","), sort: "restarts", desc: 1 }, LIST_LIMIT, signal),
    fetchRows(pageFetcher, cluster, "pods", { "facet.status": "Pending", sort: "age", desc: 0 }, LIST_LIMIT, signal),
    fetchRows(pageFetcher, cluster, "jobs", { "facet.status": "Failed" }, LIST_LIMIT, signal),
  ]);
  return { failing, pending, failedJobs, sources: [...failing.sources, ...failedJobs.sources] };
}

interface ProblemGroup {
  id: string;
  title: string;
  total: number;
  href: string;
  /** `logs`: the logs page of a failing pod or job. */
  items: Array<{ key: string; href: string; label: string; detail: string; logs?: string | null }>;
}

export function ProblemsCard({ cluster, nodes, now }: CardProps & { nodes: PollState<RowList> }) {
  const problems = usePoll(
    useCallback((signal: AbortSignal) => loadProblems(cluster, signal), [cluster]),
    FAST_POLL_MS,
    `problems:${cluster}`,
  );
  const groups: ProblemGroup[] = [];
  const p = problems.data;
  if (p) {
    groups.push({
      id: "failing-pods",
      title: "Crash-looping and failing pods",
      total: p.failing.total,
      href: facetHref(cluster, "pods", "status", FAILING_POD_STATUSES),
      items: p.failing.rows.map((row) => ({
        key: row.uid,
        href: objectHref(cluster, "pods", row),
        label: objectKey(row),
        detail: `${String(row.status)} · ${String(row.restarts ?? 0)} restarts`,
        logs: logsHref(cluster, "pods", row),
      })),
    });
    groups.push({
      id: "pending-pods",
      title: "Pending pods",
      total: p.pending.total,
      href: facetHref(cluster, "pods", "status", ["Pending"]),
      items: p.pending.rows.map((row) => ({ key: row.uid, href: objectHref(cluster, "pods", row), label: objectKey(row), detail: `pending ${ageText(row.age, now)}` })),
    });
  }
  const notReady = nodes.data ? summarizeNodes(nodes.data.rows).notReady : null;
  if (notReady) {
    groups.push({
      id: "not-ready-nodes",
      title: "Not-ready nodes",
      total: notReady.length,
      href: facetHref(cluster, "nodes", "status", notReadyStatuses(notReady)),
      items: notReady.slice(0, LIST_LIMIT).map((row) => ({ key: row.uid, href: objectHref(cluster, "nodes", row), label: row.name, detail: String(row.status) })),
    });
  }
  if (p) {
    groups.push({
      id: "failed-jobs",
      title: "Failed jobs",
      total: p.failedJobs.total,
      href: facetHref(cluster, "jobs", "status", ["Failed"]),
      items: p.failedJobs.rows.map((row) => ({
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
  const nodesUnknown = nodes.data === null && nodes.error !== null;
  return (
    <Card id="problems" title="Problems" sources={sourcesOf(problems)} updatedAt={problems.updatedAt} now={now} error={problems.error}>
      {p && shown.length === 0 && <p className="tone-ok">{nodesUnknown ? "No problems found in what could be read." : "No problems found."}</p>}
      {nodesUnknown && (
        <p className="muted" data-problem="nodes-unknown">
          Not-ready nodes: unknown — {nodes.error}
        </p>
      )}
      {shown.map((group) => (
        <div key={group.id} className="problem-group" data-problem={group.id}>
          <h4>
            <a href={group.href}>
              {group.title} <span className="count">{group.total.toLocaleString()}</span>
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
              all {group.total.toLocaleString()}…
            </a>
          )}
        </div>
      ))}
    </Card>
  );
}
