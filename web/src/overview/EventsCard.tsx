// The latest warning events: a 10-row window of the events view (type Warning, newest first),
// so a new warning shows up as it happens.

import { statusNode } from "../app/catalogue";
import type { Row } from "../live/protocol";
import { useLiveWindows, type WindowSpec } from "../app/useLiveWindows";
import { ageText } from "../table/age";
import { Card } from "./Card";
import { rowList } from "./pages";
import { LIST_LIMIT, facetHref, sourcesOf, type CardProps } from "./shared";

const WARNINGS: WindowSpec[] = [{ view: "events", query: { "facet.type": "Warning", sort: "last_seen", desc: 1 }, limit: LIST_LIMIT }];

export function EventsCard({ subscriptions, cluster, now }: CardProps) {
  const events = useLiveWindows(subscriptions, cluster, WARNINGS);
  const list = rowList(events, 0);
  const items = list?.rows ?? [];
  return (
    <Card id="events" title="Recent warning events" href={facetHref(cluster, "events", "type", ["Warning"])} sources={sourcesOf(events)} state={events}>
      {list && items.length === 0 && <p className="tone-ok">No warning events.</p>}
      <ul className="event-list">
        {items.map((event) => (
          <li key={event.uid}>
            <span className="muted age">{ageText(event.last_seen, now)}</span> {statusNode(String(event.reason ?? ""))}{" "}
            <span className="mono">{involvedText(event)}</span>
            {Number(event.count) > 1 && <span className="muted"> ×{String(event.count)}</span>} <span className="message">{String(event.message ?? "")}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** `Pod/shop/web-2`: the view's `object` column is kubectl's `pod/web-2`; the kind keeps its case. */
function involvedText(event: Row): string {
  const object = String(event.object ?? "");
  const name = object.includes("/") ? object.slice(object.indexOf("/") + 1) : "";
  const kind = String(event.object_kind ?? "");
  return [kind, event.namespace, name].filter(Boolean).join("/");
}
