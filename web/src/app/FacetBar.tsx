// Status facet chips with counts above a table: click to add or remove a value from the filter
// (several values = any of them). Counts leave this facet out, so every alternative stays visible.

import type { FacetCount } from "./facetCounts";
import { formatCount } from "./formatCount";

export function FacetBar({
  column,
  counts,
  selected,
  error,
  onToggle,
}: {
  column: string;
  counts: FacetCount[] | null;
  selected: string[];
  error: string | null;
  onToggle: (value: string) => void;
}) {
  // Until the first counts arrive, the selected values still show (without counts).
  const shown: Array<{ value: string; count: number | null }> = counts ?? selected.map((value) => ({ value, count: null }));
  if (shown.length === 0 && !error) return null;
  return (
    <div className="chips" role="group" aria-label={`${column} facets`}>
      {shown.map(({ value, count }) => (
        <button
          key={value}
          type="button"
          className="chip"
          aria-pressed={selected.includes(value)}
          data-facet-value={value}
          onClick={() => onToggle(value)}
        >
          {value} {count !== null && <span className="count">{formatCount(count)}</span>}
        </button>
      ))}
      {error && <span className="muted" title={error}>counts unavailable</span>}
    </div>
  );
}
