// The audit log (`GET /api/v1/audit`), newest first, optionally narrowed to one cluster and one
// object, with export links (JSON lines, CSV).

import { useState } from "react";
import type { Ref } from "./refs";
import { ErrorNote } from "./ErrorNote";
import { useFetched } from "./useFetched";

export interface AuditItem {
  id: number;
  at: string;
  who: string;
  cluster: string;
  action: string;
  object: { group?: string; resource?: string; namespace?: string; name?: string };
  parameters: Record<string, unknown>;
  dryRun: boolean;
  result: { code: number; reason: string; message: string };
}

const PAGE = 100;

export function AuditLog({ cluster, target }: { cluster?: string; target?: Ref }) {
  const [before, setBefore] = useState<number | null>(null);
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (cluster) params.set("cluster", cluster);
  if (before !== null) params.set("before", String(before));
  const page = useFetched<{ items: AuditItem[]; next: number | null }>(`/api/v1/audit?${params.toString()}`);
  const items = (page.data?.items ?? []).filter(
    (item) => !target || (item.object.name === target.name && (item.object.namespace ?? "") === target.namespace && item.object.resource === target.resource),
  );
  return (
    <div className="audit" aria-label="audit">
      <p>
        Export: <a href="/api/v1/audit/export?format=jsonl">JSON lines</a> · <a href="/api/v1/audit/export?format=csv">CSV</a>
        <button type="button" onClick={page.reload}>
          Refresh
        </button>
      </p>
      {page.error && (
        <ErrorNote>
          {page.error}
        </ErrorNote>
      )}
      {page.loading && <p className="muted">Loading…</p>}
      {page.data && items.length === 0 && <p className="muted">No actions recorded{target ? " for this object" : ""}.</p>}
      {items.length > 0 && (
        <table className="audit-table">
          <thead>
            <tr>
              <th>when</th>
              <th>who</th>
              <th>action</th>
              <th>object</th>
              <th>parameters</th>
              <th>result</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id} data-testid="audit-row">
                <td className="muted">{item.at}</td>
                <td>{item.who}</td>
                <td>
                  {item.action}
                  {item.dryRun && <span className="muted"> (dry run)</span>}
                </td>
                <td className="mono">
                  {item.object.resource} {item.object.namespace ? `${item.object.namespace}/` : ""}
                  {item.object.name}
                </td>
                <td className="mono">{JSON.stringify(item.parameters)}</td>
                <td className={item.result.code < 400 ? "tone-ok" : "tone-bad"}>
                  {item.result.code} {item.result.reason} {item.result.message}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.data?.next != null && (
        <button type="button" onClick={() => setBefore(page.data?.next ?? null)}>
          Older
        </button>
      )}
    </div>
  );
}
