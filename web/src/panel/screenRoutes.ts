// Full-page screens of the panel package and their address-bar form (hash routing, as
// app/urlState.ts):
//   #/logs/<cluster>/<namespace>/<Kind>/<name>    a workload's (or, Kind "Pod", a pod's) logs
//   #/audit[/<cluster>]                           the audit log
// app/urlState.ts makes them part of the shell's Route (decoding with `decodePanelRoute`);
// App.tsx mounts `PanelScreen` for them.

import type { LogTarget } from "./logSource";
import { LOG_WORKLOAD_KINDS } from "./logSource";

export type PanelRoute = { screen: "logs"; cluster: string; target: LogTarget } | { screen: "audit"; cluster?: string };

export function encodePanelRoute(route: PanelRoute): string {
  if (route.screen === "audit") return route.cluster ? `#/audit/${encodeURIComponent(route.cluster)}` : "#/audit";
  const t = route.target;
  const [kind, name] = "pod" in t ? ["Pod", t.pod] : [t.kind, t.name];
  return `#/logs/${[route.cluster, t.namespace, kind, name].map(encodeURIComponent).join("/")}`;
}

export function decodePanelRoute(hash: string): PanelRoute | null {
  const path = (hash.startsWith("#") ? hash.slice(1) : hash).split("?")[0] ?? "";
  let parts: string[];
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  if (parts[0] === "audit" && parts.length <= 2) return parts[1] ? { screen: "audit", cluster: parts[1] } : { screen: "audit" };
  if (parts[0] !== "logs" || parts.length !== 5) return null;
  const [, cluster = "", namespace = "", kind = "", name = ""] = parts;
  if (kind === "Pod") return { screen: "logs", cluster, target: { namespace, pod: name } };
  if (!LOG_WORKLOAD_KINDS.has(kind)) return null;
  return { screen: "logs", cluster, target: { namespace, kind, name } };
}
