// A generic live view of any catalogue entry: server-sorted, filtered, virtualized table with
// namespace, text, label-selector and facet filters, the view's freshness badge and warnings,
// keyboard selection and the object panel.

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { Row, SourceFreshness } from "../live/protocol";
import type { Subscriptions, SubscriptionSnapshot } from "../live/subscriptions";
import type { SortState } from "../table/columns";
import { LiveVirtualTable } from "../table/LiveVirtualTable";
import { pageRowAt, useLiveTable } from "../table/useLiveTable";
import { shallowEqual, useSelected } from "../table/useSelected";
import { metricsSource } from "../overview/summary";
import { columnsFor, objectPath, type ViewDef } from "./catalogue";
import { ColumnChooser } from "./ColumnChooser";
import { useHiddenColumns } from "./columnPrefs";
import { FacetBar } from "./FacetBar";
import { statusFacetColumn, useFacetCounts } from "./facetCounts";
import { MetricsNote } from "./MetricsNote";
import { namespaceRestricted } from "./namespaceAccess";
import { NamespaceFilter } from "./NamespaceFilter";
import { NamespacesEditor } from "./NamespacesEditor";
import { ObjectPanel } from "./ObjectPanel";
import { initialSelection, keyToAction, selectionReducer } from "./selection";
import { objectKey, parseObjectKey, routeQuery, sameQuery, type ViewRoute } from "./urlState";
import { useNow } from "./useNow";
import { ViewFreshness } from "./ViewFreshness";
import { ViewTotal } from "./ViewTotal";

const PAGE_KEYS = 20;

// Re-exported from its old home for existing importers.
export { useNow };

/** What the view shows from its sources: the metrics feed's state when it is not ok (views with
 * usage columns carry the feed among their sources), and whether access is partial. */
interface SourceNotes {
  metrics: SourceFreshness | null;
  restricted: boolean;
}

function sourceNotes(snapshot: SubscriptionSnapshot | null): SourceNotes {
  const page = snapshot?.page;
  if (!page) return { metrics: null, restricted: false };
  const metrics = metricsSource(page.sources);
  return { metrics: metrics && metrics.state !== "ok" ? metrics : null, restricted: namespaceRestricted(page) };
}

