// Pods by status: one `limit: 0` window per bucket (no rows travel), "other" is the rest.

import { useLiveWindows, type WindowSpec } from "../app/useLiveWindows";
import { Card } from "./Card";
import { Stat } from "./Stat";
import { countOf } from "./pages";
import { otherPods, POD_BUCKETS, type BucketCount } from "./summary";
import { viewHref, facetHref, sourcesOf, type CardProps } from "./shared";

const POD_COUNTS: WindowSpec[] = [
  { view: "pods", limit: 0 },
  ...POD_BUCKETS.map((bucket) => ({ view: "pods", query: { "facet.status": bucket.statuses.join(",") }, limit: 0 })),
];

export function PodsCard({ subscriptions, cluster }: CardProps) {
  const pods = useLiveWindows(subscriptions, cluster, POD_COUNTS);
  const total = countOf(pods, 0);
  const buckets: BucketCount[] = POD_BUCKETS.map((bucket, i) => ({ bucket, count: countOf(pods, i + 1) ?? 0 }));
  return (
    <Card id="pods" title="Pods" href={viewHref(cluster, "pods")} sources={sourcesOf(pods)} state={pods}>
      {total !== null && (
        <>
          <dl className="stats">
            <Stat label="total" value={total} tone="" href={viewHref(cluster, "pods")} />
            {buckets.map(({ bucket, count }) => (
              <Stat
                key={bucket.id}
                label={bucket.title.toLowerCase()}
                value={count}
                tone={count > 0 ? bucket.tone : "muted"}
                href={count > 0 ? facetHref(cluster, "pods", "status", bucket.statuses) : undefined}
              />
            ))}
            <Stat label="other" value={otherPods(total, buckets)} tone="muted" />
          </dl>
          <StatusBar total={total} buckets={buckets} />
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
