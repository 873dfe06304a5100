// One overview card: a title (a link to the view it summarises), its freshness and the time of
// its last answer, the error of its last load (the previous values stay shown), and the body.

import type { ReactNode } from "react";
import type { SourceFreshness } from "../live/protocol";
import { FreshnessBadge } from "../app/FreshnessBadge";

export function Card({
  id,
  title,
  href,
  sources,
  updatedAt,
  now,
  error,
  children,
}: {
  id: string;
  title: string;
  href?: string;
  sources: SourceFreshness[];
  updatedAt: number | null;
  now: number;
  error: string | null;
  children: ReactNode;
}) {
  return (
    <section className="card" aria-label={title} data-card={id}>
      <header className="card-head">
        <h3>{href ? <a href={href}>{title}</a> : title}</h3>
        <div className="spacer" />
        <FreshnessBadge sources={sources} updatedAt={updatedAt} now={now} testId={`freshness-${id}`} />
      </header>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {updatedAt === null && !error ? <p className="muted">Loading…</p> : children}
    </section>
  );
}
