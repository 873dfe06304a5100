// A small dot in a cluster's accent colour (header, cluster picker, clusters list).

import { clusterAccent } from "./accent";

export function ClusterSwatch({ cluster }: { cluster: string }) {
  if (!cluster) return null;
  return <span className="swatch" aria-hidden="true" data-cluster-swatch={cluster} style={{ background: clusterAccent(cluster) }} />;
}
