// Side panel for one object (the table's open row): mounts the panel (web/src/panel) for the
// object's URL; a view without a resource has nothing to fetch. Esc closes it (handled by the
// view's keyboard map).

import { useMemo } from "react";
import type { Row } from "../live/protocol";
import type { ColumnDef } from "../table/columns";
import { ObjectDetails } from "../panel/ObjectDetails";
import { parseObjectPath } from "../panel/refs";

export function ObjectPanel({
  title,
  path,
  row,
  columns,
  onClose,
}: {
  /** `namespace/name` */
  title: string;
  /** The object's URL, or null when the view has no resource to fetch. */
  path: string | null;
  row: Row | null;
  columns: ColumnDef[];
  onClose: () => void;
}) {
  const parsed = useMemo(() => (path ? parseObjectPath(path) : null), [path]);
  if (!parsed)
    return (
      <aside className="panel" aria-label="object">
        <div className="panel-head">
          <h3 title={title}>{title}</h3>
          <button type="button" aria-label="close" onClick={onClose}>
            ✕
          </button>
        </div>
        <p className="muted">No object to fetch for this view.</p>
      </aside>
    );
  // Keyed by the object: another row is a fresh panel (tabs, back stack and revealed secrets reset).
  return <ObjectDetails key={path} cluster={parsed.cluster} root={parsed.ref} title={title} row={row} columns={columns} onClose={onClose} />;
}
