// The overview of one cluster (its default screen): nodes, pods by status, workloads short of
// replicas, CPU/memory used vs requested vs allocatable, recent warning events and a problems
// list whose links open the filtered views. Each card polls its pages with ETag revalidation
// (a 304 costs the server nothing) and shows its own freshness and errors.

import { useCallback } from "react";
import type { ClusterInfo } from "../app/api";
import { pageFetcher } from "../app/revalidate";
import { useNow } from "../app/useNow";
import { usePoll } from "../app/usePoll";
import { CapacityCard } from "./CapacityCard";
import { ClusterBanner } from "./ClusterBanner";
import { EventsCard } from "./EventsCard";
import { NodesCard } from "./NodesCard";
import { fetchRows } from "./pages";
import { PodsCard } from "./PodsCard";
import { ProblemsCard } from "./ProblemsCard";
import { FAST_POLL_MS, ROW_CAP, type CardProps } from "./shared";
import { WorkloadsCard } from "./WorkloadsCard";

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
function OverviewCards({ cluster, now }: CardProps) {
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
