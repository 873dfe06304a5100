// Which rows the VirtualTable keeps in the DOM. The rendered span moves in whole blocks of rows:
// scrolling a row or two per frame then changes the DOM only when a block boundary is crossed,
// so most scroll frames need no React commit, style, layout or paint at all (only the
// compositor's scroll), and the frames that do change it pay the pipeline's fixed cost once per
// block instead of once per row. While scrolling, one more block is mounted ahead in idle time
// (useRenderSpan.ts), so the scroll itself finds its rows already there.

/** Rows added or removed at a time. 8 rows of 28 px: a block every ~6 frames at 40 px. */
export const RENDER_BLOCK = 8;
/** Rows that must be rendered beyond each edge of the viewport (fast scrolling shows no gap). */
export const RENDER_OVERSCAN = 8;
/** Blocks mounted beyond the needed span in the scroll direction, in idle time. */
export const RENDER_LOOKAHEAD = 1;

/** Rendered row indexes [first, end). */
export interface RenderSpan {
  first: number;
  end: number;
}

export type ScrollDirection = "forward" | "backward" | null;

/**
 * The rows that must be rendered for the visible rows [start, end): at least `overscan` beyond
 * each edge. The first index is rounded down to a multiple of `block` and the length up to one,
 * so both ends move together, once per block scrolled (clamped to the `count` rows).
 */
export function neededSpan(
  start: number,
  end: number,
  count: number,
  overscan: number = RENDER_OVERSCAN,
  block: number = RENDER_BLOCK,
): RenderSpan {
  if (count <= 0 || end <= start) return { first: 0, end: 0 };
  const first = Math.max(0, Math.floor((start - overscan) / block) * block);
  // first is at most block - 1 rows above start - overscan: that many more rows below.
  const length = Math.ceil((end - start + 2 * overscan + block - 1) / block) * block;
  return { first: Math.min(first, count), end: Math.min(count, first + length) };
}

/** `need` with `blocks` more blocks on the side the table scrolls towards (clamped). */
export function spanAhead(
  need: RenderSpan,
  direction: ScrollDirection,
  count: number,
  blocks: number = RENDER_LOOKAHEAD,
  block: number = RENDER_BLOCK,
): RenderSpan {
  if (direction === "forward") return { first: need.first, end: Math.min(count, need.end + blocks * block) };
  if (direction === "backward") return { first: Math.max(0, need.first - blocks * block), end: need.end };
  return need;
}

export function spanCovers(outer: RenderSpan, inner: RenderSpan): boolean {
  return outer.first <= inner.first && inner.end <= outer.end;
}
