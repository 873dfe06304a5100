// The overview's windows read as row lists: a page frame's rows, total and sources.

import type { Row, SourceFreshness, Warning } from "../live/protocol";
import type { LiveWindows } from "../app/useLiveWindows";

export interface RowList {
  rows: Row[];
  /** Rows the view has; more than `rows.length` when the window cut the list. */
  total: number;
  sources: SourceFreshness[];
  warnings: Warning[];
}

/** Window `index` of `windows` as a row list; null until its first frame. */
export function rowList(windows: LiveWindows, index: number): RowList | null {
  const page = windows.pages[index];
  if (!page) return null;
  return { rows: page.rows, total: page.total, sources: page.sources, warnings: page.warnings };
}

/** Window `index`'s total (a `limit: 0` count); null until its first frame. */
export function countOf(windows: LiveWindows, index: number): number | null {
  return windows.pages[index]?.total ?? null;
}
