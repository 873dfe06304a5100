// Time as an injectable dependency: the live client never calls the global timers directly, so
// tests drive it with a fake clock (src/live/testing/fakeClock.ts) instead of waiting.

export type TimerId = number;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerId;
  clearTimeout(id: TimerId): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs) as unknown as TimerId,
  clearTimeout: (id) => globalThis.clearTimeout(id),
};

/** A one-shot timer that can be re-armed; arming again cancels the pending run. */
export class Timer {
  private id: TimerId | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly callback: () => void,
  ) {}

  get pending(): boolean {
    return this.id !== null;
  }

  arm(delayMs: number): void {
    this.cancel();
    this.id = this.clock.setTimeout(() => {
      this.id = null;
      this.callback();
    }, delayMs);
  }

  cancel(): void {
    if (this.id !== null) {
      this.clock.clearTimeout(this.id);
      this.id = null;
    }
  }
}
