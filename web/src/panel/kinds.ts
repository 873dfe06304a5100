// Resolving an ownerReference's kind to its resource through `GET .../kinds` (custom resources
// have plurals no rule can guess). A server without the endpoint leaves the guess in place.

import { useEffect, useState } from "react";
import { fetchJson } from "../app/api";
import { clusterUrl, resourceOfKind } from "./refs";

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
}

export type KindResolver = (group: string, kind: string) => { resource: string; namespaced: boolean | null };

export function kindResolver(items: KindInfo[] | null): KindResolver {
  const byKind = new Map((items ?? []).map((k) => [`${k.group}/${k.kind}`, k]));
  return (group, kind) => {
    const found = byKind.get(`${group}/${kind}`);
    return found ? { resource: found.resource, namespaced: found.namespaced } : { resource: resourceOfKind(kind), namespaced: null };
  };
}

export function useKinds(cluster: string): KindResolver {
  const [items, setItems] = useState<KindInfo[] | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    fetchJson<{ items: KindInfo[] }>(clusterUrl(cluster, "kinds"), abort.signal)
      .then((answer) => setItems(Array.isArray(answer.items) ? answer.items : null))
      .catch(() => {
        // No kinds endpoint (older server): owners keep the guessed plural.
      });
    return () => abort.abort();
  }, [cluster]);
  return kindResolver(items);
}
