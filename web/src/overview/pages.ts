// Reads for the overview: whole (capped) row lists of a view, and bare counts (`limit=0`: the
// server answers with `total` and no rows, from its facet index).

import type { Row, SourceFreshness, Warning } from "../live/protocol";
import { viewPageUrl, type ViewPage } from "../app/api";
import type { RevalidatingFetcher } from "../app/revalidate";

/** The server's page cap (`limit` ≤ 1000). */
export const PAGE_LIMIT = 1000;

export interface RowList {
  rows: Row[];
  /** Rows the view has; more than `rows.length` when the cap cut the list. */
  total: number;
  sources: SourceFreshness[];
  warnings: Warning[];
}

export type PageParams = Record<string, string | number | undefined>;

/** Up to `cap` rows of a view, one `limit=1000` page after another (each revalidated by ETag). */
export async function fetchRows(
  fetcher: RevalidatingFetcher,
  cluster: string,
  view: string,
  params: PageParams,
  cap: number,
  signal?: AbortSignal,
): Promise<RowList> {
  const rows: Row[] = [];
  let first: ViewPage | null = null;
  for (let offset = 0; offset < cap; offset += PAGE_LIMIT) {
    const limit = Math.min(PAGE_LIMIT, cap - offset);
    const { body } = await fetcher.get<ViewPage>(viewPageUrl(cluster, view, { ...params, offset, limit }), signal);
    first ??= body;
    rows.push(...body.rows);
    if (body.rows.length < limit || offset + limit >= body.total) break;
  }
  return { rows, total: first?.total ?? 0, sources: first?.sources ?? [], warnings: first?.warnings ?? [] };
}

/** How many rows match (`limit=0`), with the page's freshness. */
export async function fetchCount(
  fetcher: RevalidatingFetcher,
  cluster: string,
  view: string,
  params: PageParams,
  signal?: AbortSignal,
): Promise<{ total: number; sources: SourceFreshness[] }> {
  const { body } = await fetcher.get<ViewPage>(viewPageUrl(cluster, view, { ...params, limit: 0 }), signal);
  return { total: body.total, sources: body.sources };
}
