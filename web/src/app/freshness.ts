// One badge for a view's freshness from the `sources` of its page: the worst state wins, the
// badge says how far a sync got, and the tooltip lists every source with the API's message.
// Denied scopes beside readable ones make a view partial, not forbidden: the readable sources
// decide the state and the denied namespaces are named. Polled sources (list without watch)
// say how often and how long ago they were listed.

import type { SourceFreshness } from "../live/protocol";
import { humanDuration } from "../table/age";

export type FreshnessTone = "ok" | "warn" | "bad" | "muted" | "polled";

export interface FreshnessSummary {
  /** `live`, `syncing 120 of 400`, `reconnecting`, `stale`, `forbidden`, `polled`, ... */
  label: string;
  /** The worst state among the sources (css class `badge-<state>`). */
  state: string;
  tone: FreshnessTone;
  /** One line per source: `pods@team-a: forbidden — message`. */
  title: string;
  /** Scopes denied while others are readable (`team-b`, or the source id when cluster-wide). */
  denied: string[];
  /** Set when the state is `polled`: the oldest poll and the poll interval. */
  polled?: PolledFreshness;
}

export interface PolledFreshness {
  /** Unix ms of the oldest `lastPoll` among the polled sources (null: not polled yet). */
  lastPollMs: number | null;
  /** Seconds between polls, from `nextRetry - lastPoll` (server default 30 s, ±20 %). */
  everySeconds: number;
}

/** The server's `Tuning.poll_interval` (docs/api.md), when a source does not say. */
const DEFAULT_POLL_SECONDS = 30;

/** Worst first. Unknown states sort between stale and live. */
const SEVERITY = [
  "auth-failed",
  "forbidden",
  "unavailable",
  "stale",
  "reconnecting",
  "connecting",
  "syncing",
  "polled",
  "absent",
  "stopped",
  "live",
];

const TONES: Record<string, FreshnessTone> = {
  live: "ok",
  syncing: "warn",
  polled: "polled",
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

const timeMs = (value: unknown): number | null => {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
};

/** `pods@team-b` → `team-b`; a cluster-wide source keeps its id. */
function scopeOf(source: SourceFreshness): string {
  const at = source.id.lastIndexOf("@");
  const scope = at < 0 ? "" : source.id.slice(at + 1);
  return scope && scope !== "*" ? scope : source.id;
}

/** How far the syncing sources got: items so far, and of how many (null when unknown). */
export function syncProgress(sources: SourceFreshness[]): { synced: number; total: number | null } | null {
  if (!sources.some((source) => source.state === "syncing")) return null;
  let synced = 0;
  let total = 0;
  let totalKnown = true;
  for (const source of sources) {
    if (source.state === "absent" || source.state === "forbidden") continue;
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
  return { synced, total: totalKnown && total > 0 ? total : null };
}

function polledOf(sources: SourceFreshness[]): PolledFreshness {
  const polled = sources.filter((source) => source.state === "polled");
  const lasts = polled.map((source) => timeMs(source.lastPoll));
  // The oldest poll speaks for the view; one never polled yet makes it "not polled yet".
  const lastPollMs = lasts.some((last) => last === null) ? null : Math.min(...(lasts as number[]));
  let everySeconds = DEFAULT_POLL_SECONDS;
  for (const source of polled) {
    const last = timeMs(source.lastPoll);
    const next = timeMs(source.nextRetry);
    if (last !== null && next !== null && next > last) {
      everySeconds = Math.max(5, Math.round((next - last) / 5000) * 5);
      break;
    }
  }
  return { lastPollMs, everySeconds };
}

/** "polled every ~30 s, last poll 12s ago" (or "…, not polled yet"). */
export function polledLabel(polled: PolledFreshness, nowMs: number): string {
  const every = `polled every ~${polled.everySeconds} s`;
  if (polled.lastPollMs === null) return `${every}, not polled yet`;
  return `${every}, last poll ${humanDuration(Math.max(0, (nowMs - polled.lastPollMs) / 1000))} ago`;
}

/** Summarises a page's sources; null when there are none (nothing to claim). */
export function summarizeFreshness(sources: SourceFreshness[]): FreshnessSummary | null {
  // A source that is merely absent (metrics not served) does not make a view's rows untrue.
  const relevant = sources.filter((source) => source.state !== "absent");
  const considered = relevant.length > 0 ? relevant : sources;
  if (considered.length === 0) return null;
  // Denied scopes beside readable ones: the view is partial; its freshness is the readable ones'.
  const readable = considered.filter((source) => source.state !== "forbidden");
  const judged = readable.length > 0 ? readable : considered;
  const denied = readable.length > 0 ? considered.filter((source) => source.state === "forbidden").map(scopeOf) : [];
  let worst = normalize(judged[0]!.state);
  for (const source of judged) {
    if (rank(source.state) < rank(worst)) worst = normalize(source.state);
  }

  let label = worst;
  const progress = worst === "syncing" ? syncProgress(judged) : null;
  if (progress) {
    label = progress.total !== null ? `syncing ${progress.synced} of ${progress.total}` : `syncing ${progress.synced}`;
  } else if ((worst === "stale" || worst === "reconnecting") && judged.length > 1) {
    const affected = judged.filter((source) => source.state === worst).length;
    label = `${worst} (${affected} of ${judged.length})`;
  }
  if (denied.length > 0) label = `${label} (partial)`;

  const title = [
    ...(denied.length > 0 ? [`no access in ${denied.length === 1 ? "namespace" : "namespaces"} ${denied.join(", ")}`] : []),
    ...sources.map((source) => {
      const detail = source.message ? ` — ${source.message}` : source.since ? ` since ${source.since}` : "";
      return `${source.id}: ${source.state}${detail}`;
    }),
  ].join("\n");
  const summary: FreshnessSummary = { label, state: worst, tone: TONES[worst] ?? "warn", title, denied };
  if (worst === "polled") summary.polled = polledOf(judged);
  return summary;
}
