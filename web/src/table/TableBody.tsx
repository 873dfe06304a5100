// The VirtualTable's rows, memoised on the rendered block range: the virtualizer re-renders the
// table each time the visible range moves a row, but the rendered rows change only once per
// block (renderBlocks.ts), so most scroll steps end at this component's props compare.
// After each commit it checks which of the rows it rendered have cells wider than their text
// allows (overflowClip.ts), and all rows again when its width changes.

import { memo, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Row } from "../live/protocol";
import type { ColumnDef } from "./columns";
import { markOverflowingCells, PendingRows } from "./overflowClip";
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
  const [pending] = useState(() => new PendingRows());
  // Runs after the rows' own layout effects in the same commit: their cells are in the DOM.
  useLayoutEffect(() => pending.flush());
  const body = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = body.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    let width = element.clientWidth;
    const observer = new ResizeObserver(() => {
      if (element.clientWidth === width) return;
      width = element.clientWidth;
      markOverflowingCells(element.querySelectorAll<HTMLElement>(":scope > .vt-row:not(.vt-placeholder)"));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
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
        onRowLayout={pending.add}
      />,
    );
  }
  return (
    <div ref={body} className="vt-body" role="rowgroup" style={{ height: props.height }}>
      {rows}
    </div>
  );
}

export const TableBody = memo(TableBodyView);
