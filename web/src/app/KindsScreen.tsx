// "Browse all kinds": every resource the cluster serves (`GET /api/v1/clusters/{id}/kinds`),
// grouped by API group, each opening the generic browse view. A server without the endpoint
// (404) gets a message and a box to open any group/version/resource by hand.

import { formatCount } from "./formatCount";
import { useCallback, useMemo, useState, type FormEvent } from "react";
import { ApiError, clusterPath, fetchJson } from "./api";
import { browseViewName } from "./catalogue";
import { encodeRoute, viewRoute } from "./urlState";
import { usePoll } from "./usePoll";

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  verbs: string[];
  allowed?: { list?: boolean; watch?: boolean; get?: boolean };
  count?: number | null;
}

export const KINDS_POLL_MS = 30_000;

/** Kinds grouped by API group (core first, then alphabetical), kinds sorted within a group. */
export function groupKinds(items: KindInfo[], filter: string): Array<{ group: string; kinds: KindInfo[] }> {
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, KindInfo[]>();
  for (const item of items) {
    if (!item.verbs.includes("list")) continue;
    const text = `${item.kind} ${item.resource} ${item.group}`.toLowerCase();
    if (needle && !text.includes(needle)) continue;
    const list = groups.get(item.group) ?? [];
    list.push(item);
    groups.set(item.group, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)))
    .map(([group, kinds]) => ({ group, kinds: kinds.sort((a, b) => a.kind.localeCompare(b.kind)) }));
}

/** `group/version/resource` typed by hand (`v1/pods` for core) → a browse view name, or null. */
export function parseResourcePath(text: string): string | null {
  const parts = text.trim().split("/").filter(Boolean);
  if (parts.length === 2) return browseViewName("", parts[0]!, parts[1]!);
  if (parts.length === 3) return browseViewName(parts[0] === "core" ? "" : parts[0]!, parts[1]!, parts[2]!);
  return null;
}

/** The kinds list, or `items: null` when the server has no kinds endpoint (404). */
async function loadKinds(cluster: string, signal: AbortSignal): Promise<{ items: KindInfo[] | null }> {
  try {
    return await fetchJson<{ items: KindInfo[] }>(clusterPath(cluster, "kinds"), signal);
  } catch (reason) {
    if (reason instanceof ApiError && reason.status === 404) return { items: null };
    throw reason;
  }
}

export function KindsScreen({ cluster, onOpen }: { cluster: string; onOpen: (view: string) => void }) {
  const kinds = usePoll(
    useCallback((signal: AbortSignal) => loadKinds(cluster, signal), [cluster]),
    KINDS_POLL_MS,
    `kinds:${cluster}`,
  );
  const items = kinds.data?.items ?? null;
  const [filter, setFilter] = useState("");
  const [typed, setTyped] = useState("");
  const [typedError, setTypedError] = useState<string | null>(null);
  const grouped = useMemo(() => groupKinds(items ?? [], filter), [items, filter]);
  const missing = kinds.data !== null && items === null;

  const openTyped = (event: FormEvent) => {
    event.preventDefault();
    const view = parseResourcePath(typed);
    if (view) onOpen(view);
    else setTypedError("Type group/version/resource, e.g. apps/v1/deployments or v1/pods.");
  };

  return (
    <section className="kinds" aria-label="Browse all kinds">
      <div className="view-bar">
        <h2>Browse all kinds</h2>
        <input className="filter" type="search" placeholder="Filter kinds" aria-label="filter kinds" value={filter} onChange={(e) => setFilter(e.target.value)} />
        {items && <span className="total">{items.length} kinds</span>}
      </div>
      {missing && (
        <div className="warning" role="note">
          This masthead server does not list kinds yet (<code>GET …/kinds</code> answered 404). Open a resource by its path instead.
        </div>
      )}
      {kinds.error && (
        <div className="error" role="alert">
          {kinds.error}
        </div>
      )}
      <form className="kinds-open" onSubmit={openTyped}>
        <input
          type="text"
          aria-label="resource path"
          placeholder="group/version/resource, e.g. apps/v1/deployments"
          value={typed}
          onChange={(e) => {
            setTyped(e.target.value);
            setTypedError(null);
          }}
        />
        <button type="submit">Open</button>
        {typedError && <span className="tone-bad">{typedError}</span>}
      </form>
      {kinds.data === null && !kinds.error && <p className="empty">Loading…</p>}
      <div className="kinds-groups">
        {grouped.map(({ group, kinds: list }) => (
          <div key={group || "core"} className="kinds-group">
            <h3>{group || "core"}</h3>
            <ul>
              {list.map((kind) => {
                const denied = kind.allowed?.list === false;
                return (
                  <li key={`${kind.version}/${kind.resource}`} className={denied ? "muted" : undefined}>
                    <a href={encodeRoute(viewRoute(cluster, browseViewName(kind.group, kind.version, kind.resource)))} data-kind={kind.kind}>
                      {kind.kind}
                    </a>{" "}
                    <span className="muted">
                      {kind.resource} · {kind.version}
                      {kind.namespaced ? "" : " · cluster-scoped"}
                    </span>
                    {typeof kind.count === "number" && <span className="count"> {formatCount(kind.count)}</span>}
                    {denied && <span className="badge badge-forbidden"> no list access</span>}
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}
