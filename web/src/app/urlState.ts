// What the address bar holds, so a reload (or a shared link) restores the screen:
//   #/clusters
//   #/c/<cluster>/<view>?sort=age&desc=1&q=web&ns=a,b&open=<namespace>/<name>
// Hash routing: the server serves index.html at `/` and needs to know no client routes.

export interface ViewRoute {
  screen: "view";
  cluster: string;
  view: string;
  sort?: string;
  desc?: boolean;
  q?: string;
  namespaces: string[];
  /** The object whose panel is open: `namespace/name`, or `name` for cluster-scoped ones. */
  open?: string;
}

export interface ClustersRoute {
  screen: "clusters";
}

export type Route = ViewRoute | ClustersRoute;

export const DEFAULT_VIEW = "pods";

export function encodeRoute(route: Route): string {
  if (route.screen === "clusters") return "#/clusters";
  const params = new URLSearchParams();
  if (route.sort) params.set("sort", route.sort);
  if (route.sort && route.desc) params.set("desc", "1");
  if (route.q) params.set("q", route.q);
  if (route.namespaces.length > 0) params.set("ns", route.namespaces.join(","));
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
  if (parts[0] !== "c" || !parts[1]) return null;
  const params = new URLSearchParams(query);
  const route: ViewRoute = {
    screen: "view",
    cluster: parts[1],
    view: parts[2] || DEFAULT_VIEW,
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
  const open = params.get("open");
  if (open) route.open = open;
  return route;
}

export function viewRoute(cluster: string, view: string = DEFAULT_VIEW): ViewRoute {
  return { screen: "view", cluster, view, namespaces: [] };
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
export function routeQuery(route: ViewRoute): import("../live/protocol").ViewQuery {
  const query: import("../live/protocol").ViewQuery = {};
  if (route.namespaces.length > 0) query.namespace = route.namespaces.join(",");
  if (route.q) query.q = route.q;
  if (route.sort) {
    query.sort = route.sort;
    query.desc = route.desc ? 1 : 0;
  }
  return query;
}

/** `namespace/name` → its parts (cluster-scoped objects have no slash). */
export function parseObjectKey(key: string): { namespace?: string; name: string } {
  const index = key.indexOf("/");
  return index < 0 ? { name: key } : { namespace: key.slice(0, index), name: key.slice(index + 1) };
}
