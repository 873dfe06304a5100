// The Summary tab: the row's columns (when the panel opened from a table), the object's
// identity, owners (links), labels and annotations; Secrets add their masked data.

import type { Row } from "../live/protocol";
import { renderCell, type ColumnDef } from "../table/columns";
import type { KindResolver } from "./kinds";
import type { KubeObject } from "./kubeObject";
import { refOfOwner, type Ref } from "./refs";
import { RefLink } from "./RefLink";
import { SecretData } from "./SecretData";

function Pairs({ title, values }: { title: string; values: Record<string, string> | undefined }) {
  const entries = Object.entries(values ?? {});
  return (
    <>
      <h4>{title}</h4>
      {entries.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <ul className="pairs">
          {entries.map(([key, value]) => (
            <li key={key}>
              <span className="pair-key mono">{key}</span>
              <span className="pair-value mono">{value}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function SummaryTab({
  cluster,
  target,
  row,
  columns,
  object,
  resolveKind,
  onOpen,
}: {
  cluster: string;
  target: Ref;
  row: Row | null;
  columns: ColumnDef[];
  object: KubeObject | null;
  resolveKind: KindResolver;
  onOpen: (ref: Ref) => void;
}) {
  const meta = object?.metadata;
  const owners = meta?.ownerReferences ?? [];
  return (
    <div className="summary-tab">
      <dl className="summary">
        {row
          ? columns.map((column) => (
              <div key={column.id}>
                <dt>{column.title}</dt>
                <dd>{renderCell(column, row)}</dd>
              </div>
            ))
          : [
              ["Kind", object?.kind ?? target.kind],
              ["Namespace", target.namespace || "—"],
              ["Name", target.name],
              ["Created", meta?.creationTimestamp ?? ""],
            ].map(([title, value]) => (
              <div key={title}>
                <dt>{title}</dt>
                <dd>{value}</dd>
              </div>
            ))}
        {meta?.deletionTimestamp && (
          <div>
            <dt>Deleting since</dt>
            <dd className="tone-warn">{meta.deletionTimestamp}</dd>
          </div>
        )}
        {(meta?.finalizers?.length ?? 0) > 0 && (
          <div>
            <dt>Finalizers</dt>
            <dd className="mono">{meta?.finalizers?.join(", ")}</dd>
          </div>
        )}
      </dl>
      {owners.length > 0 && (
        <>
          <h4>Owners</h4>
          <ul className="refs">
            {owners.map((owner) => (
              <li key={owner.uid}>
                <RefLink target={refOfOwner(owner, target.namespace, resolveKind)} onOpen={onOpen} />
              </li>
            ))}
          </ul>
        </>
      )}
      {target.resource === "secrets" && target.group === "" && object && (
        <SecretData key={`${target.namespace}/${target.name}`} cluster={cluster} target={target} lengths={object.data ?? {}} />
      )}
      <Pairs title="Labels" values={meta?.labels} />
      <Pairs title="Annotations" values={meta?.annotations} />
    </div>
  );
}
