// A running drain, live: the server's `drains/{id}/stream` (SSE, one `drain` event per change)
// shows each pod's eviction state; Cancel sends DELETE. Without a stream the state is polled.

import { useEffect, useState } from "react";
import { fetchJson } from "../app/api";
import { errorText, sendJson } from "./http";
import { clusterUrl } from "./refs";
import { ErrorNote } from "./ErrorNote";
import { readSse } from "./sse";

export interface DrainPod {
  namespace: string;
  name: string;
  state: "pending" | "evicting" | "blocked" | "evicted" | "skipped" | "failed" | string;
  message?: string;
}

export interface DrainState {
  id: string;
  node: string;
  state: "running" | "done" | "failed" | "cancelled" | "timeout" | string;
  pods: DrainPod[];
  startedAt: string;
  finishedAt: string | null;
}

const POLL_MS = 1000;
/** Polls at most this often before giving up (a stuck drain times out server-side anyway). */
const POLL_LIMIT = 900;

const TONES: Record<string, string> = { evicted: "tone-ok", skipped: "muted", blocked: "tone-warn", failed: "tone-bad", evicting: "tone-warn" };

export function DrainProgress({ cluster, initial }: { cluster: string; initial: DrainState }) {
  const [drain, setDrain] = useState<DrainState>(initial);
  const [error, setError] = useState<string | null>(null);
  const base = clusterUrl(cluster, `drains/${encodeURIComponent(initial.id)}`);

  useEffect(() => {
    if (initial.state !== "running") return;
    const abort = new AbortController();
    const poll = async () => {
      for (let i = 0; i < POLL_LIMIT && !abort.signal.aborted; i++) {
        const next = await fetchJson<DrainState>(base, abort.signal);
        setDrain(next);
        if (next.state !== "running") return;
        await new Promise((done) => setTimeout(done, POLL_MS));
      }
    };
    readSse(`${base}/stream`, (event) => event.event === "drain" && setDrain(JSON.parse(event.data) as DrainState), abort.signal)
      .catch(() => (abort.signal.aborted ? undefined : poll()))
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setError(errorText(reason));
      });
    return () => abort.abort();
  }, [base, initial.state]);

  const cancel = () => {
    sendJson<DrainState>("DELETE", base)
      .then((answer) => answer.body && setDrain(answer.body))
      .catch((reason: unknown) => setError(errorText(reason)));
  };

  return (
    <div className="drain" aria-label="drain progress">
      <p>
        Drain of <span className="mono">{drain.node}</span>: <strong data-testid="drain-state">{drain.state}</strong>
        {drain.state === "running" && (
          <button type="button" onClick={cancel}>
            Cancel drain
          </button>
        )}
      </p>
      {error && (
        <ErrorNote>
          {error}
        </ErrorNote>
      )}
      <ul className="drain-pods">
        {drain.pods.map((pod) => (
          <li key={`${pod.namespace}/${pod.name}`}>
            <span className="mono">
              {pod.namespace}/{pod.name}
            </span>{" "}
            <span className={TONES[pod.state] ?? ""}>{pod.state}</span>
            {pod.message && <span className="muted"> — {pod.message}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
