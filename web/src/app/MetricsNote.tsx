// Why usage (CPU/memory from metrics.k8s.io) is not shown: metrics absent, forbidden, unavailable
// or not polled yet. Shown instead of usage so an empty cell never reads as zero.

import type { SourceFreshness } from "../live/protocol";

export function MetricsNote({ source }: { source: SourceFreshness | null }) {
  return (
    <p className="metrics-state tone-warn" data-testid="metrics-state">
      Usage not shown — metrics {source?.state ?? "not reported"}
      {source?.message ? `: ${String(source.message)}` : ""}
    </p>
  );
}
