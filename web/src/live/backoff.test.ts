import { describe, expect, it } from "vitest";
import { FullJitterBackoff } from "./backoff";

describe("FullJitterBackoff", () => {
  it("doubles the ceiling from 1 s up to the 30 s cap", () => {
    const backoff = new FullJitterBackoff(undefined, () => 0.999999);
    const delays = Array.from({ length: 9 }, () => backoff.next());
    expect(delays.map((d) => Math.round(d / 1000))).toEqual([1, 2, 4, 8, 16, 30, 30, 30, 30]);
  });

  it("keeps every delay within [0, ceiling) whatever the random source says", () => {
    for (const r of [0, 0.25, 0.5, 0.999999, 1, -1, 7]) {
      const backoff = new FullJitterBackoff(undefined, () => r);
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const ceiling = Math.min(30_000, 1_000 * 2 ** attempt);
        const delay = backoff.next();
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it("spreads delays over the whole range (full jitter)", () => {
    let seed = 42;
    const lcg = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples: number[] = [];
    for (let i = 0; i < 2_000; i += 1) {
      const backoff = new FullJitterBackoff(undefined, lcg);
      for (let a = 0; a < 6; a += 1) backoff.next();
      samples.push(backoff.next()); // attempt 6: ceiling 30 s
    }
    const buckets = [0, 0, 0];
    for (const s of samples) buckets[Math.min(2, Math.floor(s / 10_000))]! += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(500);
    expect(Math.min(...samples)).toBeLessThan(1_000);
    expect(Math.max(...samples)).toBeGreaterThan(29_000);
  });

  it("starts over after reset", () => {
    const backoff = new FullJitterBackoff(undefined, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(500);
  });
});
