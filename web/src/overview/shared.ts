// What the overview cards share: refresh intervals, row caps, links into filtered views and the
// sources a card's freshness badge reads.

import { encodeRoute, logsRoute, objectKey, viewRoute } from "../app/urlState";
import type { PollState } from "../app/usePoll";
import type { Row, SourceFreshness } from "../live/protocol";
import { withoutMetrics } from "./summary";

/** Cards refresh this often; capacity sums every pod's requests, so it refreshes less often. */
export const FAST_POLL_MS = 5_000;
export const SLOW_POLL_MS = 15_000;
/** Rows read to sum requests or find degraded workloads (the server pages 1000 at a time). */
export const ROW_CAP = 5_000;
/** Items listed per problem group or card. */
export const LIST_LIMIT = 10;

export interface CardProps {
  cluster: string;
  /** `Date.now()` of the screen's ticking clock (ages and "updated … ago"). */
  now: number;
}

export const viewHref = (cluster: string, view: string, extra: Parameters<typeof viewRoute>[2] = {}) =>
  encodeRoute(viewRoute(cluster, view, extra));

export const objectHref = (cluster: string, view: string, row: Row) => viewHref(cluster, view, { open: objectKey(row) });

/** The logs page of a pod or workload row; null for rows without logs. */
export function logsHref(cluster: string, view: string, row: Row): string | null {
  const route = logsRoute(cluster, view, row);
  return route ? encodeRoute(route) : null;
}

export const facetHref = (cluster: string, view: string, column: string, values: string[]) =>
  viewHref(cluster, view, { facets: { [column]: values.join(",") } });

/** A card's sources for its badge; the metrics feed only counts on the capacity card. */
export function sourcesOf<T extends { sources: SourceFreshness[] }>(poll: PollState<T>, metrics = false): SourceFreshness[] {
  const sources = poll.data?.sources ?? [];
  return metrics ? sources : withoutMetrics(sources);
}
