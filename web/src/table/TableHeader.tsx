// The VirtualTable's header row, memoised: the table re-renders on every scroll step (a new
// range of rows), the header only when its columns or the sort change.

import { memo } from "react";
import { nextSort, type ColumnDef, type SortState } from "./columns";

export interface TableHeaderProps {
  columns: ColumnDef[];
  /** The grid's `gridTemplateColumns`, shared with the rows. */
  grid: string;
  height: number;
  sort: SortState | null;
  onSortChange?: (sort: SortState) => void;
}

function TableHeaderView({ columns, grid, height, sort, onSortChange }: TableHeaderProps) {
  return (
    <div className="vt-head" role="rowgroup" style={{ height }}>
      <div className="vt-row" role="row" aria-rowindex={1} style={{ gridTemplateColumns: grid }}>
        {columns.map((column) => {
          const sorted = sort?.column === column.id ? sort : null;
          const ariaSort = sorted ? (sorted.desc ? "descending" : "ascending") : undefined;
          return (
            <div
              key={column.id}
              className={column.align === "end" ? "vt-cell vt-end" : "vt-cell"}
              role="columnheader"
              aria-sort={ariaSort}
            >
              {column.sortable && onSortChange ? (
                <button type="button" className="vt-sort" onClick={() => onSortChange(nextSort(sort, column.id))}>
                  {column.title}
                  <span className="vt-arrow" aria-hidden="true">
                    {sorted ? (sorted.desc ? "▼" : "▲") : ""}
                  </span>
                </button>
              ) : (
                column.title
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

export const TableHeader = memo(TableHeaderView);
