// Server-sent events over fetch rather than EventSource: an error answer (400 naming the bad
// parameter, 404, 429) arrives with its JSON envelope instead of a bare `error` event, and the
// stream ends with an AbortSignal.

import { ApiError } from "../app/api";
import type { ErrorBody } from "../live/protocol";

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Incremental parser of the `text/event-stream` format (comments and `retry:` ignored). */
export class SseParser {
  private buffer = "";
  private event = "message";
  private data: string[] = [];
  private id: string | null = null;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let newline = this.buffer.search(/\r?\n/);
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer[newline] === "\r" ? 2 : 1));
      this.line(line, out);
      newline = this.buffer.search(/\r?\n/);
    }
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") {
      if (this.data.length > 0) out.push({ event: this.event, data: this.data.join("\n"), id: this.id });
      this.event = "message";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
  }
}

/** Reads an SSE endpoint until it ends or `signal` aborts; rejects with ApiError on a non-2xx. */
export async function readSse(path: string, onEvent: (event: SseEvent) => void, signal: AbortSignal): Promise<void> {
  const response = await fetch(path, { signal, headers: { Accept: "text/event-stream" } });
  if (!response.ok) {
    let body: ErrorBody | null = null;
    try {
      body = ((await response.json()) as { error?: ErrorBody }).error ?? null;
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) onEvent(event);
    }
  } finally {
    reader.releaseLock();
  }
}
