// Test double for `fetch` (unit tests only): answers by method + URL, records requests,
// and builds SSE bodies as streams.

export interface Recorded {
  method: string;
  url: string;
  body: unknown;
}

export type Answer = Response | (() => Response) | ((body: unknown) => Response);

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function problem(status: number, reason: string, message: string, details?: Record<string, unknown>): Response {
  return json({ error: { code: status, reason, message, ...(details ? { details } : {}) } }, status);
}

/** An SSE body: `events` now, and more pushed through the returned `push` until `end()`. */
export function sseStream(events: Array<{ event: string; data: unknown; id?: number }>): {
  response: Response;
  push: (event: string, data: unknown) => void;
  end: () => void;
} {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  const encoder = new TextEncoder();
  const frame = (event: string, data: unknown, id?: number) =>
    encoder.encode(`${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode("retry: 2000\n\n"));
      for (const e of events) c.enqueue(frame(e.event, e.data, e.id));
    },
  });
  return {
    response: new Response(stream, { status: 200, headers: { "Content-Type": "text/event-stream" } }),
    push: (event, data) => controller?.enqueue(frame(event, data)),
    end: () => controller?.close(),
  };
}

export class FakeApi {
  readonly requests: Recorded[] = [];
  private readonly routes: Array<{ method: string; prefix: string; answer: (body: unknown) => Response }> = [];

  /** `url`: exact, or ending in "?" for that path with any query. Later routes win. */
  on(method: string, prefix: string, answer: Response | ((body: unknown) => Response)): this {
    this.routes.unshift({ method, prefix, answer: typeof answer === "function" ? answer : () => answer.clone() });
    return this;
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    this.requests.push({ method, url, body });
    if (init?.signal?.aborted) throw new DOMException("aborted", "AbortError");
    // Exact URLs first; a route ending in "?" answers that path with any query.
    const route =
      this.routes.find((r) => r.method === method && url === r.prefix) ??
      this.routes.find((r) => r.method === method && r.prefix.endsWith("?") && url.startsWith(r.prefix));
    if (!route) return problem(404, "NotFound", `no endpoint ${method} ${url}`);
    return route.answer(body);
  };

  posts(path: string): unknown[] {
    return this.requests.filter((r) => r.method === "POST" && r.url === path).map((r) => r.body);
  }
}
