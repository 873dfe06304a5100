// Which rows to ask the server for, given the rows on screen. The window is the visible range
// plus `overscan` rows on each side; it is re-planned only when the visible range comes within
// half an overscan of the window's edge, so ordinary scrolling sends few `window` ops while the
// rows just off screen are already there when they scroll in.

import type { RowWindow } from "./protocol";

export interface WindowPolicy {
  /** Rows fetched beyond each edge of the visible range. 60 ≈ two screens of 28 px rows. */
  overscan: number;
  /** The server refuses `limit` > 1000 (protocol.md §2). */
  maxLimit: number;
}

export const WINDOW_POLICY: WindowPolicy = { overscan: 60, maxLimit: 1000 };

/** Visible rows as a half-open index range [start, end). */
export interface VisibleRange {
  start: number;
  end: number;
}

/** The window centred on the visible range, padded by the overscan on both sides. */
export function windowAround(visible: VisibleRange, policy: WindowPolicy = WINDOW_POLICY): RowWindow {
  const start = Math.max(0, Math.floor(visible.start));
  const shown = Math.max(0, Math.ceil(visible.end) - start);
  const limit = Math.max(1, Math.min(policy.maxLimit, shown + 2 * policy.overscan));
  const offset = Math.max(0, start - Math.floor((limit - Math.min(shown, limit)) / 2));
  return { offset, limit };
}

/** True while rows [offset, end) hold the visible range with `margin` rows to spare on each
 * side; none is needed at the list's top, nor at its end when `total` says the rows reach it. */
export function rowsCover(offset: number, end: number, visible: VisibleRange, margin: number, total = Infinity): boolean {
  const low = offset === 0 ? 0 : offset + margin;
  const high = end >= total ? total : end - margin;
  return visible.start >= low && visible.end <= high;
}

/** True while `window` still holds the visible range with half an overscan to spare. */
export function windowCovers(
  window: RowWindow,
  visible: VisibleRange,
  policy: WindowPolicy = WINDOW_POLICY,
): boolean {
  return rowsCover(window.offset, window.offset + window.limit, visible, Math.floor(policy.overscan / 2));
}

/** The next window to request, or null when the current one still covers the visible range. */
export function planWindow(
  current: RowWindow | null,
  visible: VisibleRange,
  policy: WindowPolicy = WINDOW_POLICY,
): RowWindow | null {
  if (current && windowCovers(current, visible, policy)) return null;
  const next = windowAround(visible, policy);
  if (current && current.offset === next.offset && current.limit === next.limit) return null;
  return next;
}
