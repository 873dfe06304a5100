// The parts of a Kubernetes object the panel reads (the server sends the whole object).

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  type?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: OwnerRef[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  /** Secrets: key → byte length (the server never sends values here). */
  data?: Record<string, unknown>;
}

export const HELM_RELEASE_TYPE = "helm.sh/release.v1";

export function containersOf(object: KubeObject | null): string[] {
  const containers = object?.spec?.containers;
  if (!Array.isArray(containers)) return [];
  return containers.flatMap((c) => (typeof c === "object" && c && typeof (c as { name?: unknown }).name === "string" ? [(c as { name: string }).name] : []));
}

export function numberAt(object: KubeObject | null, ...path: string[]): number | null {
  let value: unknown = object;
  for (const key of path) value = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === "number" ? value : null;
}
