// What the address bar holds, so a reload (or a shared link) restores the screen:
//   #/clusters
//   #/diagnostics
//   #/c/<cluster>                 the cluster's overview (the default screen of a cluster)
//   #/c/<cluster>/~kinds          every kind the cluster serves (browse)
//   #/c/<cluster>/<view>?sort=age&desc=1&q=web&ns=a,b&selector=app%3Dweb&facet.status=Pending&open=<namespace>/<name>
//   #/audit[/<cluster>]           the audit log (all clusters, or one)
//   #/logs/<cluster>/<namespace>/<Kind>/<name>   a pod's or workload's logs
// (the last two are the panel package's pages, encoded by panel/screenRoutes.ts).
// Browse views are named `browse/<group|core>/<version>/<resource>` (one encoded path segment).
// Hash routing: the server serves index.html at `/` and needs to know no client routes.

import type { ViewQuery } from "../live/protocol";
import { logTargetFor } from "../panel/logSource";
import { decodePanelRoute, encodePanelRoute, type PanelRoute } from "../panel/screenRoutes";

export interface ViewRoute {
  screen: "view";
  cluster: string;
  view: string;
  sort?: string;
  desc?: boolean;
  q?: string;
  namespaces: string[];
  /** Label selector, upstream syntax. */
  selector?: string;
  /** Facet filters by column id, each a comma-separated value list (`status: "Pending,Failed"`). */
  facets?: Record<string, string>;
  /** The object whose panel is open: `namespace/name`, or `name` for cluster-scoped ones. */
  open?: string;
}

export interface ClustersRoute {
  screen: "clusters";
}

export interface DiagnosticsRoute {
  screen: "diagnostics";
}

export interface OverviewRoute {
  screen: "overview";
  cluster: string;
}

export interface KindsRoute {
  screen: "kinds";
  cluster: string;
}

export type Route = ViewRoute | ClustersRoute | DiagnosticsRoute | OverviewRoute | KindsRoute | PanelRoute;

export const DEFAULT_VIEW = "pods";
/** Path segment of the kinds screen; `~` keeps it apart from any view name. */
const KINDS_SEGMENT = "~kinds";
const FACET_PARAM = "facet.";

/** The cluster a route belongs to ("" for the cross-cluster screens). */
export function routeCluster(route: Route | null): string {
  return route && "cluster" in route ? (route.cluster ?? "") : "";
}

export function overviewRoute(cluster: string): OverviewRoute {
  return { screen: "overview", cluster };
}

export function encodeRoute(route: Route): string {
  if (route.screen === "clusters") return "#/clusters";
  if (route.screen === "diagnostics") return "#/diagnostics";
  if (route.screen === "overview") return `#/c/${encodeURIComponent(route.cluster)}`;
  if (route.screen === "kinds") return `#/c/${encodeURIComponent(route.cluster)}/${KINDS_SEGMENT}`;
  if (route.screen === "audit" || route.screen === "logs") return encodePanelRoute(route);
  const params = new URLSearchParams();
  if (route.sort) params.set("sort", route.sort);
  if (route.sort && route.desc) params.set("desc", "1");
  if (route.q) params.set("q", route.q);
  if (route.namespaces.length > 0) params.set("ns", route.namespaces.join(","));
  if (route.selector) params.set("selector", route.selector);
  for (const [column, values] of Object.entries(route.facets ?? {})) {
    if (values) params.set(FACET_PARAM + column, values);
  }
  if (route.open) params.set("open", route.open);
  const query = params.toString();
  const path = `#/c/${encodeURIComponent(route.cluster)}/${encodeURIComponent(route.view)}`;
  return query ? `${path}?${query}` : path;
}

/** Reads a location hash; null when it names no screen (the caller picks a default). */
export function decodeRoute(hash: string): Route | null {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const [path = "", query = ""] = splitOnce(raw, "?");
  const parts = path.split("/").filter(Boolean).map(safeDecode);
  if (parts[0] === "clusters" && parts.length === 1) return { screen: "clusters" };
  if (parts[0] === "diagnostics" && parts.length === 1) return { screen: "diagnostics" };
  if (parts[0] === "audit" || parts[0] === "logs") return decodePanelRoute(hash);
  if (parts[0] !== "c" || !parts[1]) return null;
  if (!parts[2]) return overviewRoute(parts[1]);
  if (parts[2] === KINDS_SEGMENT) return { screen: "kinds", cluster: parts[1] };
  const params = new URLSearchParams(query);
  const route: ViewRoute = {
    screen: "view",
    cluster: parts[1],
    view: parts[2],
    namespaces: (params.get("ns") ?? "")
      .split(",")
      .map((ns) => ns.trim())
      .filter(Boolean),
  };
  const sort = params.get("sort");
  if (sort) {
    route.sort = sort;
    route.desc = params.get("desc") === "1";
  }
  const q = params.get("q");
  if (q) route.q = q;
  const selector = params.get("selector");
  if (selector) route.selector = selector;
  const facets: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name.startsWith(FACET_PARAM) && name.length > FACET_PARAM.length && value) facets[name.slice(FACET_PARAM.length)] = value;
  }
  if (Object.keys(facets).length > 0) route.facets = facets;
  const open = params.get("open");
  if (open) route.open = open;
  return route;
}

export function viewRoute(cluster: string, view: string = DEFAULT_VIEW, extra: Partial<Omit<ViewRoute, "screen" | "cluster" | "view">> = {}): ViewRoute {
  return { screen: "view", cluster, view, namespaces: [], ...extra };
}

/** The logs page of a row of a pod or workload view (`pods`, `deployments`, ...); null for other views. */
export function logsRoute(cluster: string, view: string, row: { namespace?: unknown; name: string }): PanelRoute | null {
  const target = logTargetFor({ resource: view, namespace: typeof row.namespace === "string" ? row.namespace : "", name: row.name });
  return target ? { screen: "logs", cluster, target } : null;
}

/** `namespace/name` (or `name`) identifying a row in the URL. */
export function objectKey(row: { namespace?: unknown; name: string }): string {
  return typeof row.namespace === "string" && row.namespace ? `${row.namespace}/${row.name}` : row.name;
}

function splitOnce(value: string, separator: string): [string, string] {
  const index = value.indexOf(separator);
  return index < 0 ? [value, ""] : [value.slice(0, index), value.slice(index + 1)];
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The live query a view route asks for. */
export function routeQuery(route: ViewRoute): ViewQuery {
  const query: ViewQuery = {};
  if (route.namespaces.length > 0) query.namespace = route.namespaces.join(",");
  if (route.q) query.q = route.q;
  if (route.selector) query.selector = route.selector;
  for (const [column, values] of Object.entries(route.facets ?? {})) {
    if (values) query[`facet.${column}`] = values;
  }
  if (route.sort) {
    query.sort = route.sort;
    query.desc = route.desc ? 1 : 0;
  }
  return query;
}

/** Whether two queries ask for the same rows (key order and empty values do not matter). */
export function sameQuery(a: ViewQuery, b: ViewQuery): boolean {
  const canonical = (query: ViewQuery) =>
    JSON.stringify(
      Object.entries(query)
        .filter(([, value]) => value !== undefined && value !== "")
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
    );
  return canonical(a) === canonical(b);
}

/** `namespace/name` → its parts (cluster-scoped objects have no slash). */
export function parseObjectKey(key: string): { namespace?: string; name: string } {
  const index = key.indexOf("/");
  return index < 0 ? { name: key } : { namespace: key.slice(0, index), name: key.slice(index + 1) };
}
