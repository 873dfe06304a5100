// Side panel for one object: a summary (the row's columns) and its YAML from the server
// (Secrets arrive masked). Esc closes it (handled by the view's keyboard map).

import { useEffect, useState } from "react";
import type { Row } from "../live/protocol";
import { renderCell, type ColumnDef } from "../table/columns";
import { fetchText } from "./api";

export function ObjectPanel({
  title,
  path,
  row,
  columns,
  onClose,
}: {
  /** `namespace/name` */
  title: string;
  /** The object's YAML URL, or null when the view has no resource to fetch. */
  path: string | null;
  row: Row | null;
  columns: ColumnDef[];
  onClose: () => void;
}) {
  const [yaml, setYaml] = useState<{ path: string; text?: string; error?: string } | null>(null);
  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    setYaml({ path });
    fetchText(`${path}?format=yaml`, abort.signal)
      .then((text) => setYaml({ path, text }))
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setYaml({ path, error: reason instanceof Error ? reason.message : String(reason) });
      });
    return () => abort.abort();
  }, [path]);

  return (
    <aside className="panel" aria-label="object">
      <div className="panel-head">
        <h3 title={title}>{title}</h3>
        <button type="button" aria-label="close" onClick={onClose}>
          ✕
        </button>
      </div>
      {row && (
        <dl className="summary">
          {columns.map((column) => (
            <div key={column.id}>
              <dt>{column.title}</dt>
              <dd>{renderCell(column, row)}</dd>
            </div>
          ))}
        </dl>
      )}
      <h4>YAML</h4>
      {!path && <p className="muted">No object to fetch for this view.</p>}
      {yaml?.error && (
        <div className="error" role="alert">
          {yaml.error}
        </div>
      )}
      {yaml && !yaml.error && yaml.text === undefined && <p className="muted">Loading…</p>}
      {yaml?.text !== undefined && <pre className="yaml">{yaml.text}</pre>}
    </aside>
  );
}
