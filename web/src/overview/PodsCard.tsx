// Pods by status: one `limit=0` page per bucket (no rows travel), "other" is the rest.

import { useCallback } from "react";
import { pageFetcher } from "../app/revalidate";
import { usePoll } from "../app/usePoll";
import type { SourceFreshness } from "../live/protocol";
import { Card } from "./Card";
import { Stat } from "./Stat";
import { fetchCount } from "./pages";
import { otherPods, POD_BUCKETS, type BucketCount } from "./summary";
import { FAST_POLL_MS, viewHref, facetHref, sourcesOf, type CardProps } from "./shared";

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

export function PodsCard({ cluster, now }: CardProps) {
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
