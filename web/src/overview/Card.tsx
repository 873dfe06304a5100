// One overview card: a title (a link to the view it summarises), its freshness (or that the tab
// is paused / the socket down, so its numbers are the last ones seen), the error of one of its
// windows (the other numbers stay shown), and the body.

import type { ReactNode } from "react";
import type { SourceFreshness } from "../live/protocol";
import { FreshnessBadge } from "../app/FreshnessBadge";
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
      {!state.loaded && !state.error ? <p className="muted">Loading…</p> : children}
    </section>
  );
}
