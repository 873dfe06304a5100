// Object references (`Ref`, the contract shared with the relations endpoint) and the URLs of an
// object and its sub-endpoints under `/api/v1/clusters/{id}/objects/...`.

import type { OwnerRef } from "./kubeObject";

export interface Ref {
  /** "" = core. */
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** "" = cluster-scoped. */
  namespace: string;
  name: string;
  uid: string;
}

/** Parses `/api/v1/clusters/{id}/objects/{group|core}/{version}/{resource}/{ns|_}/{name}`. */
export function parseObjectPath(path: string): { cluster: string; ref: Ref } | null {
  const match = /^\/api\/v1\/clusters\/([^/]+)\/objects\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/([^/?]+)$/.exec(path);
  if (!match) return null;
  const [, cluster, group, version, resource, namespace, name] = match.map((part) => decodeURIComponent(part ?? ""));
  return {
    cluster: cluster ?? "",
    ref: {
      group: group === "core" ? "" : (group ?? ""),
      version: version ?? "",
      resource: resource ?? "",
      kind: "",
      namespace: namespace === "_" ? "" : (namespace ?? ""),
      name: name ?? "",
      uid: "",
    },
  };
}

export function objectUrl(cluster: string, ref: Ref, sub?: string): string {
  const parts = [
    cluster,
    "objects",
    ref.group || "core",
    ref.version,
    ref.resource,
    ref.namespace || "_",
    ref.name,
  ].map(encodeURIComponent);
  return `/api/v1/clusters/${parts.join("/")}${sub ? `/${sub}` : ""}`;
}

export function clusterUrl(cluster: string, rest: string): string {
  return `/api/v1/clusters/${encodeURIComponent(cluster)}/${rest}`;
}

/** `namespace/name` or `name`: how an object is named to people. */
export function refLabel(ref: Pick<Ref, "namespace" | "name">): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function sameRef(a: Ref, b: Ref): boolean {
  return a.group === b.group && a.resource === b.resource && a.namespace === b.namespace && a.name === b.name;
}

// Kinds an ownerReference names, to their resource; anything else is guessed as kubectl's
// lower-cased plural would be.
const RESOURCES: Record<string, string> = {
  Pod: "pods",
  ReplicaSet: "replicasets",
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
  Job: "jobs",
  CronJob: "cronjobs",
  Node: "nodes",
  Service: "services",
  Endpoints: "endpoints",
  EndpointSlice: "endpointslices",
  ConfigMap: "configmaps",
  Secret: "secrets",
  Ingress: "ingresses",
  PersistentVolumeClaim: "persistentvolumeclaims",
  PersistentVolume: "persistentvolumes",
  Namespace: "namespaces",
  ServiceAccount: "serviceaccounts",
  ReplicationController: "replicationcontrollers",
  NetworkPolicy: "networkpolicies",
};

export function resourceOfKind(kind: string): string {
  const known = RESOURCES[kind];
  if (known) return known;
  const lower = kind.toLowerCase();
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** An ownerReference of an object in `namespace` as a Ref (owners share the namespace unless
 * the resolver knows the kind is cluster-scoped). */
export function refOfOwner(
  owner: OwnerRef,
  namespace: string,
  resolve: (group: string, kind: string) => { resource: string; namespaced: boolean | null } = (_group, kind) => ({
    resource: resourceOfKind(kind),
    namespaced: null,
  }),
): Ref {
  const [group, version] = owner.apiVersion.includes("/") ? owner.apiVersion.split("/", 2) : ["", owner.apiVersion];
  const resolved = resolve(group ?? "", owner.kind);
  const clusterScoped = resolved.namespaced === false || (resolved.namespaced === null && owner.kind === "Node");
  return {
    group: group ?? "",
    version: version ?? "v1",
    resource: resolved.resource,
    kind: owner.kind,
    namespace: clusterScoped ? "" : namespace,
    name: owner.name,
    uid: owner.uid,
  };
}
