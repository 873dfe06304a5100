// A virtualized table over a server-side list: the scroll height stands for all `total` rows,
// but only the rows on screen (plus a few) are in the DOM. Rows come from `rowAt(index)`; an
// index outside the window the server last sent renders as a placeholder until its frame comes.

import { useVirtualizer, type Range, type Virtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef } from "react";
import type { Row } from "../live/protocol";
import type { VisibleRange } from "../live/window";
import type { ColumnDef, SortState } from "./columns";
import { blockAlignedIndexes, RENDER_BLOCK } from "./renderBlocks";
import { TableHeader } from "./TableHeader";
import { TableBody } from "./TableBody";

export interface VirtualTableProps {
  columns: ColumnDef[];
  total: number;
  rowAt: (index: number) => Row | undefined;
  sort?: SortState | null;
  onSortChange?: (sort: SortState) => void;
  /** Called with the rows on screen (no overscan) whenever they change. */
  onVisibleRangeChange?: (range: VisibleRange) => void;
  /** Scrolls back to the top whenever this value changes (e.g. a new sort or filter). */
  scrollResetKey?: string;
  /** Shown rows are from an older query; dims them until the new frame arrives. */
  stale?: boolean;
  label: string;
  /** Index of the highlighted row (keyboard selection); kept scrolled into view. */
  selectedIndex?: number | null;
  /** A row was clicked. */
  onRowClick?: (index: number, row: Row) => void;
}

/** Fixed row height: exact scroll math for 100k rows without measuring any of them. */
export const ROW_HEIGHT = 28;
export const HEADER_HEIGHT = 32;
/** Rows rendered beyond each edge of the viewport, so fast scrolling shows no blank band. */
const RENDER_OVERSCAN = 8;

export function VirtualTable(props: VirtualTableProps) {
  const { columns, total, rowAt, sort = null, onSortChange, onVisibleRangeChange } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizerRef = useRef<Virtualizer<HTMLDivElement, Element> | null>(null);
  const rangeExtractor = useCallback((range: Range) => {
    // The most rows the viewport shows in part (one more than fit: a row cut at each edge).
    const height = virtualizerRef.current?.scrollRect?.height ?? 0;
    return blockAlignedIndexes(range, RENDER_BLOCK, Math.ceil(height / ROW_HEIGHT) + 1);
  }, []);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: RENDER_OVERSCAN,
    rangeExtractor,
    scrollMargin: HEADER_HEIGHT,
    // The rows a scroll brings render in a task after the frame that dispatched the scroll
    // event, not inside it: that frame paints with the rows already mounted (the overscan), and
    // a block entry's React work and its style, layout and paint fall on two frames instead of
    // one (scroll work p95 at 100k pods ~20 → ~15 ms, bench/RESULTS.md ninth session).
    useFlushSync: false,
  });

  virtualizerRef.current = virtualizer;
  const range = virtualizer.range;
  const start = range?.startIndex ?? 0;
  const end = range ? Math.min(total, range.endIndex + 1) : 0;
  useEffect(() => {
    if (end > start) onVisibleRangeChange?.({ start, end });
  }, [start, end, onVisibleRangeChange]);

  const firstReset = useRef(true);
  useEffect(() => {
    if (firstReset.current) {
      firstReset.current = false;
      return;
    }
    virtualizer.scrollToOffset(0);
  }, [props.scrollResetKey, virtualizer]);

  const selectedIndex = props.selectedIndex ?? null;
  useEffect(() => {
    if (selectedIndex !== null && selectedIndex < total) virtualizer.scrollToIndex(selectedIndex, { align: "auto" });
  }, [selectedIndex, virtualizer]); // not on total: updates must not yank the scroll back

  // Contiguous (renderBlocks.ts): the body needs only where the block range starts and its size.
  const items = virtualizer.getVirtualItems();
  const grid = useMemo(() => columns.map((c) => c.width).join(" "), [columns]);

  return (
    <div
      ref={scrollRef}
      className={props.stale ? "vt vt-stale" : "vt"}
      role="table"
      aria-label={props.label}
      aria-rowcount={total + 1}
      aria-busy={props.stale || undefined}
    >
      <TableHeader columns={columns} grid={grid} height={HEADER_HEIGHT} sort={sort} onSortChange={onSortChange} />
      <TableBody
        first={items[0]?.index ?? 0}
        count={items.length}
        height={virtualizer.getTotalSize()}
        rowHeight={ROW_HEIGHT}
        rowAt={rowAt}
        columns={columns}
        grid={grid}
        selectedIndex={selectedIndex}
        onRowClick={props.onRowClick}
      />
    </div>
  );
}
