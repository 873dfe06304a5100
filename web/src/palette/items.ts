// What the palette can jump to: clusters, screens (the audit log among them) and views of the
// current cluster, namespaces (setting the namespace filter of the current view) and objects
// found by name (`q=`), with the logs page of each pod and workload found.

import type { ClusterInfo, ViewPage } from "../app/api";
import { viewPageUrl } from "../app/api";
import { navGroups, type ViewDef } from "../app/catalogue";
import type { RevalidatingFetcher } from "../app/revalidate";
import { DEFAULT_VIEW, logsRoute, objectKey, overviewRoute, viewRoute, type Route } from "../app/urlState";

export type ItemKind = "cluster" | "screen" | "view" | "namespace" | "object" | "logs";

export interface PaletteItem {
  id: string;
  kind: ItemKind;
  label: string;
  detail?: string;
  route: Route;
}

/** Views searched by name for objects, a few rows each. */
export const OBJECT_VIEWS = ["pods", "deployments", "statefulsets", "daemonsets", "services", "nodes"];
export const OBJECTS_PER_VIEW = 5;

export function staticItems(clusters: ClusterInfo[], catalogue: ViewDef[], cluster: string): PaletteItem[] {
  const items: PaletteItem[] = clusters.map((c) => ({
    id: `cluster:${c.id}`,
    kind: "cluster",
    label: c.name,
    detail: `cluster · ${c.state}`,
    route: overviewRoute(c.id),
  }));
  items.push({ id: "screen:clusters", kind: "screen", label: "Clusters", detail: "all contexts", route: { screen: "clusters" } });
  items.push({ id: "screen:diagnostics", kind: "screen", label: "Diagnostics", detail: "sources, watches, rates", route: { screen: "diagnostics" } });
  items.push({ id: "screen:audit", kind: "screen", label: "Audit log", detail: "actions taken, all clusters", route: { screen: "audit" } });
  if (!cluster) return items;
  items.push({ id: "screen:audit-cluster", kind: "screen", label: "Audit log", detail: `actions taken on ${cluster}`, route: { screen: "audit", cluster } });
  items.push({ id: "screen:overview", kind: "screen", label: "Overview", detail: cluster, route: overviewRoute(cluster) });
  items.push({ id: "screen:kinds", kind: "screen", label: "Browse all kinds", detail: cluster, route: { screen: "kinds", cluster } });
  for (const group of navGroups(catalogue)) {
    for (const view of group.views) {
      items.push({ id: `view:${view.name}`, kind: "view", label: view.title, detail: `${group.title.toLowerCase()} · ${cluster}`, route: viewRoute(cluster, view.name) });
    }
  }
  return items;
}

/** Namespace items: the current view (or pods) filtered to that namespace. */
export function namespaceItems(names: string[], current: Route | null, cluster: string): PaletteItem[] {
  const base = current?.screen === "view" && current.cluster === cluster ? current : viewRoute(cluster, DEFAULT_VIEW);
  return names.map((name) => ({
    id: `ns:${name}`,
    kind: "namespace",
    label: name,
    detail: `namespace · ${base.view}`,
    route: { ...base, namespaces: [name], open: undefined },
  }));
}

export interface ObjectSearch {
  items: PaletteItem[];
  /** Views that could not be searched, with the reason (forbidden, not connected, ...). */
  failures: string[];
}

export async function searchObjects(
  fetcher: RevalidatingFetcher,
  cluster: string,
  query: string,
  signal?: AbortSignal,
): Promise<ObjectSearch> {
  const results = await Promise.allSettled(
    OBJECT_VIEWS.map((view) => fetcher.get<ViewPage>(viewPageUrl(cluster, view, { q: query, limit: OBJECTS_PER_VIEW }), signal)),
  );
  const items: PaletteItem[] = [];
  const logs: PaletteItem[] = [];
  const failures: string[] = [];
  results.forEach((result, i) => {
    const view = OBJECT_VIEWS[i]!;
    if (result.status === "rejected") {
      failures.push(`${view}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
      return;
    }
    for (const row of result.value.body.rows) {
      const key = objectKey(row);
      const what = `${view.replace(/s$/, "")}${row.namespace ? ` · ${row.namespace}` : ""}`;
      items.push({ id: `obj:${view}:${key}`, kind: "object", label: row.name, detail: what, route: viewRoute(cluster, view, { open: key }) });
      const logsPage = logsRoute(cluster, view, row);
      if (logsPage) logs.push({ id: `logs:${view}:${key}`, kind: "logs", label: row.name, detail: `logs · ${what}`, route: logsPage });
    }
  });
  // Objects first: opening one is the more common jump; its logs follow.
  return { items: [...items, ...logs], failures };
}
