// Which columns a view shows: the hidden ones are kept per view in localStorage. The name column
// is always shown (it identifies the row).

import { useCallback, useState } from "react";

const KEY_PREFIX = "masthead.columns.";
export const ALWAYS_SHOWN = "name";

export function loadHidden(view: string): string[] {
  try {
    const raw = window.localStorage.getItem(KEY_PREFIX + view);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string" && id !== ALWAYS_SHOWN) : [];
  } catch {
    return [];
  }
}

export function saveHidden(view: string, hidden: string[]): void {
  try {
    if (hidden.length === 0) window.localStorage.removeItem(KEY_PREFIX + view);
    else window.localStorage.setItem(KEY_PREFIX + view, JSON.stringify(hidden));
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}

export function useHiddenColumns(view: string): [string[], (column: string) => void, () => void] {
  const [hidden, setHidden] = useState(() => loadHidden(view));
  const toggle = useCallback(
    (column: string) => {
      if (column === ALWAYS_SHOWN) return;
      setHidden((current) => {
        const next = current.includes(column) ? current.filter((id) => id !== column) : [...current, column];
        saveHidden(view, next);
        return next;
      });
    },
    [view],
  );
  const reset = useCallback(() => {
    saveHidden(view, []);
    setHidden([]);
  }, [view]);
  return [hidden, toggle, reset];
}
