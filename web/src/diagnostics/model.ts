// `GET /api/v1/diagnostics` as the screen needs it: per-cluster state, sources with their
// freshness, watches, request rates (from two snapshots), relists, 429s, and every counted drop.
// Only the fields read here are typed; anything may be missing from an older server.

export interface SourceDiag {
  resource: string;
  namespace: string | null;
  running: boolean;
  syncs: number;
  freshness: { state: string; since?: number; message?: string; [detail: string]: unknown };
}

export interface ResourceDiag {
  name: string;
  resource: string;
  plan?: { mode?: string; namespaces?: string[]; reason?: string };
  error?: string;
  sources: SourceDiag[];
}

export interface ClusterDiag {
  id: string;
  name: string;
  status?: { state?: string; since?: number; sources_live?: number; sources_total?: number };
  load?: {
    requests_by_verb?: Record<string, number>;
    throttled?: number;
    retries?: number;
    watches_open?: number;
    relists?: number;
    syncs?: number;
    bytes_received?: number;
  };
  access?: { evicted?: number };
  resources?: ResourceDiag[];
}

export interface Diagnostics {
  api?: { pages_built?: number; pages_not_modified?: number };
  live?: { connections?: number; subscriptions?: number; frames_sent?: number; frames_dropped?: number };
  registry?: { clusters?: ClusterDiag[]; last_error?: string };
  feeds?: {
    database?: { depth?: number; dropped?: number; failed?: number };
    events_history?: { subscriber_drops?: number; pruned_cap?: number };
    metrics?: Record<string, { state?: string; dropped_objects?: number }>;
    log_followers?: number;
  } | null;
}

export interface Sample {
  snapshot: Diagnostics;
  /** `Date.now()` when it was read. */
  at: number;
}

const n = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

export function totalRequests(cluster: ClusterDiag): number {
  return Object.values(cluster.load?.requests_by_verb ?? {}).reduce((sum, count) => sum + n(count), 0);
}

/** Per second between two counter readings; null without a usable previous one (or a reset). */
export function ratePerSecond(previous: number | null, current: number, seconds: number): number | null {
  if (previous === null || seconds <= 0 || current < previous) return null;
  return (current - previous) / seconds;
}

export interface SourceRow {
  key: string;
  resource: string;
  namespace: string;
  state: string;
  /** Seconds the source has been in its state; null when the server did not say. */
  ageSeconds: number | null;
  message: string;
  syncs: number;
}

export interface ClusterRow {
  id: string;
  state: string;
  sourcesLive: number;
  sourcesTotal: number;
  watchesOpen: number;
  requests: number;
  requestRate: number | null;
  throttled: number;
  throttledRate: number | null;
  relists: number;
  retries: number;
  bytes: number;
  sources: SourceRow[];
}

export function clusterRows(current: Sample, previous: Sample | null): ClusterRow[] {
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const before = new Map((previous?.snapshot.registry?.clusters ?? []).map((c) => [c.id, c]));
  return (current.snapshot.registry?.clusters ?? []).map((cluster) => {
    const old = before.get(cluster.id) ?? null;
    const requests = totalRequests(cluster);
    const throttled = n(cluster.load?.throttled);
    const sources: SourceRow[] = (cluster.resources ?? []).flatMap((resource) =>
      resource.sources.map((source) => {
        const since = source.freshness.since;
        return {
          key: `${resource.name}@${source.namespace ?? "*"}`,
          resource: resource.name,
          namespace: source.namespace ?? "(all)",
          state: source.running ? source.freshness.state : `${source.freshness.state} (stopped)`,
          ageSeconds: typeof since === "number" ? Math.max(0, current.at / 1000 - since) : null,
          message: String(source.freshness.message ?? resource.error ?? ""),
          syncs: n(source.syncs),
        };
      }),
    );
    return {
      id: cluster.id,
      state: cluster.status?.state ?? "unknown",
      sourcesLive: n(cluster.status?.sources_live),
      sourcesTotal: n(cluster.status?.sources_total),
      watchesOpen: n(cluster.load?.watches_open),
      requests,
      requestRate: ratePerSecond(old ? totalRequests(old) : null, requests, seconds),
      throttled,
      throttledRate: ratePerSecond(old ? n(old.load?.throttled) : null, throttled, seconds),
      relists: n(cluster.load?.relists),
      retries: n(cluster.load?.retries),
      bytes: n(cluster.load?.bytes_received),
      sources,
    };
  });
}

export interface Drop {
  what: string;
  count: number;
}

/** Every bounded queue's drop counter the server reports (one line each, zeros included). */
export function queueDrops(snapshot: Diagnostics): Drop[] {
  const drops: Drop[] = [
    { what: "live frames dropped (slow sockets)", count: n(snapshot.live?.frames_dropped) },
    { what: "database writes dropped (queue full)", count: n(snapshot.feeds?.database?.dropped) },
    { what: "database writes failed", count: n(snapshot.feeds?.database?.failed) },
    { what: "event stream overflows (re-read from the database)", count: n(snapshot.feeds?.events_history?.subscriber_drops) },
    { what: "events pruned at the per-cluster cap", count: n(snapshot.feeds?.events_history?.pruned_cap) },
  ];
  for (const [cluster, metrics] of Object.entries(snapshot.feeds?.metrics ?? {})) {
    drops.push({ what: `${cluster}: metrics samples dropped`, count: n(metrics.dropped_objects) });
  }
  for (const cluster of snapshot.registry?.clusters ?? []) {
    drops.push({ what: `${cluster.id}: access-review cache evictions`, count: n(cluster.access?.evicted) });
  }
  return drops;
}
