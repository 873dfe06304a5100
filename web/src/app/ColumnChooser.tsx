// "Columns" menu of a view: a checkbox per catalogue column (the name column always shown).

import { useState } from "react";
import type { CatalogueColumn } from "./catalogue";
import { ALWAYS_SHOWN } from "./columnPrefs";

export function ColumnChooser({
  columns,
  hidden,
  onToggle,
  onReset,
}: {
  columns: CatalogueColumn[];
  hidden: string[];
  onToggle: (column: string) => void;
  onReset: () => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <div className="ns-filter column-chooser">
      <button type="button" aria-haspopup="true" aria-expanded={open} onClick={() => setOpen(!open)}>
        Columns{hidden.length > 0 ? ` (${columns.length - hidden.length}/${columns.length})` : ""} ▾
      </button>
      {open && (
        <div className="ns-menu" role="group" aria-label="columns">
          <button type="button" className="link" onClick={onReset}>
            Show all
          </button>
          {columns.map((column) => (
            <label key={column.id} className="ns-option">
              <input
                type="checkbox"
                checked={!hidden.includes(column.id)}
                disabled={column.id === ALWAYS_SHOWN}
                onChange={() => onToggle(column.id)}
              />{" "}
              {column.title}
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
