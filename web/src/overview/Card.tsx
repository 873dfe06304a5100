// One overview card: a title (a link to the view it summarises), its freshness (or that the tab
// is paused / the socket down, so its numbers are the last ones seen), the error of one of its
// windows (the other numbers stay shown), and the body — or, while a source is still syncing,
// how far the sync got instead of counts that would read as a false 0.

import { formatCount } from "../app/formatCount";
import type { ReactNode } from "react";
import type { SourceFreshness } from "../live/protocol";
import { FreshnessBadge } from "../app/FreshnessBadge";
import { syncProgress } from "../app/freshness";
import type { LiveWindows } from "../app/useLiveWindows";

export type CardState = Pick<LiveWindows, "loaded" | "error" | "paused" | "offline">;

export function Card({
  id,
  title,
  href,
  sources,
  state,
  children,
}: {
  id: string;
  title: string;
  href?: string;
  sources: SourceFreshness[];
  state: CardState;
  children: ReactNode;
}) {
  const testId = `freshness-${id}`;
  return (
    <section className="card" aria-label={title} data-card={id}>
      <header className="card-head">
        <h3>{href ? <a href={href}>{title}</a> : title}</h3>
        <div className="spacer" />
        {state.offline ? (
          <span className="badge badge-reconnecting tone-warn" data-testid={testId} title="the connection to masthead is down: numbers as last seen">
            reconnecting
          </span>
        ) : state.paused ? (
          <span className="badge badge-stale" data-testid={testId}>
            paused (tab hidden)
          </span>
        ) : (
          <FreshnessBadge sources={sources} testId={testId} />
        )}
      </header>
      {state.error && (
        <div className="error" role="alert">
          {state.error}
        </div>
      )}
      {!state.loaded && !state.error ? <p className="muted">Loading…</p> : <SyncedBody sources={sources}>{children}</SyncedBody>}
    </section>
  );
}

function SyncedBody({ sources, children }: { sources: SourceFreshness[]; children: ReactNode }) {
  const progress = syncProgress(sources);
  if (!progress) return children;
  const of = progress.total !== null ? ` of ~${formatCount(progress.total)}` : "";
  return (
    <p className="muted syncing-note" data-testid="syncing-placeholder">
      syncing {formatCount(progress.synced)}
      {of} — counts appear when the sync is done
    </p>
  );
}
