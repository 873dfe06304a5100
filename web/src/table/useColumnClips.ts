// Which columns of a table body clip their cells (overflowClip.ts), learned as rows render: the
// body's rows report themselves after each commit, and a column one of their cells overflows
// joins the set (its rows re-render with the clip before the frame paints). The set starts
// empty again when the columns' widths may have changed: another grid, or another body width.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
import type { ColumnDef } from "./columns";
import { NO_CLIPS, overflowingColumns, PendingRows } from "./overflowClip";

export interface ColumnClips {
  /** The ids of the columns whose cells clip. */
  clipping: ReadonlySet<string>;
  /** For each row's layout effect: the row element, to be checked after this commit. */
  onRowLayout: (row: HTMLElement) => void;
  /** The body element (its width changing starts the set over). */
  bodyRef: RefObject<HTMLDivElement | null>;
}

export function useColumnClips(columns: readonly ColumnDef[], grid: string): ColumnClips {
  const [pending] = useState(() => new PendingRows());
  const [state, setState] = useState({ grid, width: -1, clipping: NO_CLIPS });
  const [width, setWidth] = useState(-1);
  // Another grid or body width: start over (during render, so no frame paints the old set).
  let current = state;
  if (state.grid !== grid || state.width !== width) {
    current = { grid, width, clipping: NO_CLIPS };
    setState(current);
  }
  const { clipping } = current;

  // After the rows' own layout effects in the same commit: their cells are in the DOM.
  useLayoutEffect(() => {
    const rows = pending.take();
    if (rows.length === 0) return;
    const more = overflowingColumns(rows, columns, clipping);
    if (more.length > 0) setState((s) => ({ ...s, clipping: new Set([...s.clipping, ...more]) }));
  });

  const bodyRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const body = bodyRef.current;
    if (!body || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => setWidth(body.clientWidth));
    observer.observe(body);
    return () => observer.disconnect();
  }, []);

  const onRowLayout = useCallback((row: HTMLElement) => pending.add(row), [pending]);
  return { clipping, onRowLayout, bodyRef };
}
