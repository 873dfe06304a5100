// One row of the VirtualTable, memoised: while the table scrolls only the rows recycled for the
// block scrolled in re-render (TableBody.tsx), and a page frame only the rows whose object
// changed (the live client keeps unchanged rows' objects, src/live/stableRows.ts). Every prop is
// a primitive or a stable reference so React.memo's shallow compare holds.

import { memo, useLayoutEffect, useRef, type CSSProperties } from "react";
import type { Row } from "../live/protocol";
import { renderCell, type ColumnDef } from "./columns";
import { CLIP_CLASS } from "./overflowClip";

export interface VirtualRowProps {
  /** The element id, unique in the page (the rowgroup's aria-owns lists rows by it). */
  id: string;
  index: number;
  /** The row, or undefined while its window's frame has not arrived (a placeholder). */
  row: Row | undefined;
  columns: ColumnDef[];
  /** The grid's `gridTemplateColumns`. */
  grid: string;
  height: number;
  /** Offset from the top of the body, px. */
  top: number;
  selected: boolean;
  onRowClick?: (index: number, row: Row) => void;
  /** The ids of the columns whose cells clip their text (useColumnClips.ts). */
  clipping: ReadonlySet<string>;
  /** Called with the row's element after each commit that rendered it with a row (a stable
   * function: its body checks which columns overflow, useColumnClips.ts). */
  onRowLayout?: (element: HTMLElement) => void;
}

function cellClass(column: ColumnDef, clip: boolean): string {
  const base = column.align === "end" ? "vt-cell vt-end" : "vt-cell";
  return clip ? `${base} ${CLIP_CLASS}` : base;
}

function VirtualRowView(props: VirtualRowProps) {
  const { id, index, row, columns, grid, height, top, selected, clipping, onRowClick, onRowLayout } = props;
  const element = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (row && element.current) onRowLayout?.(element.current);
  }, [row, columns, grid, clipping, onRowLayout]);
  const style: CSSProperties = { gridTemplateColumns: grid, height, transform: `translateY(${top}px)` };
  if (!row) {
    return (
      <div id={id} className="vt-row vt-placeholder" role="row" aria-rowindex={index + 2} aria-busy="true" style={style}>
        {columns.map((column) => (
          <div key={column.id} className="vt-cell" role="cell">
            <span className="vt-skeleton" />
          </div>
        ))}
      </div>
    );
  }
  return (
    <div
      ref={element}
      id={id}
      className={selected ? "vt-row vt-selected" : "vt-row"}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected || undefined}
      data-uid={row.uid}
      style={style}
      onClick={onRowClick ? () => onRowClick(index, row) : undefined}
    >
      {columns.map((column) => (
        <div key={column.id} className={cellClass(column, clipping.has(column.id))} role="cell">
          {renderCell(column, row)}
        </div>
      ))}
    </div>
  );
}

export const VirtualRow = memo(VirtualRowView);
