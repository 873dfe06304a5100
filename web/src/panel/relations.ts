// `GET .../objects/.../{name}/relations` (the contract of the relations endpoint).

import type { Ref } from "./refs";

export interface Relations {
  owners: Ref[];
  owned: Ref[];
  pods: Ref[];
  node: Ref | null;
  volumes: Array<{ name: string; kind: string; ref: Ref | null }>;
  services: Ref[];
  /** A Service's EndpointSlices (by their `kubernetes.io/service-name` label). */
  endpointSlices: Ref[];
}
