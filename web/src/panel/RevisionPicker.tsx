// Picks the revision a workload rolls back to, from `.../history` (newest first; the current
// one cannot be picked).

import { objectUrl, type Ref } from "./refs";
import { ErrorNote } from "./ErrorNote";
import { useFetched } from "./useFetched";

export interface Revision {
  revision: number;
  created: string;
  changeCause: string;
  images: string[];
  current: boolean;
}

export function RevisionPicker({
  cluster,
  target,
  value,
  onChange,
}: {
  cluster: string;
  target: Ref;
  value: number | undefined;
  onChange: (revision: number) => void;
}) {
  const history = useFetched<{ items: Revision[] }>(objectUrl(cluster, target, "history"));
  if (history.loading) return <p className="muted">Loading revisions…</p>;
  if (history.status === 404) return <p className="muted">This server has no revision history for {target.resource}: rollback is unavailable.</p>;
  if (history.error)
    return (
      <ErrorNote>
        {history.error}
      </ErrorNote>
    );
  const items = [...(history.data?.items ?? [])].sort((a, b) => b.revision - a.revision);
  return (
    <fieldset className="revisions">
      <legend>revision</legend>
      {items.map((item) => (
        <label key={item.revision} className={item.current ? "muted" : undefined}>
          <input type="radio" name="revision" disabled={item.current} checked={value === item.revision} onChange={() => onChange(item.revision)} />{" "}
          #{item.revision} {item.current ? "(current) " : ""}
          <span className="mono">{item.images.join(", ")}</span> {item.changeCause && `— ${item.changeCause}`}{" "}
          <span className="muted">{item.created}</span>
        </label>
      ))}
    </fieldset>
  );
}
