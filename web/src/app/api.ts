// Plain HTTP reads of the masthead API (same origin; the launch-token cookie authenticates).

import type { ErrorBody } from "../live/protocol";
import type { ViewDef } from "./catalogue";

export interface ClusterInfo {
  id: string;
  name: string;
  context?: string;
  server?: string;
  namespace?: string | null;
  state: string;
  stateSince?: string;
  message?: string;
  readOnly?: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(body ? `${body.reason}: ${body.message}` : `HTTP ${status}`);
  }
}

async function request(path: string, init: RequestInit = {}, accept = "application/json"): Promise<Response> {
  const response = await fetch(path, { ...init, headers: { Accept: accept, ...(init.headers ?? {}) } });
  if (!response.ok) {
    let body: ErrorBody | null = null;
    try {
      const parsed = (await response.json()) as { error?: ErrorBody };
      body = parsed.error ?? null;
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  return response;
}

export async function fetchJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, { signal })).json()) as T;
}

export const fetchClusters = (signal?: AbortSignal) => fetchJson<ClusterInfo[]>("/api/v1/clusters", signal);
export const fetchCatalogue = (signal?: AbortSignal) => fetchJson<ViewDef[]>("/api/v1/views", signal);

export async function fetchText(path: string, signal?: AbortSignal): Promise<string> {
  return (await request(path, { signal }, "application/yaml, text/plain, */*")).text();
}

export async function clusterAction(id: string, action: "connect" | "disconnect"): Promise<void> {
  await request(`/api/v1/clusters/${encodeURIComponent(id)}/${action}`, { method: "POST" });
}
