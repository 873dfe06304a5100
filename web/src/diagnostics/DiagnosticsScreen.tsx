// Diagnostics (`GET /api/v1/diagnostics`, every few seconds): per cluster its state, sources and
// their freshness, watches open, request rate, relists and 429s; the live socket; every drop
// counter of the server's bounded queues.

import { formatCount } from "../app/formatCount";
import { useCallback, useRef } from "react";
import { fetchJson } from "../app/api";
import { formatBytes } from "../app/catalogue";
import { clusterTone } from "../app/clusters";
import { useNow } from "../app/useNow";
import { usePoll } from "../app/usePoll";
import { humanDuration } from "../table/age";
import { ClusterSwatch } from "../theme/ClusterSwatch";
import { clusterRows, queueDrops, type Diagnostics, type Sample } from "./model";

export const DIAGNOSTICS_POLL_MS = 3_000;

const rate = (value: number | null) => (value === null ? "—" : `${value.toFixed(value < 10 ? 1 : 0)}/s`);

function sourceTone(state: string): string {
  if (state === "live") return "ok";
  if (/forbidden|unavailable|auth-failed|stopped/.test(state)) return "bad";
  return "warn";
}

export function DiagnosticsScreen() {
  const previous = useRef<Sample | null>(null);
  const load = useCallback(async (signal: AbortSignal) => {
    const sample: Sample = { snapshot: await fetchJson<Diagnostics>("/api/v1/diagnostics", signal), at: Date.now() };
    const before = previous.current;
    previous.current = sample;
    return { sample, before };
  }, []);
  const poll = usePoll(load, DIAGNOSTICS_POLL_MS, "diagnostics");
  const now = useNow(1000);
  const data = poll.data;
  const rows = data ? clusterRows(data.sample, data.before) : [];
  const live = data?.sample.snapshot.live;
  const api = data?.sample.snapshot.api;

  return (
    <section className="diagnostics" aria-label="Diagnostics">
      <div className="view-bar">
        <h2>Diagnostics</h2>
        <div className="spacer" />
        {poll.updatedAt !== null && (
          <span className="muted updated" data-testid="diagnostics-updated">
            updated {humanDuration(Math.max(0, (now - poll.updatedAt) / 1000))} ago · every {DIAGNOSTICS_POLL_MS / 1000} s
          </span>
        )}
      </div>
      {poll.error && (
        <div className="error" role="alert">
          {poll.error}
        </div>
      )}
      {!data && !poll.error && <p className="empty">Loading…</p>}
      {data && (
        <div className="diag-body">
          <table className="diag-table" aria-label="clusters">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>State</th>
                <th>Sources live</th>
                <th>Watches open</th>
                <th>Requests</th>
                <th>Rate</th>
                <th>Relists</th>
                <th>429s</th>
                <th>Retries</th>
                <th>Received</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-cluster={row.id}>
                  <td>
                    <ClusterSwatch cluster={row.id} /> {row.id}
                  </td>
                  <td>
                    <span className={`badge tone-${clusterTone(row.state)}`}>{row.state}</span>
                  </td>
                  <td data-col="sources">
                    {row.sourcesLive} / {row.sourcesTotal}
                  </td>
                  <td data-col="watches">{row.watchesOpen}</td>
                  <td data-col="requests">{formatCount(row.requests)}</td>
                  <td data-col="rate">{rate(row.requestRate)}</td>
                  <td data-col="relists">{row.relists}</td>
                  <td data-col="throttled" className={row.throttled > 0 ? "tone-warn" : undefined}>
                    {row.throttled} {row.throttledRate ? `(${rate(row.throttledRate)})` : ""}
                  </td>
                  <td data-col="retries">{row.retries}</td>
                  <td>{formatBytes(row.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>

          {rows.map((row) => (
            <div key={row.id} className="diag-sources">
              <h3>
                <ClusterSwatch cluster={row.id} /> {row.id}: sources
              </h3>
              {row.sources.length === 0 ? (
                <p className="muted">No sources running (nothing has been looked at yet).</p>
              ) : (
                <table className="diag-table" aria-label={`${row.id} sources`}>
                  <thead>
                    <tr>
                      <th>Resource</th>
                      <th>Namespace</th>
                      <th>Freshness</th>
                      <th>For</th>
                      <th>Syncs</th>
                      <th>Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    {row.sources.map((source) => (
                      <tr key={source.key} data-source={source.key}>
                        <td>{source.resource}</td>
                        <td>{source.namespace}</td>
                        <td>
                          <span className={`badge tone-${sourceTone(source.state)}`}>{source.state}</span>
                        </td>
                        <td>{source.ageSeconds === null ? "—" : humanDuration(source.ageSeconds)}</td>
                        <td>{source.syncs}</td>
                        <td className="muted">{source.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ))}

          <div className="diag-grid">
            <div>
              <h3>Live socket and pages</h3>
              <dl className="kv">
                <dt>connections</dt>
                <dd data-kv="connections">{live?.connections ?? 0}</dd>
                <dt>subscriptions</dt>
                <dd>{live?.subscriptions ?? 0}</dd>
                <dt>frames sent</dt>
                <dd>{formatCount(live?.frames_sent ?? 0)}</dd>
                <dt>pages built</dt>
                <dd>{formatCount(api?.pages_built ?? 0)}</dd>
                <dt>pages not modified (304)</dt>
                <dd>{formatCount(api?.pages_not_modified ?? 0)}</dd>
              </dl>
            </div>
            <div>
              <h3>Queue drops</h3>
              <dl className="kv" aria-label="queue drops">
                {queueDrops(data.sample.snapshot).map((drop) => (
                  <div key={drop.what} className={drop.count > 0 ? "tone-warn" : undefined}>
                    <dt>{drop.what}</dt>
                    <dd>{formatCount(drop.count)}</dd>
                  </div>
                ))}
              </dl>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
