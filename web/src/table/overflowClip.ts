// Which body cells clip their text. A cell that clips (`overflow: hidden`, for its ellipsis) is
// one more clip node in Chromium's paint property tree, and a table scrolled from script
// re-layerizes every paint chunk each frame: 15 clipped cells a row made that ~1.2 ms of every
// scroll frame at 56 rendered rows, ~0.35 ms with none (bench/RESULTS.md, ninth session). So
// body cells draw their text unclipped, and only a cell whose text is wider than the cell gets
// the clip (and the ellipsis) — at 1,400 px about 5 cells a row.

/** The class that clips a body cell and ends its text with an ellipsis (app.css). */
export const CLIP_CLASS = "vt-clip";

/**
 * Marks each cell of `rows` whose text overflows it with CLIP_CLASS, and unmarks the rest.
 * Every cell is read before any class changes, so the reads share one layout.
 */
export function markOverflowingCells(rows: Iterable<HTMLElement>): void {
  const cells: HTMLElement[] = [];
  const over: boolean[] = [];
  for (const row of rows) {
    for (const cell of row.children) {
      if (!(cell instanceof HTMLElement)) continue;
      cells.push(cell);
      // Both sides include the padding; the clip does not change scrollWidth, so a marked
      // cell stays marked until its text or width changes.
      over.push(cell.scrollWidth > cell.clientWidth);
    }
  }
  cells.forEach((cell, i) => cell.classList.toggle(CLIP_CLASS, over[i]));
}

/**
 * Rows rendered since the last flush, checked together once a commit's rows are in the DOM:
 * a row reports itself (`add`) from its layout effect, and its table body — whose layout effect
 * runs after its rows' in the same commit — checks them all (`flush`).
 */
export class PendingRows {
  private readonly rows = new Set<HTMLElement>();

  add = (row: HTMLElement): void => {
    this.rows.add(row);
  };

  flush(): void {
    if (this.rows.size === 0) return;
    const rows = [...this.rows].filter((row) => row.isConnected);
    this.rows.clear();
    markOverflowingCells(rows);
  }
}
