// What the overview cards share: window sizes, links into filtered views and the sources a
// card's freshness badge reads.

import { encodeRoute, logsRoute, objectKey, viewRoute } from "../app/urlState";
import type { Subscriptions } from "../live/subscriptions";
import type { LiveWindows } from "../app/useLiveWindows";
import type { Row, SourceFreshness } from "../live/protocol";
import { withoutMetrics } from "./summary";

/** Rows of a window that lists a whole view (nodes, workloads): the server's cap per window. */
export const ROW_CAP = 1_000;
/** Change frames of those whole-view windows come at most this often (ms): a card summing 1,000
 * rows needs no 10 frames/s, and each frame of them is the whole 1,000 rows. */
export const SUMMED_INTERVAL_MS = 2_000;
/** Items listed per problem group or card. */
export const LIST_LIMIT = 10;

export interface CardProps {
  subscriptions: Subscriptions;
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
export function sourcesOf(windows: LiveWindows, metrics = false): SourceFreshness[] {
  return metrics ? windows.sources : withoutMetrics(windows.sources);
}
