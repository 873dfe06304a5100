// JSON writes to the masthead API. Errors keep the server's envelope (`ApiError.body`) so the
// UI can show its reason and message verbatim and read `details`.

import { ApiError } from "../app/api";
import type { ErrorBody } from "../live/protocol";

export { ApiError };

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    const parsed = (await response.json()) as { error?: ErrorBody };
    body = parsed.error ?? null;
  } catch {
    body = null;
  }
  return new ApiError(response.status, body);
}

export async function sendJson<T>(
  method: "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<JsonAnswer<T>> {
  const init: RequestInit = { method, signal, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { Accept: "application/json", "Content-Type": "application/json" };
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await errorOf(response);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** The envelope's `reason: message`, or the error's text: what the UI shows, verbatim. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError && error.body) return `${error.body.reason}: ${error.body.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function errorReason(error: unknown): string | null {
  return error instanceof ApiError ? (error.body?.reason ?? null) : null;
}

export function errorStatus(error: unknown): number | null {
  return error instanceof ApiError ? error.status : null;
}
