// A manual clock for tests: timers fire only when the test advances time, in due-time order.

import type { Clock, TimerId } from "../clock";

interface PendingTimer {
  at: number;
  order: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private nextId = 0;
  private readonly timers = new Map<TimerId, PendingTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerId {
    this.nextId += 1;
    this.timers.set(this.nextId, {
      at: this.current + Math.max(0, delayMs),
      order: this.nextId,
      callback,
    });
    return this.nextId;
  }

  clearTimeout(id: TimerId): void {
    this.timers.delete(id);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, running every timer due on the way (including ones they schedule). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let dueId: TimerId | null = null;
      let due: PendingTimer | null = null;
      for (const [id, timer] of this.timers) {
        if (timer.at > target) continue;
        if (!due || timer.at < due.at || (timer.at === due.at && timer.order < due.order)) {
          due = timer;
          dueId = id;
        }
      }
      if (!due || dueId === null) break;
      this.timers.delete(dueId);
      this.current = due.at;
      due.callback();
    }
    this.current = target;
  }
}
