// The guard rails of a context from `GET /api/v1/clusters`: read-only (every action refused)
// and confirm (destructive actions need the object's name typed).

import { useEffect, useState } from "react";
import { fetchClusters } from "../app/api";

export interface ClusterFlags {
  readOnly: boolean;
  confirm: boolean;
}

export function useClusterFlags(cluster: string): ClusterFlags {
  const [flags, setFlags] = useState<ClusterFlags>({ readOnly: false, confirm: false });
  useEffect(() => {
    const abort = new AbortController();
    fetchClusters(abort.signal)
      .then((list) => {
        const found = Array.isArray(list) ? (list.find((c) => c.id === cluster) as (typeof list)[number] & { confirm?: boolean }) : undefined;
        if (found) setFlags({ readOnly: found.readOnly === true, confirm: found.confirm === true });
      })
      .catch(() => {
        // The server refuses actions on protected contexts by itself; the flags only warn early.
      });
    return () => abort.abort();
  }, [cluster]);
  return flags;
}
