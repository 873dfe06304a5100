// Which rows the VirtualTable keeps in the DOM. The rendered range moves in whole blocks of rows:
// scrolling a row or two per frame then changes the DOM only when a block boundary is crossed,
// so most scroll frames need no React commit, style, layout or paint at all (only the
// compositor's scroll), and the frames that do change it pay the pipeline's fixed cost once per
// block instead of once per row.

import type { Range } from "@tanstack/react-virtual";

/** Rows added or removed at a time. 8 rows of 28 px: a DOM change every ~6 frames at 40 px. */
export const RENDER_BLOCK = 8;

/**
 * The indexes to render for the visible `range`: at least `range.overscan` rows beyond each
 * visible edge. The first index is rounded down to a multiple of `block` and the count up to
 * one, so both ends move together, once per block scrolled (clamped to the list). `minShown`,
 * the most rows the viewport can show in part, keeps the count steady: the visible range's
 * length changes by one as rows cross the viewport's edges, and where that crosses a block
 * multiple the count flipped by a block on every other row scrolled, mounting a block more.
 */
export function blockAlignedIndexes(range: Range, block: number = RENDER_BLOCK, minShown = 0): number[] {
  if (range.count <= 0) return [];
  const first = Math.max(0, Math.floor((range.startIndex - range.overscan) / block) * block);
  const shown = Math.max(range.endIndex - range.startIndex + 1, minShown);
  // first is at most block - 1 rows above start - overscan: that many more rows below.
  const length = Math.ceil((shown + 2 * range.overscan + block - 1) / block) * block;
  const last = Math.min(range.count - 1, first + length - 1);
  const indexes = new Array<number>(Math.max(0, last - first + 1));
  for (let i = 0; i < indexes.length; i++) indexes[i] = first + i;
  return indexes;
}
