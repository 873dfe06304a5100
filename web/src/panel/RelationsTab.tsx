// Relations of one object (owners, owned, pods, node, volumes, services, endpoint slices), each a link that opens
// its panel. The caller fetched them (it hides the tab when the endpoint is missing).

import type { Ref } from "./refs";
import { RefLink } from "./RefLink";
import type { Relations } from "./relations";

function Section({ title, refs, onOpen }: { title: string; refs: Ref[]; onOpen: (ref: Ref) => void }) {
  if (refs.length === 0) return null;
  return (
    <>
      <h4>
        {title} <span className="muted">({refs.length})</span>
      </h4>
      <ul className="refs">
        {refs.map((ref) => (
          <li key={ref.uid || `${ref.resource}/${ref.namespace}/${ref.name}`}>
            <RefLink target={ref} onOpen={onOpen} />
          </li>
        ))}
      </ul>
    </>
  );
}

export function RelationsTab({ relations: raw, onOpen }: { relations: Partial<Relations>; onOpen: (ref: Ref) => void }) {
  // A server may leave out empty lists.
  const relations = { owners: [], owned: [], pods: [], services: [], endpointSlices: [], volumes: [], node: null, ...raw };
  const volumes = relations.volumes;
  const empty =
    relations.owners.length +
      relations.owned.length +
      relations.pods.length +
      relations.services.length +
      relations.endpointSlices.length +
      volumes.length ===
      0 &&
    !relations.node;
  if (empty) return <p className="muted">No related objects.</p>;
  return (
    <div className="relations" aria-label="relations">
      <Section title="Owners" refs={relations.owners} onOpen={onOpen} />
      <Section title="Owned" refs={relations.owned} onOpen={onOpen} />
      <Section title="Pods" refs={relations.pods} onOpen={onOpen} />
      {relations.node && <Section title="Node" refs={[relations.node]} onOpen={onOpen} />}
      <Section title="Services" refs={relations.services} onOpen={onOpen} />
      <Section title="EndpointSlices" refs={relations.endpointSlices} onOpen={onOpen} />
      {volumes.length > 0 && (
        <>
          <h4>Volumes</h4>
          <ul className="refs">
            {volumes.map((volume) => (
              <li key={volume.name}>
                <span className="mono">{volume.name}</span> <span className="muted">{volume.kind}</span>{" "}
                {volume.ref && <RefLink target={volume.ref} onOpen={onOpen} />}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
