// The view's row count ("12,345 pods"), selected from the live snapshot on its own: the total
// changes with most frames under churn (a pod deleted and re-created), and only this text
// re-renders for it, not the view.

import type { SubscriptionSnapshot, WindowSubscription } from "../live/subscriptions";
import { useSelected } from "../table/useSelected";
import { formatCount } from "./formatCount";

export function totalText(snapshot: SubscriptionSnapshot | null, noun: string): string {
  if (snapshot?.page) return `${formatCount(snapshot.page.total)} ${noun}`;
  return snapshot?.loading ? "Loading…" : "";
}

export function ViewTotal({ subscription, noun }: { subscription: WindowSubscription | null; noun: string }) {
  const text = useSelected(subscription, (snapshot) => totalText(snapshot, noun));
  return (
    <span className="total" aria-live="polite">
      {text}
    </span>
  );
}
