// The client's bounded log buffer: at most `cap` lines, the oldest dropped first and counted, so
// a long follow never grows the tab's memory without bound and the loss is shown, not silent.

import type { LogLine } from "../live/protocol";

export interface BufferedLine extends LogLine {
  /** Monotonic per buffer: a stable key for the virtual list across drops. */
  seq: number;
}

/** Lines a browser tab keeps: ~10 MB of typical 200-byte lines. */
export const LOG_BUFFER_CAP = 50_000;

export class LogBuffer {
  private items: BufferedLine[] = [];
  private nextSeq = 0;
  /** Lines this buffer dropped at its cap. */
  droppedClient = 0;
  /** Lines the server said it dropped (its own ring, slow reader). */
  droppedServer = 0;

  constructor(readonly cap: number = LOG_BUFFER_CAP) {
    if (cap < 1) throw new Error("cap must be >= 1");
  }

  push(lines: LogLine[]): void {
    for (const line of lines) this.items.push({ ...line, seq: this.nextSeq++ });
    const over = this.items.length - this.cap;
    if (over > 0) {
      this.items.splice(0, over);
      this.droppedClient += over;
    }
  }

  serverDropped(count: number): void {
    if (count > 0) this.droppedServer += count;
  }

  clear(): void {
    this.items = [];
    this.droppedClient = 0;
    this.droppedServer = 0;
  }

  get size(): number {
    return this.items.length;
  }

  /** A copy: React state must not alias the mutable array. */
  snapshot(): BufferedLine[] {
    return this.items.slice();
  }
}
