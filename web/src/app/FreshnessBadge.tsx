// The freshness badge of a page's sources (worst state wins; the tooltip lists every source),
// optionally with how long ago the screen last heard from the server.

import type { SourceFreshness } from "../live/protocol";
import { humanDuration } from "../table/age";
import { summarizeFreshness } from "./freshness";

export function FreshnessBadge({
  sources,
  updatedAt,
  now,
  testId = "freshness",
}: {
  sources: SourceFreshness[];
  /** `Date.now()` of the last answer; shown as "updated 3s ago" when given. */
  updatedAt?: number | null;
  now?: number;
  testId?: string;
}) {
  const freshness = summarizeFreshness(sources);
  const ago = updatedAt != null && now != null ? humanDuration(Math.max(0, (now - updatedAt) / 1000)) : null;
  return (
    <>
      {freshness && (
        <span className={`badge badge-${freshness.state} tone-${freshness.tone}`} title={freshness.title} data-testid={testId}>
          {freshness.label}
        </span>
      )}
      {ago !== null && <span className="muted updated">updated {ago} ago</span>}
    </>
  );
}
