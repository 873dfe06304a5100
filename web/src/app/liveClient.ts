// The tab's live client, created once at startup and handed to components through context.

import { createContext, useContext } from "react";
import { Connection } from "../live/connection";
import { Subscriptions } from "../live/subscriptions";
import { documentVisibility } from "../live/visibility";

export interface LiveClient {
  connection: Connection;
  subscriptions: Subscriptions;
}

/** `ws(s)://<host>/api/v1/live`: the UI is served by masthead itself, at the site root. */
export function liveUrl(location: Location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/live`;
}

export function createLiveClient(): LiveClient {
  const connection = new Connection({ url: liveUrl(window.location) });
  const subscriptions = new Subscriptions(connection, { visibility: documentVisibility() });
  // Coming back online or to the tab should not wait out a 30 s backoff.
  window.addEventListener("online", () => connection.retryNow());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") connection.retryNow();
  });
  connection.start();
  return { connection, subscriptions };
}

export const LiveClientContext = createContext<LiveClient | null>(null);

export function useLiveClient(): LiveClient {
  const client = useContext(LiveClientContext);
  if (!client) throw new Error("useLiveClient outside <LiveClientContext.Provider>");
  return client;
}
