// The app shell: header (cluster switcher, clusters link, connection indicator), left nav of the
// server's view catalogue, and the current screen. The screen lives in the URL hash
// (app/urlState.ts) so a reload restores it; the last opened cluster reopens.

import { useCallback, useEffect, useState } from "react";
import { fetchCatalogue } from "./app/api";
import type { ViewDef } from "./app/catalogue";
import { ClusterPicker, lastCluster, rememberCluster } from "./app/ClusterPicker";
import { useClusters } from "./app/clusters";
import { ClustersScreen } from "./app/ClustersScreen";
import { ConnectionIndicator } from "./app/ConnectionIndicator";
import { useLiveClient } from "./app/liveClient";
import { NavList } from "./app/NavList";
import { ResourceView } from "./app/ResourceView";
import { decodeRoute, encodeRoute, viewRoute, type Route, type ViewRoute } from "./app/urlState";

function readRoute(): Route | null {
  return decodeRoute(window.location.hash);
}

function initialRoute(): Route | null {
  const fromUrl = readRoute();
  if (fromUrl) return fromUrl;
  const last = lastCluster();
  return last ? viewRoute(last) : null;
}

export function App() {
  const { connection, subscriptions } = useLiveClient();
  const [route, setRouteState] = useState<Route | null>(initialRoute);
  const { clusters, error: clustersError, refresh } = useClusters(connection);
  const [catalogue, setCatalogue] = useState<ViewDef[] | null>(null);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);

  // Navigation: push for new screens, replace for edits of the current one (typing, sorting).
  const navigate = useCallback((next: Route, mode: "push" | "replace" = "push") => {
    const hash = encodeRoute(next);
    if (window.location.hash !== hash) {
      if (mode === "push") window.history.pushState(null, "", hash);
      else window.history.replaceState(null, "", hash);
    }
    setRouteState(next);
  }, []);

  useEffect(() => {
    const onHash = () => {
      const next = readRoute();
      if (next) setRouteState(next);
    };
    window.addEventListener("hashchange", onHash);
    window.addEventListener("popstate", onHash);
    return () => {
      window.removeEventListener("hashchange", onHash);
      window.removeEventListener("popstate", onHash);
    };
  }, []);

  useEffect(() => {
    const abort = new AbortController();
    fetchCatalogue(abort.signal)
      .then((views) => setCatalogue(Array.isArray(views) ? views : []))
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setCatalogueError(reason instanceof Error ? reason.message : String(reason));
      });
    return () => abort.abort();
  }, []);

  // No route yet: open the first cluster once the list arrives; keep the URL in step.
  useEffect(() => {
    if (route === null && clusters) {
      const first = clusters[0];
      navigate(first ? viewRoute(first.id) : { screen: "clusters" }, "replace");
    } else if (route && !window.location.hash) {
      window.history.replaceState(null, "", encodeRoute(route));
    }
  }, [route, clusters, navigate]);

  const cluster = route?.screen === "view" ? route.cluster : "";
  useEffect(() => {
    if (cluster) rememberCluster(cluster);
  }, [cluster]);

  const openCluster = (id: string) => {
    const view = route?.screen === "view" ? route.view : undefined;
    navigate(viewRoute(id, view));
  };
  const onRouteChange = useCallback((next: ViewRoute) => navigate(next, "replace"), [navigate]);

  const currentView = route?.screen === "view" ? catalogue?.find((v) => v.name === route.view) : undefined;
  const navCluster = cluster || lastCluster() || clusters?.[0]?.id || "";

  return (
    <div className="app">
      <header className="app-header">
        <h1>masthead</h1>
        <ClusterPicker clusters={clusters} value={cluster || navCluster} onChange={openCluster} />
        <a href="#/clusters" className={route?.screen === "clusters" ? "active" : undefined}>
          Clusters
        </a>
        <div className="spacer" />
        <ConnectionIndicator connection={connection} />
      </header>
      <div className="app-body">
        {catalogue && navCluster && (
          <NavList
            catalogue={catalogue}
            current={route?.screen === "view" ? route.view : ""}
            hrefFor={(view) => encodeRoute(viewRoute(navCluster, view))}
          />
        )}
        <main className="app-main">
          {route?.screen === "clusters" ? (
            <ClustersScreen clusters={clusters} error={clustersError} current={cluster || lastCluster()} onOpen={openCluster} onChanged={refresh} />
          ) : route?.screen === "view" ? (
            currentView ? (
              <ResourceView
                key={`${route.cluster}/${route.view}`}
                subscriptions={subscriptions}
                view={currentView}
                route={route}
                onRouteChange={onRouteChange}
              />
            ) : catalogueError ? (
              <div className="error" role="alert">
                View catalogue: {catalogueError}
              </div>
            ) : catalogue ? (
              <p className="empty">Unknown view “{route.view}”.</p>
            ) : (
              <p className="empty">Loading…</p>
            )
          ) : (
            <p className="empty">Loading clusters…</p>
          )}
        </main>
      </div>
    </div>
  );
}