/** Equal for the view: the sources' item counts change with most frames, the notes seldom. */
function sameSourceNotes(a: SourceNotes, b: SourceNotes): boolean {
  return a.restricted === b.restricted && a.metrics?.state === b.metrics?.state && a.metrics?.message === b.metrics?.message;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function ResourceView({
  subscriptions,
  view,
  route,
  onRouteChange,
}: {
  subscriptions: Subscriptions;
  view: ViewDef;
  route: ViewRoute;
  /** The view changed its sort, filters or open object: reflect it in the URL. */
  onRouteChange: (route: ViewRoute) => void;
}) {
  const { cluster } = route;
  // The query a subscription starts with; later changes go out as `query` ops (the component is
  // keyed by cluster + view, so this is read once per subscription).
  const queryOf = (current: ViewRoute) => {
    const query = routeQuery(current);
    if (!query.sort && view.sort) {
      query.sort = view.sort.column;
      query.desc = view.sort.desc ? 1 : 0;
    }
    return query;
  };
  const [initialQuery] = useState(() => queryOf(route));
  const table = useLiveTable(subscriptions, { cluster, view: view.name, initialQuery });
  // The view-level part of the snapshot: frames that bring only rows leave it (and this view) be.
  const status = table.status;
  const [hiddenColumns, toggleColumn, resetColumns] = useHiddenColumns(view.name);
  // Ages tick in their own cells (AgeCell): the columns stay put, so rows re-render only on change.
  const allColumns = useMemo(() => columnsFor(view), [view]);
  const columns = useMemo(() => allColumns.filter((column) => !hiddenColumns.includes(column.id)), [allColumns, hiddenColumns]);
  const namespaced = view.namespaced !== false;

  const routeRef = useRef(route);
  routeRef.current = route;
  const update = useCallback((changes: Partial<ViewRoute>) => onRouteChange({ ...routeRef.current, ...changes }), [onRouteChange]);

  const [filter, setFilter] = useState(route.q ?? "");
  const filterRef = useRef<HTMLInputElement>(null);
  const currentQuery = () => table.subscription?.get().query ?? initialQuery;

  const setText = (q: string) => {
    setFilter(q);
    const { q: _old, ...rest } = currentQuery();
    table.setQuery(q ? { ...rest, q } : rest); // debounced by the live client
    update({ q: q || undefined });
  };

  const [selector, setSelectorText] = useState(route.selector ?? "");
  const setSelector = (text: string) => {
    setSelectorText(text);
    const { selector: _old, ...rest } = currentQuery();
    const trimmed = text.trim();
    table.setQuery(trimmed ? { ...rest, selector: trimmed } : rest);
    update({ selector: trimmed || undefined });
  };

  // The URL changed under the view (back/forward, a followed or pasted link): follow it. The
  // view's own changes reach the URL with the query already sent, so they compare equal here.
  const wantedQuery = queryOf(route);
  const wantedKey = JSON.stringify(wantedQuery);
  useEffect(() => {
    if (sameQuery(wantedQuery, currentQuery())) return;
    table.setQuery(wantedQuery, { immediate: true });
    setFilter(routeRef.current.q ?? "");
    setSelectorText(routeRef.current.selector ?? "");
  }, [wantedKey]);

  const facets = route.facets ?? {};
  /** Sets (or, with no values, removes) one facet filter. */
  const setFacet = (column: string, values: string[]) => {
    const query = { ...currentQuery() };
    delete query[`facet.${column}`];
    const { [column]: _old, ...others } = facets;
    const next = values.length > 0 ? { ...others, [column]: values.join(",") } : others;
    if (values.length > 0) query[`facet.${column}`] = values.join(",");
    table.setQuery(query, { immediate: true });
    update({ facets: Object.keys(next).length > 0 ? next : undefined });
  };

  const facetColumn = statusFacetColumn(view);
  const facetValues = facetColumn ? (facets[facetColumn] ?? "").split(",").filter(Boolean) : [];
  const facetCounts = useFacetCounts(cluster, view.name, facetColumn, status?.query ?? initialQuery, table.subscription, facetValues);
  const toggleFacetValue = (value: string) => {
    if (!facetColumn) return;
    setFacet(facetColumn, facetValues.includes(value) ? facetValues.filter((v) => v !== value) : [...facetValues, value]);
  };
  const otherFacets = Object.entries(facets).filter(([column]) => column !== facetColumn);

  const setNamespaces = (namespaces: string[]) => {
    const { namespace: _old, ...rest } = currentQuery();
    table.setQuery(namespaces.length > 0 ? { ...rest, namespace: namespaces.join(",") } : rest);
    update({ namespaces });
  };

  // Stable, so the memoised table header skips the view's re-renders on every page frame.
  const setTableSort = table.setSort;
  const setSort = useCallback(
    (sort: SortState) => {
      setTableSort(sort);
      update({ sort: sort.column, desc: sort.desc });
    },
    [setTableSort, update],
  );

  // ---- selection and the panel ----
  const [selection, dispatch] = useReducer(selectionReducer, route.open ? { index: null, open: true } : initialSelection);
  const queryKey = table.queryKey;
  // A new sort or filter re-orders the rows: the selection (an index) no longer means anything.
  // The first query of the subscription is not a change (an object opened from the URL stays).
  const shownQuery = useRef<string | null>(null);
  const opened = status !== null;
  useEffect(() => {
    if (!opened) return;
    if (shownQuery.current !== null && shownQuery.current !== queryKey) dispatch({ type: "reset" });
    shownQuery.current = queryKey;
  }, [opened, queryKey]);

  // The selected row and the open object's row, from the page: this view re-renders when they
  // change, not for every frame.
  const openKey = route.open ?? null;
  const selectedIndex = selection.index;
  const { selectedRow, panelRow } = useSelected(
    table.subscription,
    (snapshot): { selectedRow: Row | undefined; panelRow: Row | null } => {
      const page = snapshot?.page ?? null;
      const selected = selectedIndex !== null ? pageRowAt(page, selectedIndex) : undefined;
      if (!openKey) return { selectedRow: selected, panelRow: null };
      if (selected && objectKey(selected) === openKey) return { selectedRow: selected, panelRow: selected };
      return { selectedRow: selected, panelRow: page?.rows.find((row) => objectKey(row) === openKey) ?? null };
    },
    shallowEqual,
  );
  useEffect(() => {
    if (selection.open && selectedRow) {
      const key = objectKey(selectedRow);
      if (routeRef.current.open !== key) update({ open: key });
    } else if (!selection.open && routeRef.current.open) {
      update({ open: undefined });
    }
  }, [selection.open, selectedRow, update]);

  // Read when a key or click needs it: the total changes with most frames under churn, and the
  // view does not re-render for it (ViewTotal shows it).
  const subscription = table.subscription;
  const totalNow = useCallback(() => subscription?.get().page?.total ?? 0, [subscription]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (isTyping(event.target)) {
        if (event.key === "Escape" && event.target instanceof HTMLElement) event.target.blur();
        return;
      }
      if (event.key === "/") {
        event.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
        return;
      }
      const action = keyToAction(event.key, totalNow(), PAGE_KEYS);
      if (!action) return;
      // Enter on a focused link or button keeps its own meaning (nav links, header sort buttons).
      const target = event.target;
      if ((target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement) && event.key === "Enter") return;
      event.preventDefault();
      dispatch(action);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [totalNow]);

  // Stable across frames (a changing total must not re-render every memoised row).
  const onRowClick = useCallback(
    (index: number) => dispatch({ type: "select", index, total: totalNow(), open: true }),
    [totalNow],
  );

  const page = status?.hasPage ? status : null;
  const { metrics, restricted } = useSelected(subscription, sourceNotes, sameSourceNotes);
  const partialWarning = page?.warnings.some((warning) => warning.code === "PartialAccess") ?? false;
  const panelPath = openKey ? objectPath(cluster, view, { uid: "", ...parseObjectKey(openKey) }) : null;

  return (
    <section className="view" aria-label={view.title}>
      <div className="view-bar">
        <h2>{view.title}</h2>
        {namespaced && (
          <NamespaceFilter subscriptions={subscriptions} cluster={cluster} value={route.namespaces} onChange={setNamespaces} />
        )}
        <input
          ref={filterRef}
          className="filter"
          type="search"
          placeholder="Filter  (press /)"
          aria-label="filter"
          value={filter}
          onChange={(event) => setText(event.target.value)}
        />
        <input
          className="filter selector"
          type="search"
          placeholder="Label selector (app=web)"
          aria-label="label selector"
          aria-invalid={status?.error?.details?.parameter === "selector" || undefined}
          value={selector}
          onChange={(event) => setSelector(event.target.value)}
        />
        <ColumnChooser columns={view.columns} hidden={hiddenColumns} onToggle={toggleColumn} onReset={resetColumns} />
        <ViewTotal subscription={subscription} noun={view.title.toLowerCase()} />
        <div className="spacer" />
        <ViewFreshness subscription={subscription} />
      </div>
      {facetColumn && (
        <FacetBar column={facetColumn} counts={facetCounts.data} selected={facetValues} error={facetCounts.error} onToggle={toggleFacetValue} />
      )}
      {otherFacets.length > 0 && (
        <div className="chips" aria-label="facet filters">
          {otherFacets.map(([column, values]) => (
            <button key={column} type="button" className="chip" aria-pressed="true" title="Remove this filter" onClick={() => setFacet(column, [])}>
              {column}: {values.split(",").join(", ")} ✕
            </button>
          ))}
        </div>
      )}
      {status?.error && (
        <div className="error" role="alert">
          {status.error.reason}: {status.error.message}
        </div>
      )}
      {page?.warnings.map((warning) => (
        <div key={warning.code + warning.message} className="warning" role="note">
          <strong>{warning.code === "PartialAccess" ? "Partial access" : warning.code}:</strong> {warning.message}
        </div>
      ))}
      {namespaced && restricted && (
        // One place whatever the warnings say: saving often adds a warning (a denied namespace),
        // and the open editor must not be remounted by it.
        <div className="ns-restricted" data-testid="ns-restricted">
          {!partialWarning && <span className="tone-warn">Only some namespaces are readable for this user. </span>}
          <NamespacesEditor cluster={cluster} />
        </div>
      )}
      {metrics && <MetricsNote source={metrics} />}
      <div className="view-body">
        <LiveVirtualTable
          subscription={table.subscription}
          label={view.name}
          columns={columns}
          sort={table.sort}
          onSortChange={setSort}
          onVisibleRangeChange={table.onVisibleRangeChange}
          scrollResetKey={queryKey}
          stale={status?.loading === true && page !== null}
          selectedIndex={selection.index}
          onRowClick={onRowClick}
        />
        {openKey && (
          <ObjectPanel
            title={openKey}
            path={panelPath}
            row={panelRow}
            columns={allColumns}
            onClose={() => {
              dispatch({ type: "escape" });
              update({ open: undefined });
            }}
          />
        )}
      </div>
    </section>
  );
}
