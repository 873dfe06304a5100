// Ctrl/Cmd-K: a modal search over clusters, screens, views, namespaces and objects by name.
// Arrows move, Enter jumps, Esc closes; the mouse works too.

import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { ClusterInfo, ViewPage } from "../app/api";
import { errorText, viewPageUrl } from "../app/api";
import type { ViewDef } from "../app/catalogue";
import { pageFetcher } from "../app/revalidate";
import type { Route } from "../app/urlState";
import { fuzzyFilter, type FuzzyMatch } from "./fuzzy";
import { namespaceItems, searchObjects, staticItems, type PaletteItem } from "./items";

export const MAX_STATIC_RESULTS = 30;
export const OBJECT_SEARCH_DEBOUNCE_MS = 200;
const MIN_OBJECT_QUERY = 2;
const NAMESPACE_LIMIT = 1000;

/** Ctrl-K (Cmd-K on macOS) — the palette's global shortcut. */
export function isPaletteShortcut(event: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
}

function Highlighted({ text, match }: { text: string; match: FuzzyMatch | null }) {
  if (!match || match.positions.length === 0) return <>{text}</>;
  const marked = new Set(match.positions);
  return (
    <>
      {[...text].map((char, i) => (marked.has(i) ? <mark key={i}>{char}</mark> : char))}
    </>
  );
}

export function CommandPalette({
  clusters,
  catalogue,
  cluster,
  route,
  onNavigate,
  onClose,
}: {
  clusters: ClusterInfo[];
  catalogue: ViewDef[];
  /** The cluster views, namespaces and objects are searched in ("" = none open). */
  cluster: string;
  route: Route | null;
  onNavigate: (route: Route) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [namespaces, setNamespaces] = useState<string[]>([]);
  const [objects, setObjects] = useState<{ query: string; items: PaletteItem[]; failures: string[] } | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => inputRef.current?.focus(), []);

  useEffect(() => {
    if (!cluster) return;
    const abort = new AbortController();
    pageFetcher
      .get<ViewPage>(viewPageUrl(cluster, "namespaces", { sort: "name", limit: NAMESPACE_LIMIT }), abort.signal)
      .then(({ body }) => setNamespaces(body.rows.map((row) => row.name)))
      .catch(() => setNamespaces([])); // a user without namespace access still jumps elsewhere
    return () => abort.abort();
  }, [cluster]);

  const trimmed = query.trim();
  useEffect(() => {
    if (!cluster || trimmed.length < MIN_OBJECT_QUERY) {
      setObjects(null);
      return;
    }
    const abort = new AbortController();
    const timer = window.setTimeout(() => {
      searchObjects(pageFetcher, cluster, trimmed, abort.signal)
        .then((found) => setObjects({ query: trimmed, ...found }))
        .catch((reason: unknown) => {
          if (!abort.signal.aborted) setObjects({ query: trimmed, items: [], failures: [errorText(reason)] });
        });
    }, OBJECT_SEARCH_DEBOUNCE_MS);
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [cluster, trimmed]);

  const results = useMemo(() => {
    const candidates = [...staticItems(clusters, catalogue, cluster), ...namespaceItems(namespaces, route, cluster)];
    const matched = fuzzyFilter(candidates, trimmed, (item) => item.label, MAX_STATIC_RESULTS);
    const found = objects && objects.query === trimmed ? objects.items.map((item) => ({ item, match: null })) : [];
    return [...matched, ...found] as Array<{ item: PaletteItem; match: FuzzyMatch | null }>;
  }, [clusters, catalogue, cluster, namespaces, route, trimmed, objects]);

  useEffect(() => setActive(0), [trimmed]);
  const current = Math.min(active, Math.max(0, results.length - 1));

  const choose = (item: PaletteItem | undefined) => {
    if (!item) return;
    onNavigate(item.route);
    onClose();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    switch (event.key) {
      case "ArrowDown":
        setActive((current + 1) % Math.max(1, results.length));
        break;
      case "ArrowUp":
        setActive((current - 1 + results.length) % Math.max(1, results.length));
        break;
      case "Enter":
        choose(results[current]?.item);
        break;
      case "Escape":
        onClose();
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  useEffect(() => {
    document.getElementById(`palette-item-${current}`)?.scrollIntoView?.({ block: "nearest" });
  }, [current]);

  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="command palette" onMouseDown={(event) => event.stopPropagation()}>
        <input
          ref={inputRef}
          type="text"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={results.length > 0 ? `palette-item-${current}` : undefined}
          aria-label="jump to"
          placeholder={cluster ? "Jump to a cluster, view, namespace or object…" : "Jump to a cluster or screen…"}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={onKeyDown}
        />
        <ul id="palette-list" role="listbox" aria-label="results">
          {results.map(({ item, match }, i) => (
            <li
              key={item.id}
              id={`palette-item-${i}`}
              role="option"
              aria-selected={i === current}
              data-kind={item.kind}
              className={i === current ? "active" : undefined}
              onMouseMove={() => setActive(i)}
              onClick={() => choose(item)}
            >
              <span className="palette-label">
                <Highlighted text={item.label} match={match} />
              </span>
              <span className="muted palette-detail">{item.detail}</span>
            </li>
          ))}
          {results.length === 0 && <li className="muted">No matches.</li>}
        </ul>
        <div className="muted palette-note">
          <kbd>↑</kbd> <kbd>↓</kbd> move · <kbd>Enter</kbd> open · <kbd>Esc</kbd> close · in tables: <kbd>↑</kbd> <kbd>↓</kbd> <kbd>PgUp</kbd> <kbd>PgDn</kbd>{" "}
          <kbd>Home</kbd> <kbd>End</kbd> select, <kbd>Enter</kbd> open, <kbd>Esc</kbd> close, <kbd>/</kbd> filter
        </div>
        {objects && objects.query === trimmed && objects.failures.length > 0 && (
          <div className="muted palette-note" title={objects.failures.join("\n")}>
            Not searched: {objects.failures.map((f) => f.split(":")[0]).join(", ")}
          </div>
        )}
      </div>
    </div>
  );
}
