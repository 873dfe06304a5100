// A full-page screen of the panel package: a workload's logs or the audit log (screenRoutes.ts).

import { AuditLog } from "./AuditLog";
import { LogsViewer } from "./LogsViewer";
import type { PanelRoute } from "./screenRoutes";
import "./panel.css";

export function PanelScreen({ route }: { route: PanelRoute }) {
  if (route.screen === "audit")
    return (
      <section className="view panel-screen" aria-label="Audit">
        <div className="view-bar">
          <h2>Audit log{route.cluster ? ` — ${route.cluster}` : ""}</h2>
        </div>
        <AuditLog cluster={route.cluster} />
      </section>
    );
  const t = route.target;
  const title = "pod" in t ? `Pod ${t.namespace}/${t.pod}` : `${t.kind} ${t.namespace}/${t.name}`;
  return (
    <section className="view panel-screen" aria-label="Logs">
      <div className="view-bar">
        <h2>Logs — {title}</h2>
        <span className="muted">{route.cluster}</span>
      </div>
      <LogsViewer key={JSON.stringify(route)} cluster={route.cluster} target={t} />
    </section>
  );
}
