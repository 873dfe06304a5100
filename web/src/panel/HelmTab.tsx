// A Helm release (its release Secret, `type: helm.sh/release.v1`): chart, status, revisions,
// and the rendered manifest, values and notes.

import { useState } from "react";
import { objectUrl, type Ref } from "./refs";
import { useFetched } from "./useFetched";
import { ErrorNote } from "./ErrorNote";
import { YamlView } from "./YamlView";

export interface HelmRelease {
  name: string;
  namespace: string;
  chart: { name: string; version: string; appVersion: string; description: string };
  status: string;
  revision: number;
  revisions: Array<{ revision: number; status: string; updated: string; description: string; chart: string; appVersion: string }>;
  manifest: string;
  values: unknown;
  defaultValues: unknown;
  notes: string;
}

type Section = "manifest" | "values" | "defaultValues" | "notes";

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value ?? {}, null, 2);
}

export function HelmTab({ cluster, target }: { cluster: string; target: Ref }) {
  const release = useFetched<HelmRelease>(objectUrl(cluster, target, "helm"));
  const [section, setSection] = useState<Section>("manifest");
  if (release.loading) return <p className="muted">Loading…</p>;
  if (release.status === 404) return <p className="muted">This server does not decode Helm releases yet.</p>;
  if (release.error || !release.data)
    return (
      <ErrorNote>
        {release.error}
      </ErrorNote>
    );
  const r = release.data;
  return (
    <div className="helm" aria-label="helm release">
      <dl className="summary">
        <div>
          <dt>Release</dt>
          <dd>
            {r.name} (revision {r.revision}, {r.status})
          </dd>
        </div>
        <div>
          <dt>Chart</dt>
          <dd>
            {r.chart.name} {r.chart.version} <span className="muted">app {r.chart.appVersion}</span>
          </dd>
        </div>
      </dl>
      <h4>Revisions</h4>
      <table className="revisions-table">
        <tbody>
          {[...r.revisions]
            .sort((a, b) => b.revision - a.revision)
            .map((rev) => (
              <tr key={rev.revision}>
                <td>#{rev.revision}</td>
                <td>{rev.status}</td>
                <td>{rev.chart}</td>
                <td className="muted">{rev.updated}</td>
                <td>{rev.description}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <div className="subtabs" role="tablist">
        {(["manifest", "values", "defaultValues", "notes"] as const).map((s) => (
          <button key={s} type="button" role="tab" aria-selected={section === s} onClick={() => setSection(s)}>
            {s === "defaultValues" ? "default values" : s}
          </button>
        ))}
      </div>
      <YamlView text={asText(r[section])} />
    </div>
  );
}
