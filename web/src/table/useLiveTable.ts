// Binds a VirtualTable to a live view subscription: opens it for (cluster, view), closes it on
// unmount, turns the latest page into `rowAt`, scrolling into `window` ops and header clicks into
// `query` ops. All the logic lives in src/live; this hook only wires React to it.

import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { Row, ViewQuery } from "../live/protocol";
import type {
  Subscriptions,
  SubscriptionSnapshot,
  WindowSubscription,
} from "../live/subscriptions";
import type { VisibleRange } from "../live/window";
import type { SortState } from "./columns";

export interface LiveTableOptions {
  cluster: string;
  view: string;
  /** The query a new subscription starts with (e.g. the view's default sort). */
  initialQuery?: ViewQuery;
}

export interface LiveTable {
  snapshot: SubscriptionSnapshot | null;
  total: number;
  rowAt: (index: number) => Row | undefined;
  sort: SortState | null;
  setSort: (sort: SortState) => void;
  setQuery: (query: ViewQuery, options?: { immediate?: boolean }) => void;
  onVisibleRangeChange: (range: VisibleRange) => void;
  /** Changes with the query, so the table scrolls to the top of a re-sorted or filtered list. */
  queryKey: string;
}

const noSubscription = () => () => {};
const noSnapshot = () => null;

export function useWindowSubscription(
  subscriptions: Subscriptions,
  { cluster, view, initialQuery }: LiveTableOptions,
): [WindowSubscription | null, SubscriptionSnapshot | null] {
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
  const snapshot = useSyncExternalStore(
    subscription ? subscription.subscribe : noSubscription,
    subscription ? subscription.get : noSnapshot,
  );
  return [subscription, snapshot];
}

export function useLiveTable(subscriptions: Subscriptions, options: LiveTableOptions): LiveTable {
  const [subscription, snapshot] = useWindowSubscription(subscriptions, options);
  const page = snapshot?.page ?? null;

  const rowAt = useCallback(
    (index: number): Row | undefined => (page ? page.rows[index - page.offset] : undefined),
    [page],
  );

  const query = snapshot?.query;
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
    snapshot,
    total: page?.total ?? 0,
    rowAt,
    sort,
    setSort,
    setQuery,
    onVisibleRangeChange,
    queryKey: JSON.stringify(query ?? {}),
  };
}
