// The app shell: header (cluster switcher with the cluster's accent colour, clusters,
// diagnostics and audit links, theme toggle, connection indicator), left nav (the cluster's
// overview, the server's view catalogue, browse all kinds), the current screen (the panel
// package's audit and logs pages among them), and the Ctrl/Cmd-K command palette. The screen
// lives in the URL hash (app/urlState.ts) so a reload restores it; the last opened cluster
// reopens on its overview.

import { useCallback, useEffect, useState, type CSSProperties } from "react";
import { fetchCatalogue } from "./app/api";
import { resolveView, type ViewDef } from "./app/catalogue";
import { ClusterPicker, lastCluster, rememberCluster } from "./app/ClusterPicker";
import { useClusters } from "./app/clusters";
import { ClustersScreen } from "./app/ClustersScreen";
import { ConnectionIndicator } from "./app/ConnectionIndicator";
import { KindsScreen } from "./app/KindsScreen";
import { useLiveClient } from "./app/liveClient";
import { NavList } from "./app/NavList";
import { ResourceView } from "./app/ResourceView";
import {
  decodeRoute,
  encodeRoute,
  overviewRoute,
  routeCluster,
  viewRoute,
  type Route,
  type ViewRoute,
} from "./app/urlState";
import { DiagnosticsScreen } from "./diagnostics/DiagnosticsScreen";
import { OverviewScreen } from "./overview/OverviewScreen";
import { CommandPalette, isPaletteShortcut } from "./palette/CommandPalette";
import { PanelScreen } from "./panel/PanelScreen";
import { clusterAccent } from "./theme/accent";
import { ThemeToggle } from "./theme/ThemeToggle";

function readRoute(): Route | null {
  return decodeRoute(window.location.hash);
}

function initialRoute(): Route | null {
  const fromUrl = readRoute();
  if (fromUrl) return fromUrl;
  const last = lastCluster();
  return last ? overviewRoute(last) : null;
}

export function App() {
  const { connection, subscriptions } = useLiveClient();
  const [route, setRouteState] = useState<Route | null>(initialRoute);
  const { clusters, error: clustersError, refresh } = useClusters(connection);
  const [catalogue, setCatalogue] = useState<ViewDef[] | null>(null);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);
  const [paletteOpen, setPaletteOpen] = useState(false);

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
    const onKey = (event: KeyboardEvent) => {
      if (!isPaletteShortcut(event)) return;
      event.preventDefault();
      setPaletteOpen((open) => !open);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
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

  // No route yet: open the first cluster's overview once the list arrives; keep the URL in step.
  useEffect(() => {
    if (route === null && clusters) {
      const first = clusters[0];
      navigate(first ? overviewRoute(first.id) : { screen: "clusters" }, "replace");
    } else if (route && !window.location.hash) {
      window.history.replaceState(null, "", encodeRoute(route));
    }
  }, [route, clusters, navigate]);

  const cluster = routeCluster(route);
  useEffect(() => {
    if (cluster) rememberCluster(cluster);
  }, [cluster]);

  // Switching clusters keeps the screen (a view stays that view, without the other cluster's filters).
  const openCluster = (id: string) => {
    if (route?.screen === "view") navigate(viewRoute(id, route.view));
    else if (route?.screen === "kinds") navigate({ screen: "kinds", cluster: id });
    else if (route?.screen === "audit" && route.cluster) navigate({ screen: "audit", cluster: id });
    else navigate(overviewRoute(id));
  };
  const onRouteChange = useCallback((next: ViewRoute) => navigate(next, "replace"), [navigate]);

  const currentView = route?.screen === "view" && catalogue ? resolveView(catalogue, route.view) : null;
  const navCluster = cluster || lastCluster() || clusters?.[0]?.id || "";
  const accent = clusterAccent(navCluster);
  const accentStyle = accent ? ({ "--cluster-accent": accent } as CSSProperties) : undefined;

  return (
    <div className="app" style={accentStyle} data-cluster={navCluster || undefined}>
      <header className="app-header">
        <h1>masthead</h1>
        <ClusterPicker clusters={clusters} value={cluster || navCluster} onChange={openCluster} />
        <a href="#/clusters" className={route?.screen === "clusters" ? "active" : undefined}>
          Clusters
        </a>
        <a href="#/diagnostics" className={route?.screen === "diagnostics" ? "active" : undefined}>
          Diagnostics
        </a>
        <a href="#/audit" className={route?.screen === "audit" ? "active" : undefined} title="Actions taken through masthead, all clusters">
          Audit
        </a>
        <button type="button" className="link palette-hint" onClick={() => setPaletteOpen(true)} title="Command palette (Ctrl+K / ⌘K)">
          Jump to… <kbd>Ctrl K</kbd>
        </button>
        <div className="spacer" />
        <ThemeToggle />
        <ConnectionIndicator connection={connection} />
      </header>
      <div className="app-body">
        {navCluster && (
          <NavList
            catalogue={catalogue ?? []}
            current={route?.screen === "view" ? route.view : route?.screen === "overview" || route?.screen === "kinds" ? `~${route.screen}` : ""}
            hrefFor={(view) => encodeRoute(viewRoute(navCluster, view))}
            overviewHref={encodeRoute(overviewRoute(navCluster))}
            kindsHref={encodeRoute({ screen: "kinds", cluster: navCluster })}
          />
        )}
        <main className="app-main">
          {route?.screen === "clusters" ? (
            <ClustersScreen clusters={clusters} error={clustersError} current={cluster || lastCluster()} onOpen={openCluster} onChanged={refresh} />
          ) : route?.screen === "diagnostics" ? (
            <DiagnosticsScreen />
          ) : route?.screen === "overview" ? (
            <OverviewScreen
              key={route.cluster}
              subscriptions={subscriptions}
              cluster={route.cluster}
              info={clusters?.find((c) => c.id === route.cluster)}
              onClusterChanged={refresh}
            />
          ) : route?.screen === "audit" || route?.screen === "logs" ? (
            <PanelScreen key={encodeRoute(route)} route={route} />
          ) : route?.screen === "kinds" ? (
            <KindsScreen key={route.cluster} cluster={route.cluster} onOpen={(view) => navigate(viewRoute(route.cluster, view))} />
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
      {paletteOpen && (
        <CommandPalette
          clusters={clusters ?? []}
          catalogue={catalogue ?? []}
          cluster={navCluster}
          route={route}
          onNavigate={(next) => navigate(next)}
          onClose={() => setPaletteOpen(false)}
        />
      )}
    </div>
  );
}
