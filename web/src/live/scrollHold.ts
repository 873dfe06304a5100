// While the user scrolls, a window's change frames wait. At 100k rows under 1,000 changes/s the
// server sends a page frame every 100 ms, and in a list sorted by name nearly every one shifts
// the window by the rows created and deleted above it, so each re-renders every rendered row,
// on top of the blocks of rows a scroll brings (renderBlocks.ts). A user scrolling at speed
// reads no row long enough to see it change, so while the visible range keeps moving, a frame
// is held (only the newest: frames are whole windows) and applied when the scrolling pauses,
// when it has waited `maxHoldMs`, or at once when the page on screen no longer covers the
// visible rows with `marginRows` to spare (a held frame of a new window is what brings the rows
// scrolled towards). Interleaved A/Bs at 100k pods: scroll work p95 0.99× and 0.80× the table
// that applied every frame; traced, frames over 16 ms 34 vs 67 and 29 vs 35 (bench/RESULTS.md,
// eleventh session).

import type { Clock } from "./clock";
import type { PageFrame } from "./protocol";
import { rowsCover, type VisibleRange } from "./window";

export interface ScrollHoldPolicy {
  /** The visible range unchanged this long: scrolling has paused. */
  quietMs: number;
  /** No frame waits longer than this, however long the scrolling goes on. */
  maxHoldMs: number;
  /** Rows the page on screen must hold beyond each visible edge for a frame to wait: the
   * table renders 8 overscan rows and up to a block of 8 more past each edge. */
  marginRows: number;
}

export const SCROLL_HOLD_POLICY: ScrollHoldPolicy = { quietMs: 150, maxHoldMs: 500, marginRows: 20 };

/** The scroll state of one subscription and the frame held for it (at most one). */
export class ScrollHold {
  private scrolledAt = Number.NEGATIVE_INFINITY;
  private visible: VisibleRange | null = null;
  private heldFrame: PageFrame | null = null;
  private heldSince = 0;
  /** Frames replaced by a newer one while held (never applied): a counter, not a queue. */
  superseded = 0;

  constructor(
    private readonly clock: Clock,
    private readonly policy: ScrollHoldPolicy = SCROLL_HOLD_POLICY,
  ) {}

  /** The visible range now; a change of it is scrolling (the first one is the table's layout). */
  scrolled(visible: VisibleRange): void {
    const last = this.visible;
    if (last && last.start === visible.start && last.end === visible.end) return;
    this.visible = { ...visible };
    if (last) this.scrolledAt = this.clock.now();
  }

  /** True when `frame` should wait, given the page on screen; it is then the held frame. */
  hold(frame: PageFrame, current: PageFrame | null): boolean {
    if (!this.canWait(current)) return false;
    if (this.heldFrame) this.superseded += 1;
    else this.heldSince = this.clock.now();
    this.heldFrame = frame;
    return true;
  }

  /** Milliseconds until the held frame is due (0: now), or null when none is held. */
  dueIn(current: PageFrame | null): number | null {
    if (!this.heldFrame) return null;
    if (!this.canWait(current)) return 0;
    const now = this.clock.now();
    const quiet = this.scrolledAt + this.policy.quietMs - now;
    const max = this.heldSince + this.policy.maxHoldMs - now;
    return Math.max(0, Math.min(quiet, max));
  }

  /** The held frame, no longer held. */
  take(): PageFrame | null {
    const frame = this.heldFrame;
    this.heldFrame = null;
    return frame;
  }

  private canWait(current: PageFrame | null): boolean {
    if (!current || !this.visible) return false;
    const now = this.clock.now();
    if (now - this.scrolledAt >= this.policy.quietMs) return false;
    if (this.heldFrame && now - this.heldSince >= this.policy.maxHoldMs) return false;
    const { offset, rows, total } = current;
    return rowsCover(offset, offset + rows.length, this.visible, this.policy.marginRows, total);
  }
}
