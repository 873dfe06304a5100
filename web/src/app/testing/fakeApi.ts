// Test double of the masthead HTTP API: a `fetch` that answers from a handler by URL and records
// every request (path + query, method, headers).

import { vi } from "vitest";

export interface Call {
  url: URL;
  method: string;
  headers: Record<string, string>;
  /** The request body as sent (JSON writes send a string). */
  body?: string;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export function apiError(status: number, reason: string, message: string): Response {
  return json({ error: { code: status, reason, message } }, status);
}

export function stubFetch(handler: (url: URL, call: Call) => Response | Promise<Response>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://127.0.0.1");
      const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
      const call: Call = { url, method: init?.method ?? "GET", headers };
      if (typeof init?.body === "string") call.body = init.body;
      calls.push(call);
      return handler(url, call);
    }),
  );
  return calls;
}
