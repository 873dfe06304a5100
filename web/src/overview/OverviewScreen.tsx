// The overview of one cluster (its default screen): nodes, pods by status, workloads short of
// replicas, CPU/memory used vs requested vs allocatable, recent warning events and a problems
// list whose links open the filtered views. Each card polls its pages with ETag revalidation
// (a 304 costs the server nothing) and shows its own freshness and errors.

import { useCallback } from "react";
import { clusterPath, fetchJson, type ClusterInfo } from "../app/api";
import { formatBytes, statusNode } from "../app/catalogue";
import { pageFetcher } from "../app/revalidate";
import { useNow } from "../app/ResourceView";
import { encodeRoute, objectKey, viewRoute } from "../app/urlState";
import { usePoll, type PollState } from "../app/usePoll";
import type { Row, SourceFreshness } from "../live/protocol";
import { ageText } from "../table/age";
import { Card } from "./Card";
import { ClusterBanner } from "./ClusterBanner";
import { fetchCount, fetchRows, type RowList } from "./pages";
import {
  capacity,
  degradedWorkloads,
  FAILING_POD_STATUSES,
  notReadyStatuses,
  otherPods,
  percentOf,
  POD_BUCKETS,
  summarizeNodes,
  type BucketCount,
  withoutMetrics,
  type ResourceLine,
} from "./summary";

/** Cards refresh this often; capacity sums every pod's requests, so it refreshes less often. */
export const FAST_POLL_MS = 5_000;
export const SLOW_POLL_MS = 15_000;
/** Rows read to sum requests or find degraded workloads (the server pages 1000 at a time). */
export const ROW_CAP = 5_000;
const LIST_LIMIT = 10;
const WORKLOAD_VIEWS = ["deployments", "statefulsets", "daemonsets"] as const;

interface EventRow {
  id: number;
  namespace: string;
  type: string;
  reason: string;
  message: string;
  object_kind: string;
  object_name: string;
  count: number;
  last_seen: string;
}

const viewHref = (cluster: string, view: string, extra: Parameters<typeof viewRoute>[2] = {}) =>
  encodeRoute(viewRoute(cluster, view, extra));

const objectHref = (cluster: string, view: string, row: Row) => viewHref(cluster, view, { open: objectKey(row) });

const facetHref = (cluster: string, view: string, column: string, values: string[]) =>
  viewHref(cluster, view, { facets: { [column]: values.join(",") } });

/** A card's sources for its badge; the metrics feed only counts on the capacity card. */
function sourcesOf<T extends { sources: SourceFreshness[] }>(poll: PollState<T>, metrics = false): SourceFreshness[] {
  const sources = poll.data?.sources ?? [];
  return metrics ? sources : withoutMetrics(sources);
}

export function OverviewScreen({
  cluster,
  info,
  onClusterChanged = () => {},
}: {
  cluster: string;
  /** The cluster's entry in the clusters list (state, message), when known. */
  info?: ClusterInfo | undefined;
  onClusterChanged?: () => void;
}) {
  const now = useNow(1000);
  const idle = info?.state === "idle";
  return (
    <section className="overview" aria-label="Overview">
      <div className="view-bar">
        <h2>Overview</h2>
        <span className="muted">{cluster}</span>
      </div>
      {info && <ClusterBanner info={info} onChanged={onClusterChanged} />}
      {!idle && <OverviewCards cluster={cluster} now={now} />}
    </section>
  );
}

/** The cards; not mounted while the cluster is idle (a disconnected cluster serves no pages). */
function OverviewCards({ cluster, now }: { cluster: string; now: number }) {
  const nodes = usePoll(
    useCallback((signal: AbortSignal) => fetchRows(pageFetcher, cluster, "nodes", {}, ROW_CAP, signal), [cluster]),
    FAST_POLL_MS,
    `nodes:${cluster}`,
  );
  return (
    <div className="cards">
      <NodesCard cluster={cluster} nodes={nodes} now={now} />
      <PodsCard cluster={cluster} now={now} />
      <CapacityCard cluster={cluster} nodes={nodes} now={now} />
      <WorkloadsCard cluster={cluster} now={now} />
      <ProblemsCard cluster={cluster} nodes={nodes} now={now} />
      <EventsCard cluster={cluster} now={now} />
    </div>
  );
}

