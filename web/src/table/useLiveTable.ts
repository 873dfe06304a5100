// Binds a VirtualTable to a live view subscription: opens it for (cluster, view), closes it on
// unmount, scrolling into `window` ops and header clicks into `query` ops. All the logic lives in
// src/live; this hook only wires React to it.
//
// The snapshot changes with every page frame and window move. The hook's caller (the view, with
// its filters, facets and warnings) gets only the part that changes with the query (`status`),
// which frames bringing rows, a new total or new source counts leave equal; the rows go to
// LiveVirtualTable, and the total and badges to small components that select them (ViewTotal,
// ViewFreshness), so such a frame re-renders those, not the view.

import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { ErrorBody, PageFrame, Row, ViewQuery, Warning } from "../live/protocol";
import type {
  Subscriptions,
  SubscriptionSnapshot,
  WindowSubscription,
} from "../live/subscriptions";
import type { VisibleRange } from "../live/window";
import type { SortState } from "./columns";
import { shallowEqual, useSelected } from "./useSelected";

export interface LiveTableOptions {
  cluster: string;
  view: string;
  /** The query a new subscription starts with (e.g. the view's default sort). */
  initialQuery?: ViewQuery;
}

/** A subscription's snapshot without its window, rows, total and sources. */
export interface TableStatus {
  /** A page has arrived (its warnings are below). */
  hasPage: boolean;
  warnings: Warning[];
  query: ViewQuery;
  loading: boolean;
  error: ErrorBody | null;
  paused: boolean;
  offline: boolean;
}

export interface LiveTable {
  /** The open subscription (null before the first effect): LiveVirtualTable's rows come from it. */
  subscription: WindowSubscription | null;
  /** Null until the subscription is open. */
  status: TableStatus | null;
  sort: SortState | null;
  setSort: (sort: SortState) => void;
  setQuery: (query: ViewQuery, options?: { immediate?: boolean }) => void;
  onVisibleRangeChange: (range: VisibleRange) => void;
  /** Changes with the query, so the table scrolls to the top of a re-sorted or filtered list. */
  queryKey: string;
}

const noSubscription = () => () => {};
const noSnapshot = () => null;
const NO_WARNINGS: Warning[] = [];

/** The page's row at a list index, undefined outside the window it holds. */
export function pageRowAt(page: PageFrame | null, index: number): Row | undefined {
  return page ? page.rows[index - page.offset] : undefined;
}

function tableStatus(snapshot: SubscriptionSnapshot | null): TableStatus | null {
  if (!snapshot) return null;
  const { page, query, loading, error, paused, offline } = snapshot;
  const warnings = page?.warnings ?? NO_WARNINGS;
  return { hasPage: page !== null, warnings, query, loading, error, paused, offline };
}

function sameStatus(a: TableStatus | null, b: TableStatus | null): boolean {
  return a === null || b === null ? a === b : shallowEqual(a, b);
}

/** Opens the subscription for (cluster, view) while mounted; null until its first effect. */
export function useSubscription(
  subscriptions: Subscriptions,
  { cluster, view, initialQuery }: LiveTableOptions,
): WindowSubscription | null {
  const [subscription, setSubscription] = useState<WindowSubscription | null>(null);
  const initialQueryKey = JSON.stringify(initialQuery ?? {});
  useEffect(() => {
    const opened = subscriptions.open({ cluster, view, query: JSON.parse(initialQueryKey) as ViewQuery });
    setSubscription(opened);
    return () => {
      opened.close();
      setSubscription(null);
    };
  }, [subscriptions, cluster, view, initialQueryKey]);
  return subscription;
}

/** The subscription and its whole snapshot (re-rendering on every change of it). */
export function useWindowSubscription(
  subscriptions: Subscriptions,
  options: LiveTableOptions,
): [WindowSubscription | null, SubscriptionSnapshot | null] {
  const subscription = useSubscription(subscriptions, options);
  const snapshot = useSyncExternalStore(
    subscription ? subscription.subscribe : noSubscription,
    subscription ? subscription.get : noSnapshot,
  );
  return [subscription, snapshot];
}

export function useLiveTable(subscriptions: Subscriptions, options: LiveTableOptions): LiveTable {
  const subscription = useSubscription(subscriptions, options);
  const status = useSelected(subscription, tableStatus, sameStatus);

  const query = status?.query;
  const sort = useMemo<SortState | null>(
    () => (query?.sort ? { column: query.sort, desc: query.desc === 1 } : null),
    [query],
  );

  const setQuery = useCallback(
    (next: ViewQuery, queryOptions?: { immediate?: boolean }) =>
      subscription?.setQuery(next, queryOptions),
    [subscription],
  );

  const setSort = useCallback(
    (next: SortState) => {
      if (!subscription) return;
      const current = subscription.get().query;
      subscription.setQuery(
        { ...current, sort: next.column, desc: next.desc ? 1 : 0 },
        { immediate: true },
      );
    },
    [subscription],
  );

  const onVisibleRangeChange = useCallback(
    (range: VisibleRange) => subscription?.setVisibleRange(range),
    [subscription],
  );

  return {
    subscription,
    status,
    sort,
    setSort,
    setQuery,
    onVisibleRangeChange,
    queryKey: JSON.stringify(query ?? {}),
  };
}
