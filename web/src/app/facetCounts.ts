// Status facets with counts for a view. Pages carry no facet counts, so each candidate value is
// counted with a `limit=0` page (answered from the server's facet index, revalidated by ETag)
// under the view's other filters. Candidates: the values a view is known to use, plus values seen
// in the rows on screen, plus the selected ones — capped, so a column with thousands of distinct
// values cannot fan out into thousands of requests.

import { useCallback, useEffect, useRef } from "react";
import type { ReadonlyObservable } from "../live/observable";
import type { Row, ViewQuery } from "../live/protocol";
import { viewPageUrl, type ViewPage } from "./api";
import type { ViewDef } from "./catalogue";
import { pageFetcher } from "./revalidate";
import { usePoll } from "./usePoll";

export const FACET_POLL_MS = 5_000;
/** At most this many values are counted per poll. */
export const MAX_FACET_VALUES = 24;

/** Columns offered as status facets, in order of preference. */
const STATUS_FACETS = ["status", "phase", "type"];

/** Values each view's status column is known to take (kubectl's texts). */
const KNOWN_VALUES: Record<string, string[]> = {
  pods: ["Running", "Pending", "ContainerCreating", "Completed", "CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "Terminating", "Evicted", "Unknown"],
  nodes: ["Ready", "NotReady", "Unknown"],
  jobs: ["Running", "Complete", "Failed", "Suspended"],
  namespaces: ["Active", "Terminating"],
  events: ["Normal", "Warning"],
  persistentvolumeclaims: ["Bound", "Pending", "Lost"],
  persistentvolumes: ["Available", "Bound", "Released", "Failed", "Pending"],
  services: ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
};

/** The view's status-like facet column, if the catalogue marks one. */
export function statusFacetColumn(view: ViewDef): string | null {
  for (const id of STATUS_FACETS) {
    if (view.columns.some((column) => column.id === id && column.facet === true)) return id;
  }
  return null;
}

/**
 * Selected values first, then known ones (in their order), then newly seen ones; capped. Values
 * with a comma (`Ready,SchedulingDisabled`) cannot be asked for: the server splits facet
 * parameters on commas.
 */
export function facetCandidates(view: string, seen: Iterable<string>, selected: string[], cap = MAX_FACET_VALUES): string[] {
  const values = new Set<string>(selected);
  for (const value of KNOWN_VALUES[view] ?? []) values.add(value);
  for (const value of seen) if (value && !value.includes(",")) values.add(value);
  return [...values].slice(0, Math.max(cap, selected.length));
}

/** The query without this column's facet: the counts show every alternative. */
export function countQuery(query: ViewQuery, column: string): Record<string, string | number | undefined> {
  const params: Record<string, string | number | undefined> = { ...query };
  delete params[`facet.${column}`];
  delete params.sort;
  delete params.desc;
  return params;
}

export interface FacetCount {
  value: string;
  count: number;
}

/**
 * Counts of `column`'s values under `query` (minus this facet), refreshed every few seconds.
 * Values seen in the rows of `pages` join the candidates at the next poll.
 */
export function useFacetCounts(
  cluster: string,
  view: string,
  column: string | null,
  query: ViewQuery,
  pages: ReadonlyObservable<{ page: { rows: Row[] } | null }> | null,
  selected: string[],
) {
  const seen = useRef(new Set<string>());
  // Noted as pages arrive, without re-rendering the view for them.
  useEffect(() => {
    if (!column || !pages) return;
    let noted: Row[] | null = null;
    const note = () => {
      const rows = pages.get().page?.rows ?? null;
      if (rows === null || rows === noted) return;
      noted = rows;
      for (const row of rows) {
        if (seen.current.size >= MAX_FACET_VALUES) break;
        const value = row[column];
        if (typeof value === "string" && value) seen.current.add(value);
      }
    };
    note();
    return pages.subscribe(note);
  }, [pages, column]);

  const params = column ? countQuery(query, column) : {};
  const key = column ? `${cluster}|${view}|${column}|${JSON.stringify(params)}` : "";
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const load = useCallback(
    async (signal: AbortSignal): Promise<FacetCount[]> => {
      if (!column) return [];
      const candidates = facetCandidates(view, seen.current, selectedRef.current);
      const counts = await Promise.all(
        candidates.map(async (value) => {
          const url = viewPageUrl(cluster, view, { ...params, [`facet.${column}`]: value, limit: 0 });
          const { body } = await pageFetcher.get<ViewPage>(url, signal);
          return { value, count: body.total };
        }),
      );
      return counts.filter((c) => c.count > 0 || selectedRef.current.includes(c.value));
    },
    // `key` captures every input of the request.
    [key],
  );
  return usePoll(load, column ? FACET_POLL_MS : 0, key);
}
