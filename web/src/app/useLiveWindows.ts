// A few small live windows at once (the overview's cards): each a view + query + fixed window
// (`limit: 0` for a bare count), opened over the tab's one socket like the tables' windows, so
// they update when the server says something changed, resubscribe after a reconnect and pause
// while the tab is hidden — no polling.

import { useEffect, useMemo, useState } from "react";
import type { PageFrame, SourceFreshness, ViewQuery } from "../live/protocol";
import type { Subscriptions, SubscriptionSnapshot } from "../live/subscriptions";

export interface WindowSpec {
  view: string;
  query?: ViewQuery;
  /** Rows wanted from the top (0: only the total). */
  limit: number;
  /** Milliseconds between change frames (big windows that only feed sums want few). */
  interval?: number;
}

export interface LiveWindows {
  /** The latest page of each spec, in order; null until its first frame. */
  pages: Array<PageFrame | null>;
  /** Every spec has had a frame. */
  loaded: boolean;
  /** The first window's error (`reason: message`); the other windows keep working. */
  error: string | null;
  /** Sources of every window, each id once (the first seen wins). */
  sources: SourceFreshness[];
  /** Unsubscribed while the tab is hidden: pages are the last ones seen. */
  paused: boolean;
  /** The socket is down: pages are the last ones seen. */
  offline: boolean;
}

export function useLiveWindows(subscriptions: Subscriptions, cluster: string, specs: WindowSpec[]): LiveWindows {
  // Callers build specs inline; the key keeps one set of subscriptions while they are equal.
  const key = JSON.stringify([cluster, specs]);
  const [snapshots, setSnapshots] = useState<Array<SubscriptionSnapshot | null>>(() => specs.map(() => null));
  useEffect(() => {
    const [forCluster, wanted] = JSON.parse(key) as [string, WindowSpec[]];
    const opened = wanted.map((spec) =>
      subscriptions.open({ cluster: forCluster, view: spec.view, query: spec.query ?? {}, window: { offset: 0, limit: spec.limit }, interval: spec.interval }),
    );
    const read = () => setSnapshots(opened.map((sub) => sub.get()));
    const detach = opened.map((sub) => sub.subscribe(read));
    read();
    return () => {
      for (const stop of detach) stop();
      for (const sub of opened) sub.close();
      setSnapshots(wanted.map(() => null));
    };
  }, [subscriptions, key]);

  return useMemo(() => {
    const pages = snapshots.map((snapshot) => snapshot?.page ?? null);
    const firstError = snapshots.find((snapshot) => snapshot?.error)?.error ?? null;
    const sources = new Map<string, SourceFreshness>();
    for (const page of pages) for (const source of page?.sources ?? []) if (!sources.has(source.id)) sources.set(source.id, source);
    return {
      pages,
      loaded: snapshots.length > 0 && snapshots.every((snapshot) => snapshot?.page != null || snapshot?.error != null),
      error: firstError ? `${firstError.reason}: ${firstError.message}` : null,
      sources: [...sources.values()],
      paused: snapshots.some((snapshot) => snapshot?.paused === true),
      offline: snapshots.some((snapshot) => snapshot?.offline === true),
    };
  }, [snapshots]);
}
