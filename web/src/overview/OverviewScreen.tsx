// The overview of one cluster (its default screen): nodes, pods by status, workloads short of
// replicas, CPU/memory used vs requested vs allocatable, recent warning events and a problems
// list whose links open the filtered views. Each card reads small live windows over the tab's
// socket (counts are `limit: 0` windows), so it updates when the cluster changes, without
// polling, and pauses with the hidden tab; each shows its own freshness and errors.

import type { ClusterInfo } from "../app/api";
import { useLiveWindows, type WindowSpec } from "../app/useLiveWindows";
import { useNow } from "../app/useNow";
import type { Subscriptions } from "../live/subscriptions";
import { CapacityCard } from "./CapacityCard";
import { ClusterBanner } from "./ClusterBanner";
import { EventsCard } from "./EventsCard";
import { NodesCard } from "./NodesCard";
import { PodsCard } from "./PodsCard";
import { ProblemsCard } from "./ProblemsCard";
import { ROW_CAP, SUMMED_INTERVAL_MS, type CardProps } from "./shared";
import { WorkloadsCard } from "./WorkloadsCard";

const NODES: WindowSpec[] = [{ view: "nodes", limit: ROW_CAP, interval: SUMMED_INTERVAL_MS }];

export function OverviewScreen({
  subscriptions,
  cluster,
  info,
  onClusterChanged = () => {},
}: {
  subscriptions: Subscriptions;
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
      {!idle && <OverviewCards subscriptions={subscriptions} cluster={cluster} now={now} />}
    </section>
  );
}

/** The cards; not mounted while the cluster is idle (a disconnected cluster serves no pages). */
function OverviewCards({ subscriptions, cluster, now }: CardProps) {
  // Nodes feed three cards (counts, capacity, not-ready problems): one window for all.
  const nodes = useLiveWindows(subscriptions, cluster, NODES);
  const props = { subscriptions, cluster, now };
  return (
    <div className="cards">
      <NodesCard cluster={cluster} nodes={nodes} />
      <PodsCard {...props} />
      <CapacityCard cluster={cluster} nodes={nodes} />
      <WorkloadsCard {...props} />
      <ProblemsCard {...props} nodes={nodes} />
      <EventsCard {...props} />
    </div>
  );
}
