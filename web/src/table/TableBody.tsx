// The VirtualTable's rows, memoised on the rendered block range: the virtualizer re-renders the
// table each time the visible range moves a row, but the rendered rows change only once per
// block (renderBlocks.ts), so most scroll steps end at this component's props compare.
// Cells clip their text only in the columns seen overflowing (useColumnClips.ts).

import { memo } from "react";
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
  const rows = [];
  for (let index = first; index < first + count; index++) {
    rows.push(
      <VirtualRow
        key={index}
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
    <div ref={bodyRef} className="vt-body" role="rowgroup" style={{ height: props.height }}>
      {rows}
    </div>
  );
}

export const TableBody = memo(TableBodyView);
