// Which body columns clip their cells' text. A cell that clips (`overflow: hidden`, for its
// ellipsis) is one more clip node in Chromium's paint property tree, and a table scrolled from
// script re-layerizes every paint chunk each frame: 15 clipped cells a row made that ~1.2 ms of
// every scroll frame at 56 rendered rows, ~0.35 ms with none (bench/RESULTS.md, ninth session).
// So body cells draw their text unclipped until a cell of their column is seen overflowing; from
// then on that column's cells clip (at 1,400 px: 5 of the pods view's 15 columns).
//
// Per column, not per cell: a cell's clip decided after layout is a second style and layout pass
// for its row (~1 ms a block of 8 rows), while a column's is decided once and every row after it
// renders with its class from the start.

import type { ColumnDef } from "./columns";

/** The class that clips a body cell and ends its text with an ellipsis (app.css). */
export const CLIP_CLASS = "vt-clip";

/** No column clips yet (a shared empty set, so an unchanged choice keeps its identity). */
export const NO_CLIPS: ReadonlySet<string> = new Set();

/**
 * The columns, not in `clipping` already, with a cell in `rows` whose text overflows it (rows'
 * cells in `columns` order). Reads only: every cell shares one layout.
 */
export function overflowingColumns(
  rows: Iterable<HTMLElement>,
  columns: readonly ColumnDef[],
  clipping: ReadonlySet<string>,
): string[] {
  const found = new Set<string>();
  for (const row of rows) {
    const cells = row.children;
    for (let i = 0; i < columns.length && i < cells.length; i++) {
      const id = columns[i]!.id;
      if (clipping.has(id) || found.has(id)) continue;
      const cell = cells[i] as HTMLElement;
      if (cell.scrollWidth > cell.clientWidth) found.add(id);
    }
  }
  return [...found];
}

/**
 * Rows rendered since they were last taken: a row reports itself (`add`) from its layout
 * effect, and its table body — whose layout effect runs after its rows' in the same commit —
 * takes them all (`take`). Holds at most the rows of one commit.
 */
export class PendingRows {
  private readonly rows = new Set<HTMLElement>();

  add = (row: HTMLElement): void => {
    this.rows.add(row);
  };

  take(): HTMLElement[] {
    if (this.rows.size === 0) return [];
    const rows = [...this.rows].filter((row) => row.isConnected);
    this.rows.clear();
    return rows;
  }
}
