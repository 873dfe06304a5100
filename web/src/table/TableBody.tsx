// The VirtualTable's rows, memoised on the rendered block range: the virtualizer re-renders the
// table each time the visible range moves a row, but the rendered rows change only once per
// block (renderBlocks.ts), so most scroll steps end at this component's props compare.
// Cells clip their text only in the columns seen overflowing (useColumnClips.ts).
//
// Rows are recycled: each of the `count` rendered rows is a slot keyed `index % count` and kept
// in slot order, so a block scrolled in re-renders the block of slots that scrolled out with
// new indexes, rows and offsets (React updates their text in place) instead of unmounting 8 rows
// of 15 cells and mounting 8 new ones, and no element moves in the DOM (interleaved A/Bs at 100k
// pods: scroll work p95 0.81× and 0.85× the rows keyed by index, one busier run 1.14×; the slot
// keys kept in index order (React moves the recycled rows) 1.29× these; bench/RESULTS.md tenth
// session). The DOM order is then a rotation of the visual order: the rowgroup's `aria-owns`
// lists the rows in visual order for assistive technology, and `aria-rowindex` numbers them.

import { memo, useId } from "react";
import type { Row } from "../live/protocol";
import type { ColumnDef } from "./columns";
import { useColumnClips } from "./useColumnClips";
import { VirtualRow } from "./VirtualRow";

export interface TableBodyProps {
  /** The first rendered index and how many rows from it (a contiguous block range). */
  first: number;
  count: number;
  /** The scroll height standing for every row, px. */
  height: number;
  rowHeight: number;
  rowAt: (index: number) => Row | undefined;
  columns: ColumnDef[];
  /** The grid's `gridTemplateColumns`, shared with the header. */
  grid: string;
  selectedIndex: number | null;
  onRowClick?: (index: number, row: Row) => void;
}

function TableBodyView(props: TableBodyProps) {
  const { first, count, rowHeight, rowAt, columns, grid, selectedIndex, onRowClick } = props;
  const { clipping, onRowLayout, bodyRef } = useColumnClips(columns, grid);
  const idPrefix = useId();
  const rows = [];
  const owned = [];
  // Slot s holds the one index in [first, first + count) with index % count === s.
  const shift = first % count;
  for (let slot = 0; slot < count; slot++) {
    const index = first + ((slot - shift + count) % count);
    owned.push(rowId(idPrefix, first + slot));
    rows.push(
      <VirtualRow
        key={slot}
        id={rowId(idPrefix, index)}
        index={index}
        row={rowAt(index)}
        columns={columns}
        grid={grid}
        height={rowHeight}
        top={index * rowHeight}
        selected={index === selectedIndex}
        onRowClick={onRowClick}
        clipping={clipping}
        onRowLayout={onRowLayout}
      />,
    );
  }
  return (
    <div ref={bodyRef} className="vt-body" role="rowgroup" aria-owns={owned.join(" ")} style={{ height: props.height }}>
      {rows}
    </div>
  );
}

function rowId(prefix: string, index: number): string {
  return `${prefix}-r${index}`;
}

export const TableBody = memo(TableBodyView);
