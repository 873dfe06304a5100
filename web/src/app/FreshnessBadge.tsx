// The freshness badge of a page's sources (worst readable state wins; the tooltip lists every
// source), optionally with how long ago the screen last heard from the server. A polled view's
// badge ticks ("last poll 12s ago"); a partial one names its denied namespaces unless the
// screen shows the server's PartialAccess warnings itself.

import type { SourceFreshness } from "../live/protocol";
import { humanDuration } from "../table/age";
import { useSecondClock } from "../table/secondClock";
import { polledLabel, summarizeFreshness, type PolledFreshness } from "./freshness";

function PolledText({ polled }: { polled: PolledFreshness }) {
  return <>{polledLabel(polled, useSecondClock())}</>;
}

export function FreshnessBadge({
  sources,
  updatedAt,
  now,
  testId = "freshness",
  namesDenied = true,
}: {
  sources: SourceFreshness[];
  /** `Date.now()` of the last answer; shown as "updated 3s ago" when given. */
  updatedAt?: number | null;
  now?: number;
  testId?: string;
  /** Say which namespaces are denied beside the badge (off where the page's warnings do). */
  namesDenied?: boolean;
}) {
  const freshness = summarizeFreshness(sources);
  const ago = updatedAt != null && now != null ? humanDuration(Math.max(0, (now - updatedAt) / 1000)) : null;
  return (
    <>
      {freshness && (
        <span className={`badge badge-${freshness.state} tone-${freshness.tone}`} title={freshness.title} data-testid={testId}>
          {freshness.polled ? <PolledText polled={freshness.polled} /> : freshness.label}
        </span>
      )}
      {freshness && namesDenied && freshness.denied.length > 0 && (
        <span className="partial-note tone-warn" role="note" data-testid={`${testId}-denied`}>
          no access: {freshness.denied.join(", ")}
        </span>
      )}
      {ago !== null && <span className="muted updated">updated {ago} ago</span>}
    </>
  );
}
