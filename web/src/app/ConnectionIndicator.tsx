// Always-visible state of the live socket: live, connecting, reconnecting in N s, closed.

import { useEffect, useState, useSyncExternalStore } from "react";
import type { Connection, ConnectionState } from "../live/connection";

export function describeConnection(state: ConnectionState, now: number): string {
  switch (state.status) {
    case "open":
      return "Live";
    case "idle":
    case "connecting":
      return state.attempt === 0 ? "Connecting…" : `Reconnecting… (attempt ${state.attempt + 1})`;
    case "reconnecting": {
      const seconds = Math.max(0, Math.ceil(((state.retryAt ?? now) - now) / 1000));
      return seconds > 0 ? `Reconnecting in ${seconds} s` : "Reconnecting…";
    }
    case "closed":
      return "Disconnected";
  }
}

export function ConnectionIndicator({ connection }: { connection: Connection }) {
  const state = useSyncExternalStore(connection.state.subscribe, connection.state.get);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.status !== "reconnecting") return;
    setNow(Date.now());
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(tick);
  }, [state.status, state.retryAt]);

  return (
    <div
      className={`conn conn-${state.status}`}
      role="status"
      aria-live="polite"
      title={state.reason ?? undefined}
    >
      <span className="conn-dot" aria-hidden="true" />
      <span>{describeConnection(state, now)}</span>
      {state.status === "reconnecting" && (
        <button type="button" className="link" onClick={() => connection.retryNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}
