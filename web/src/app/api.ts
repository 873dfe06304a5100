// Plain HTTP reads of the masthead API (same origin; the launch-token cookie authenticates).

import type { ErrorBody, Row, SourceFreshness, Warning } from "../live/protocol";
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
  /** Destructive actions need the object's name typed back (`--confirm`). */
  confirm?: boolean;
}

/** `GET /api/v1/clusters/{id}/views/...` (a page of a view). */
export interface ViewPage {
  view: string;
  cluster: string;
  version: string;
  total: number;
  offset: number;
  rows: Row[];
  sources: SourceFreshness[];
  warnings: Warning[];
  truncated?: boolean;
}

/** `/api/v1/clusters/{id}/<rest>` with every path segment encoded. */
export function clusterPath(cluster: string, ...rest: string[]): string {
  return ["/api/v1/clusters", cluster, ...rest].map((part, i) => (i === 0 ? part : encodeURIComponent(part))).join("/");
}

/** The page URL of a view with query parameters (undefined values left out). */
export function viewPageUrl(cluster: string, view: string, params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const query = search.toString();
  // Browse views keep their slashes: `views/browse/apps/v1/deployments`.
  const path = `${clusterPath(cluster, "views")}/${view.split("/").map(encodeURIComponent).join("/")}`;
  return query ? `${path}?${query}` : path;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(body ? `${body.reason}: ${body.message}` : `HTTP ${status}`);
  }
}

/** The API's error envelope of a failed response as an ApiError (any body shape survives). */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    const parsed = (await response.json()) as { error?: ErrorBody };
    body = parsed.error ?? null;
  } catch {
    body = null;
  }
  return new ApiError(response.status, body);
}

/** A rejection as one line for the screen. */
export function errorText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

async function request(path: string, init: RequestInit = {}, accept = "application/json"): Promise<Response> {
  const response = await fetch(path, { ...init, headers: { Accept: accept, ...(init.headers ?? {}) } });
  if (!response.ok) throw await errorFromResponse(response);
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

/** In-cluster mode: who this browser is signed in as. */
export interface WhoAmI {
  user: { username: string; groups?: string[] };
  via: string;
}

/** `POST /api/v1/login` with a Kubernetes token (in-cluster mode; the session cookie follows). */
export async function signIn(token: string): Promise<WhoAmI["user"]> {
  const response = await request("/api/v1/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
  });
  return ((await response.json()) as { user: WhoAmI["user"] }).user;
}
