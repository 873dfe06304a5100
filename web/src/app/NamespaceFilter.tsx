// Namespace multi-select, fed by the live `namespaces` view of the cluster.

import { useEffect, useMemo, useState } from "react";
import type { Subscriptions } from "../live/subscriptions";
import { useWindowSubscription } from "../table/useLiveTable";

const NAMESPACE_LIMIT = 1000;

export function NamespaceFilter({
  subscriptions,
  cluster,
  value,
  onChange,
}: {
  subscriptions: Subscriptions;
  cluster: string;
  value: string[];
  onChange: (namespaces: string[]) => void;
}) {
  const [subscription, snapshot] = useWindowSubscription(subscriptions, {
    cluster,
    view: "namespaces",
    initialQuery: { sort: "name" },
  });
  useEffect(() => {
    subscription?.setWindow({ offset: 0, limit: NAMESPACE_LIMIT });
  }, [subscription]);
  const names = useMemo(() => (snapshot?.page?.rows ?? []).map((row) => row.name), [snapshot?.page]);
  const [open, setOpen] = useState(false);
  const selected = new Set(value);
  const all = [...new Set([...value, ...names])];

  const toggle = (name: string) => {
    const next = selected.has(name) ? value.filter((ns) => ns !== name) : [...value, name];
    onChange(next);
  };

  return (
    <div className="ns-filter">
      <button type="button" aria-haspopup="listbox" aria-expanded={open} onClick={() => setOpen(!open)}>
        {value.length === 0 ? "All namespaces" : value.length === 1 ? `ns: ${value[0]}` : `${value.length} namespaces`} ▾
      </button>
      {open && (
        <div className="ns-menu" role="listbox" aria-multiselectable="true" aria-label="namespaces">
          <button type="button" className="link" onClick={() => onChange([])}>
            All namespaces
          </button>
          {snapshot?.error && <div className="muted">{snapshot.error.message}</div>}
          {all.length === 0 && <div className="muted">Loading…</div>}
          {all.map((name) => (
            <label key={name} className="ns-option">
              <input type="checkbox" checked={selected.has(name)} onChange={() => toggle(name)} /> {name}
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
