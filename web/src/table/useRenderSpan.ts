// The rows the VirtualTable renders: the span the visible rows need (renderBlocks.ts), and while
// the table scrolls, one block more ahead of it, mounted in idle time. The block a scroll step
// needs next is then already in the DOM, laid out and painted, and the scroll frame itself
// renders nothing: the block-entry frames were the ones over the 16 ms budget (React's render
// and commit inside the scroll event, then the new rows' style, layout and paint).

import { useEffect, useState, type RefObject } from "react";
import { flushSync } from "react-dom";
import { whenIdle } from "./idle";
import { neededSpan, spanAhead, spanCovers, type RenderSpan, type ScrollDirection } from "./renderBlocks";

/** The longest an ahead block waits for an idle moment: ~3 frames (it is 5–6 frames ahead at
 * 40 px a frame; later, the scroll frame that needs it renders it). */
const AHEAD_TIMEOUT_MS = 50;
/** Idle time a block's render, commit and layout fit in (~6 ms in a trace of a loaded machine). */
const AHEAD_IDLE_MS = 5;

/**
 * The span to render for the visible rows [start, end) of `count`. While the mounted ahead span
 * still covers what the visible rows need it stays (no commit); a jump past it renders the
 * needed span at once. `scroller` is laid out right after an ahead block's commit (reading its
 * scrollHeight), still in idle time.
 */
export function useRenderSpan(
  start: number,
  end: number,
  count: number,
  direction: ScrollDirection,
  scroller: RefObject<HTMLElement | null>,
): RenderSpan {
  const need = neededSpan(start, end, count);
  const [ahead, setAhead] = useState<RenderSpan | null>(null);
  const shown = ahead !== null && ahead.end <= count && spanCovers(ahead, need) ? ahead : need;
  // Still (direction null): keep what is mounted, so the next scroll starts with its block there.
  const target = direction === null ? shown : spanAhead(need, direction, count);
  const { first: targetFirst, end: targetEnd } = target;
  const settled = targetFirst === shown.first && targetEnd === shown.end;
  useEffect(() => {
    if (settled) return;
    // Committed inside the idle callback itself (a plain update would render in a later task,
    // maybe inside the next frame), and laid out there too (else the next scroll frame's first
    // layout read would: a trace put it there when it was an idle step of its own).
    return whenIdle(
      () => {
        flushSync(() => setAhead({ first: targetFirst, end: targetEnd }));
        void scroller.current?.scrollHeight;
      },
      AHEAD_IDLE_MS,
      AHEAD_TIMEOUT_MS,
    );
  }, [settled, targetFirst, targetEnd, scroller]);
  return shown;
}
