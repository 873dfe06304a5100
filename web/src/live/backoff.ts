// Reconnect delays: exponential backoff with full jitter. The n-th retry (n from 0) waits a
// uniformly random time in [0, min(cap, base * 2^n)), so a server restart that drops every tab
// at once is not followed by every tab coming back in the same instant.

export interface BackoffPolicy {
  /** Ceiling of the first delay. 1 s: a dropped socket on a healthy server is back at once. */
  baseMs: number;
  /** Largest ceiling. 30 s: a laptop waking from sleep or a restarted server is found quickly. */
  capMs: number;
}

export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 30_000 };

export class FullJitterBackoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy = RECONNECT_BACKOFF,
    /** Uniform in [0, 1), like Math.random; injectable so tests can pin the jitter. */
    private readonly random: () => number = Math.random,
  ) {}

  /** Retries handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Ceiling for the next delay. */
  ceilingMs(): number {
    // 2^attempt grows past any cap quickly; stop exponentiating once it cannot matter.
    const exponent = Math.min(this.attempt, 30);
    return Math.min(this.policy.capMs, this.policy.baseMs * 2 ** exponent);
  }

  /** The delay before the next retry; advances the attempt count. */
  next(): number {
    const ceiling = this.ceilingMs();
    this.attempt += 1;
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.floor(r * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
