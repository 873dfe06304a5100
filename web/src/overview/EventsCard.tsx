// The latest warning events from the events history (`GET …/events?type=Warning`).

import { useCallback } from "react";
import { clusterPath, fetchJson } from "../app/api";
import { statusNode } from "../app/catalogue";
import { usePoll } from "../app/usePoll";
import { ageText } from "../table/age";
import { Card } from "./Card";
import { FAST_POLL_MS, LIST_LIMIT, facetHref, type CardProps } from "./shared";

interface EventRow {
  id: number;
  namespace: string;
  type: string;
  reason: string;
  message: string;
  object_kind: string;
  object_name: string;
  count: number;
  last_seen: string;
}

export function EventsCard({ cluster, now }: CardProps) {
  const events = usePoll(
    useCallback(
      (signal: AbortSignal) => fetchJson<{ items: EventRow[] }>(`${clusterPath(cluster, "events")}?type=Warning&limit=${LIST_LIMIT}`, signal),
      [cluster],
    ),
    FAST_POLL_MS,
    `events:${cluster}`,
  );
  const items = events.data?.items ?? [];
  return (
    <Card
      id="events"
      title="Recent warning events"
      href={facetHref(cluster, "events", "type", ["Warning"])}
      sources={[]}
      updatedAt={events.updatedAt}
      now={now}
      error={events.error}
    >
      {events.data && items.length === 0 && <p className="tone-ok">No warning events recorded.</p>}
      <ul className="event-list">
        {items.map((event) => (
          <li key={event.id}>
            <span className="muted age">{ageText(Date.parse(event.last_seen) / 1000, now)}</span> {statusNode(event.reason)}{" "}
            <span className="mono">
              {event.object_kind}/{event.namespace ? `${event.namespace}/` : ""}
              {event.object_name}
            </span>
            {event.count > 1 && <span className="muted"> ×{event.count}</span>} <span className="message">{event.message}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
