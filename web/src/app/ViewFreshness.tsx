// The view's freshness badges, selected from the live snapshot on their own: the sources carry
// item counts that change with most frames under churn, and only these badges re-render for them.

import type { SourceFreshness } from "../live/protocol";
import type { SubscriptionSnapshot, WindowSubscription } from "../live/subscriptions";
import { shallowEqual, useSelected } from "../table/useSelected";
import { FreshnessBadge } from "./FreshnessBadge";

interface Freshness {
  sources: SourceFreshness[] | null;
  paused: boolean;
  offline: boolean;
}

function freshnessOf(snapshot: SubscriptionSnapshot | null): Freshness {
  return { sources: snapshot?.page?.sources ?? null, paused: snapshot?.paused === true, offline: snapshot?.offline === true };
}

export function ViewFreshness({ subscription }: { subscription: WindowSubscription | null }) {
  const { sources, paused, offline } = useSelected(subscription, freshnessOf, shallowEqual);
  return (
    <>
      {paused && <span className="badge badge-stale">paused (tab hidden)</span>}
      {sources && offline ? (
        <span className="badge badge-reconnecting tone-warn" data-testid="freshness" title="the connection to masthead is down: rows as last seen">
          reconnecting
        </span>
      ) : (
        sources && <FreshnessBadge sources={sources} namesDenied={false} />
      )}
    </>
  );
}
