// Events of one object, newest first, warnings coloured. Asks the per-object endpoint; a server
// without it (404) is asked for the history filtered by `involved=<uid>` instead.

import { fetchJson } from "../app/api";
import { useEffect, useState } from "react";
import { errorStatus, errorText } from "./http";
import { ErrorNote } from "./ErrorNote";
import { clusterUrl, objectUrl, type Ref } from "./refs";

export interface EventRow {
  /** null for an event only in the live table, not yet in the history. */
  id: number | null;
  uid?: string;
  type: string;
  reason: string;
  message: string;
  count?: number;
  first_seen?: string;
  last_seen?: string;
  source?: string;
  object_field?: string;
}

const LIMIT = 200;

/** Newest first by last-seen (RFC 3339 strings compare in time order), then by history id. */
export function newestFirst(a: EventRow, b: EventRow): number {
  const seen = (b.last_seen ?? b.first_seen ?? "").localeCompare(a.last_seen ?? a.first_seen ?? "");
  return seen !== 0 ? seen : (b.id ?? -1) - (a.id ?? -1);
}

export async function fetchObjectEvents(cluster: string, target: Ref, uid: string, signal?: AbortSignal): Promise<EventRow[]> {
  try {
    return (await fetchJson<{ items: EventRow[] }>(`${objectUrl(cluster, target, "events")}?limit=${LIMIT}`, signal)).items;
  } catch (error) {
    if (errorStatus(error) !== 404 || !uid) throw error;
  }
  const params = new URLSearchParams({ involved: uid, limit: String(LIMIT) });
  return (await fetchJson<{ items: EventRow[] }>(`${clusterUrl(cluster, "events")}?${params.toString()}`, signal)).items;
}

export function EventsTab({ cluster, target, uid }: { cluster: string; target: Ref; uid: string }) {
  const [state, setState] = useState<{ items?: EventRow[]; error?: string }>({});
  useEffect(() => {
    const abort = new AbortController();
    setState({});
    fetchObjectEvents(cluster, target, uid, abort.signal)
      .then((items) => setState({ items: [...items].sort(newestFirst) }))
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setState({ error: errorText(reason) });
      });
    return () => abort.abort();
  }, [cluster, target, uid]);

  if (state.error)
    return (
      <ErrorNote>
        {state.error}
      </ErrorNote>
    );
  if (!state.items) return <p className="muted">Loading…</p>;
  if (state.items.length === 0) return <p className="muted">No events recorded for this object.</p>;
  return (
    <ul className="events" aria-label="events">
      {state.items.map((event, i) => (
        <li key={event.uid ?? event.id ?? i} className={event.type === "Warning" ? "event-warning" : "event-normal"}>
          <span className="event-time muted">{event.last_seen ?? event.first_seen}</span>{" "}
          <strong className={event.type === "Warning" ? "tone-bad" : undefined}>{event.reason}</strong>
          {event.count && event.count > 1 ? <span className="muted"> ×{event.count}</span> : null} {event.message}
          {event.source && <span className="muted"> — {event.source}</span>}
        </li>
      ))}
    </ul>
  );
}