function NodesCard({ cluster, nodes, now }: { cluster: string; nodes: PollState<RowList>; now: number }) {
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

function Stat({ label, value, tone, href }: { label: string; value: number; tone: string; href?: string | undefined }) {
  const text = value.toLocaleString();
  return (
    <div className={`stat tone-${tone}`} data-stat={label}>
      <dd>{href ? <a href={href}>{text}</a> : text}</dd>
      <dt>{label}</dt>
    </div>
  );
}

interface PodCounts {
  total: number;
  buckets: BucketCount[];
  sources: SourceFreshness[];
}

async function loadPodCounts(cluster: string, signal: AbortSignal): Promise<PodCounts> {
  const all = fetchCount(pageFetcher, cluster, "pods", {}, signal);
  const buckets = POD_BUCKETS.map(async (bucket) => ({
    bucket,
    count: (await fetchCount(pageFetcher, cluster, "pods", { "facet.status": bucket.statuses.join(",") }, signal)).total,
  }));
  const [{ total, sources }, counts] = await Promise.all([all, Promise.all(buckets)]);
  return { total, buckets: counts, sources };
}

function PodsCard({ cluster, now }: { cluster: string; now: number }) {
  const pods = usePoll(
    useCallback((signal: AbortSignal) => loadPodCounts(cluster, signal), [cluster]),
    FAST_POLL_MS,
    `pods:${cluster}`,
  );
  const data = pods.data;
  return (
    <Card id="pods" title="Pods" href={viewHref(cluster, "pods")} sources={sourcesOf(pods)} updatedAt={pods.updatedAt} now={now} error={pods.error}>
      {data && (
        <>
          <dl className="stats">
            <Stat label="total" value={data.total} tone="" href={viewHref(cluster, "pods")} />
            {data.buckets.map(({ bucket, count }) => (
              <Stat
                key={bucket.id}
                label={bucket.title.toLowerCase()}
                value={count}
                tone={count > 0 ? bucket.tone : "muted"}
                href={count > 0 ? facetHref(cluster, "pods", "status", bucket.statuses) : undefined}
              />
            ))}
            <Stat label="other" value={otherPods(data.total, data.buckets)} tone="muted" />
          </dl>
          <StatusBar total={data.total} buckets={data.buckets} />
        </>
      )}
    </Card>
  );
}

function StatusBar({ total, buckets }: { total: number; buckets: BucketCount[] }) {
  if (total <= 0) return null;
  return (
    <div className="status-bar" aria-hidden="true">
      {buckets.map(({ bucket, count }) =>
        count > 0 ? <span key={bucket.id} className={`seg seg-${bucket.tone}`} style={{ width: `${(count / total) * 100}%` }} /> : null,
      )}
    </div>
  );
}

// ---- capacity ------------------------------------------------------------------------------

function CapacityCard({ cluster, nodes, now }: { cluster: string; nodes: PollState<RowList>; now: number }) {
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
          {metrics?.state !== "ok" && (
            <p className="metrics-state tone-warn" data-testid="metrics-state">
              Usage not shown — metrics {metrics?.state ?? "not reported"}
              {metrics?.message ? `: ${String(metrics.message)}` : ""}
            </p>
          )}
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

// ---- workloads -----------------------------------------------------------------------------

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

function WorkloadsCard({ cluster, now }: { cluster: string; now: number }) {
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
                  </span>
                </li>
              )),
            )}
          </ul>
        </>
      )}
    </Card>
  );
}

// ---- problems ------------------------------------------------------------------------------

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
  items: Array<{ key: string; href: string; label: string; detail: string }>;
}

function ProblemsCard({ cluster, nodes, now }: { cluster: string; nodes: PollState<RowList>; now: number }) {
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
      items: p.failedJobs.rows.map((row) => ({ key: row.uid, href: objectHref(cluster, "jobs", row), label: objectKey(row), detail: `${String(row.failed ?? 0)} failed` })),
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

// ---- warning events ------------------------------------------------------------------------

function EventsCard({ cluster, now }: { cluster: string; now: number }) {
  const events = usePoll(
    useCallback(
      (signal: AbortSignal) => fetchJson<{ items: EventRow[] }>(`${clusterPath(cluster, "events")}?type=Warning&limit=${LIST_LIMIT}`, signal),
      [cluster],
    ),
    FAST_POLL_MS,
    `events:${cluster}`,
  );
  const items = events.data?.items ?? [];
  return (
    <Card
      id="events"
      title="Recent warning events"
      href={facetHref(cluster, "events", "type", ["Warning"])}
      sources={[]}
      updatedAt={events.updatedAt}
      now={now}
      error={events.error}
    >
      {events.data && items.length === 0 && <p className="tone-ok">No warning events recorded.</p>}
      <ul className="event-list">
        {items.map((event) => (
          <li key={event.id}>
            <span className="muted age">{ageText(Date.parse(event.last_seen) / 1000, now)}</span> {statusNode(event.reason)}{" "}
            <span className="mono">
              {event.object_kind}/{event.namespace ? `${event.namespace}/` : ""}
              {event.object_name}
            </span>
            {event.count > 1 && <span className="muted"> ×{event.count}</span>} <span className="message">{event.message}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
