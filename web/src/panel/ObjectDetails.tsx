// The object panel's content for one object and the objects reached from it: header (back,
// expand, close), actions, and the tabs Summary, YAML, Events, Relations, Logs, Helm, Audit.
// Links to related objects push onto a back stack instead of leaving the current view.

import { useMemo, useState } from "react";
import type { Row } from "../live/protocol";
import type { ColumnDef } from "../table/columns";
import { ActionBar } from "./ActionBar";
import { AuditLog } from "./AuditLog";
import { useClusterFlags } from "./clusterFlags";
import { EventsTab } from "./EventsTab";
import { HelmTab } from "./HelmTab";
import { useKinds } from "./kinds";
import { containersOf, HELM_RELEASE_TYPE, type KubeObject } from "./kubeObject";
import { LogsViewer } from "./LogsViewer";
import { logTargetFor } from "./logSource";
import { objectUrl, refLabel, sameRef, type Ref } from "./refs";
import type { Relations } from "./relations";
import { RelationsTab } from "./RelationsTab";
import { encodePanelRoute } from "./screenRoutes";
import { SummaryTab } from "./SummaryTab";
import { useFetched } from "./useFetched";
import { YamlView } from "./YamlView";
import { ErrorNote } from "./ErrorNote";
import "./panel.css";

export type PanelTab = "summary" | "yaml" | "events" | "relations" | "logs" | "helm" | "audit";

const TAB_TITLES: Record<PanelTab, string> = {
  summary: "Summary",
  yaml: "YAML",
  events: "Events",
  relations: "Relations",
  logs: "Logs",
  helm: "Helm",
  audit: "Audit",
};

export interface ObjectDetailsProps {
  cluster: string;
  root: Ref;
  title: string;
  row: Row | null;
  columns: ColumnDef[];
  onClose: () => void;
}

export function ObjectDetails({ cluster, root, title, row, columns, onClose }: ObjectDetailsProps) {
  const [stack, setStack] = useState<Ref[]>([root]);
  const [tab, setTab] = useState<PanelTab>("summary");
  const [expanded, setExpanded] = useState(false);
  const flags = useClusterFlags(cluster);
  const resolveKind = useKinds(cluster);
  const current = stack[stack.length - 1] ?? root;
  const atRoot = stack.length === 1;

  const object = useFetched<KubeObject>(objectUrl(cluster, current));
  const relations = useFetched<Relations>(objectUrl(cluster, current, "relations"));
  const yaml = useFetched<string>(tab === "yaml" ? `${objectUrl(cluster, current)}?format=yaml` : null, "text");
  const data = object.data;
  const target = useMemo<Ref>(
    () => ({ ...current, kind: data?.kind ?? current.kind, uid: data?.metadata?.uid ?? current.uid }),
    [current, data],
  );
  const uid = target.uid || (atRoot && row ? row.uid : "");
  const logTarget = logTargetFor(current);
  const isHelm = current.resource === "secrets" && data?.type === HELM_RELEASE_TYPE;
  const relationsMissing = relations.status === 404;
  // Shown once the endpoint answered, so the tab does not appear and vanish on older servers.
  const relationsShown = relations.data !== null || (relations.error !== null && !relationsMissing);

  const tabs: PanelTab[] = ["summary", "yaml", "events"];
  if (relationsShown) tabs.push("relations");
  if (logTarget) tabs.push("logs");
  if (isHelm) tabs.push("helm");
  tabs.push("audit");
  const shown = tabs.includes(tab) ? tab : "summary";

  const open = (ref: Ref) => {
    if (sameRef(ref, current)) return;
    setStack((s) => [...s, ref]);
    setTab("summary");
  };
  const back = () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
  const changed = () => {
    object.reload();
    yaml.reload();
    relations.reload();
  };

  return (
    <aside className={expanded ? "panel panel-full" : "panel"} aria-label="object">
      <div className="panel-head">
        {!atRoot && (
          <button type="button" aria-label="back" onClick={back}>
            ←
          </button>
        )}
        <h3 title={atRoot ? title : refLabel(current)}>
          {target.kind && <span className="muted">{target.kind} </span>}
          {atRoot ? title : refLabel(current)}
        </h3>
        <button type="button" aria-label={expanded ? "collapse" : "expand"} title={expanded ? "Back to the side panel" : "Expand over the table"} aria-pressed={expanded} onClick={() => setExpanded(!expanded)}>
          {expanded ? "⇥" : "⇤"}
        </button>
        <button type="button" aria-label="close" onClick={onClose}>
          ✕
        </button>
      </div>
      <ActionBar key={`${current.resource}/${refLabel(current)}`} cluster={cluster} target={target} object={data} flags={flags} loading={object.loading} onChanged={changed} />
      {object.error && (
        <ErrorNote>
          {object.error}
        </ErrorNote>
      )}
      <div className="tabs" role="tablist" aria-label="object tabs">
        {tabs.map((t) => (
          <button key={t} type="button" role="tab" aria-selected={shown === t} onClick={() => setTab(t)}>
            {TAB_TITLES[t]}
          </button>
        ))}
      </div>
      <div className="tab-body" role="tabpanel" aria-label={TAB_TITLES[shown]}>
        {shown === "summary" && (
          <>
            <SummaryTab cluster={cluster} target={target} row={atRoot ? row : null} columns={columns} object={data} resolveKind={resolveKind} onOpen={open} />
            {relationsMissing && <p className="muted note">Relations are not served by this server version.</p>}
          </>
        )}
        {shown === "yaml" &&
          (yaml.error ? (
            <ErrorNote>
              {yaml.error}
            </ErrorNote>
          ) : yaml.data === null ? (
            <p className="muted">Loading…</p>
          ) : (
            <YamlView text={yaml.data} />
          ))}
        {shown === "events" && <EventsTab key={refLabel(current)} cluster={cluster} target={current} uid={uid} />}
        {shown === "relations" &&
          (relations.error ? (
            <ErrorNote>
              {relations.error}
            </ErrorNote>
          ) : relations.data ? (
            <RelationsTab relations={relations.data} onOpen={open} />
          ) : (
            <p className="muted">Loading…</p>
          ))}
        {shown === "logs" && logTarget && (
          <>
            <p className="logs-open">
              <a href={encodePanelRoute({ screen: "logs", cluster, target: logTarget })}>Open logs</a>
              <span className="muted"> as a page</span>
            </p>
            <LogsViewer key={refLabel(current)} cluster={cluster} target={logTarget} containers={containersOf(data)} />
          </>
        )}
        {shown === "helm" && <HelmTab cluster={cluster} target={current} />}
        {shown === "audit" && <AuditLog cluster={cluster} target={current} />}
      </div>
    </aside>
  );
}
