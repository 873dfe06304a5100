// One badge for a view's freshness from the `sources` of its page: the worst state wins, the
// badge says how far a sync got, and the tooltip lists every source with the API's message.

import type { SourceFreshness } from "../live/protocol";

export type FreshnessTone = "ok" | "warn" | "bad" | "muted";

export interface FreshnessSummary {
  /** `live`, `syncing 120 of 400`, `reconnecting`, `stale`, `forbidden`, `unavailable`, ... */
  label: string;
  /** The worst state among the sources (css class `badge-<state>`). */
  state: string;
  tone: FreshnessTone;
  /** One line per source: `pods@team-a: forbidden — message`. */
  title: string;
}

/** Worst first. Unknown states sort between stale and live. */
const SEVERITY = [
  "auth-failed",
  "forbidden",
  "unavailable",
  "stale",
  "reconnecting",
  "connecting",
  "syncing",
  "absent",
  "stopped",
  "live",
];

const TONES: Record<string, FreshnessTone> = {
  live: "ok",
  syncing: "warn",
  connecting: "warn",
  reconnecting: "warn",
  stale: "warn",
  forbidden: "bad",
  "auth-failed": "bad",
  unavailable: "bad",
  absent: "muted",
  stopped: "muted",
};

/** The metrics feed calls its healthy state `ok` (protocol §2); for a view that is live. */
function normalize(state: string): string {
  return state === "ok" ? "live" : state;
}

function rank(state: string): number {
  const index = SEVERITY.indexOf(normalize(state));
  return index < 0 ? SEVERITY.indexOf("syncing") : index;
}

const num = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

/** Summarises a page's sources; null when there are none (nothing to claim). */
export function summarizeFreshness(sources: SourceFreshness[]): FreshnessSummary | null {
  // A source that is merely absent (metrics not served) does not make a view's rows untrue.
  const relevant = sources.filter((source) => source.state !== "absent");
  const considered = relevant.length > 0 ? relevant : sources;
  if (considered.length === 0) return null;
  let worst = normalize(considered[0]!.state);
  for (const source of considered) {
    if (rank(source.state) < rank(worst)) worst = normalize(source.state);
  }

  let label = worst;
  if (worst === "syncing") {
    let synced = 0;
    let total = 0;
    let totalKnown = true;
    for (const source of considered) {
      if (source.state === "syncing") {
        synced += num(source.synced) ?? num(source.items) ?? 0;
        const expected = num(source.total);
        if (expected === null) totalKnown = false;
        else total += expected;
      } else {
        const items = num(source.items) ?? 0;
        synced += items;
        total += items;
      }
    }
    label = totalKnown && total > 0 ? `syncing ${synced} of ${total}` : `syncing ${synced}`;
  } else if (worst === "live" && considered.length > 1) {
    label = "live";
  } else if ((worst === "stale" || worst === "reconnecting") && considered.length > 1) {
    const affected = considered.filter((source) => source.state === worst).length;
    label = `${worst} (${affected} of ${considered.length})`;
  }

  const title = sources
    .map((source) => {
      const detail = source.message ? ` — ${source.message}` : source.since ? ` since ${source.since}` : "";
      return `${source.id}: ${source.state}${detail}`;
    })
    .join("\n");
  return { label, state: worst, tone: TONES[worst] ?? "warn", title };
}
