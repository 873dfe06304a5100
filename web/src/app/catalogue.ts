// The server's view catalogue (`GET /api/v1/views`) and how a catalogue entry becomes table
// columns: widths and alignment by column type, kubectl-style ages for time columns, coloured
// status text, readable quantities.

import { createElement, type ReactNode } from "react";
import type { Row } from "../live/protocol";
import { ageText, humanDuration } from "../table/age";
import { AgeCell } from "../table/AgeCell";
import type { ColumnDef } from "../table/columns";

export type ColumnType = "string" | "int" | "quantity" | "time" | "duration" | "bool" | string;

export interface CatalogueColumn {
  id: string;
  title: string;
  type: ColumnType;
  sortable?: boolean;
  facet?: boolean;
}

export interface ViewDef {
  name: string;
  title: string;
  /** `version` is known for browse views (the catalogue's named views imply it by group). */
  resource?: { group: string; resource: string; version?: string } | null;
  namespaced?: boolean | null;
  /** Views with a path template (browse) need more than a name to subscribe. */
  path?: string;
  columns: CatalogueColumn[];
  filters?: string[];
  sort?: { column: string; desc: boolean } | null;
}

/** Left-nav groups, in order; views the server adds later land in "Other". */
export const NAV_GROUPS: Array<{ title: string; views: string[] }> = [
  { title: "Cluster", views: ["nodes", "namespaces", "events"] },
  {
    title: "Workloads",
    views: ["pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"],
  },
  { title: "Network", views: ["services", "ingresses"] },
  { title: "Config", views: ["configmaps", "secrets"] },
  { title: "Storage", views: ["persistentvolumeclaims", "persistentvolumes"] },
];

export interface NavGroup {
  title: string;
  views: ViewDef[];
}

/** Groups the catalogue for the nav; views with a path template (browse) are left out. */
export function navGroups(catalogue: ViewDef[]): NavGroup[] {
  const usable = catalogue.filter((view) => !view.path);
  const byName = new Map(usable.map((view) => [view.name, view]));
  const placed = new Set<string>();
  const groups: NavGroup[] = [];
  for (const group of NAV_GROUPS) {
    const views = group.views.flatMap((name) => {
      const view = byName.get(name);
      if (!view) return [];
      placed.add(name);
      return [view];
    });
    if (views.length > 0) groups.push({ title: group.title, views });
  }
  const rest = usable.filter((view) => !placed.has(view.name));
  if (rest.length > 0) groups.push({ title: "Other", views: rest });
  return groups;
}

export const BROWSE_PREFIX = "browse/";

/** The view name of the generic browse view of a resource (`browse/<group|core>/<version>/<resource>`). */
export function browseViewName(group: string, version: string, resource: string): string {
  return `${BROWSE_PREFIX}${group || "core"}/${version}/${resource}`;
}

/**
 * The ViewDef of a view name: a catalogue entry, or for `browse/g/v/r` the catalogue's generic
 * browse entry made concrete (its columns, that resource). Null when neither.
 */
export function resolveView(catalogue: ViewDef[], name: string, title?: string): ViewDef | null {
  if (!name.startsWith(BROWSE_PREFIX)) return catalogue.find((view) => view.name === name && !view.path) ?? null;
  const parts = name.slice(BROWSE_PREFIX.length).split("/");
  const generic = catalogue.find((view) => view.name === "browse");
  if (!generic || parts.length !== 3 || parts.some((part) => !part)) return null;
  const [group, version, resource] = parts as [string, string, string];
  const { path: _template, ...rest } = generic;
  return {
    ...rest,
    name,
    title: title ?? `${resource} (${group === "core" ? "" : `${group}/`}${version})`,
    resource: { group: group === "core" ? "" : group, resource, version },
  };
}

/** The API version of a catalogue resource (the catalogue names group + resource only). */
const GROUP_VERSIONS: Record<string, string> = {
  "": "v1",
  apps: "v1",
  batch: "v1",
  "networking.k8s.io": "v1",
  "rbac.authorization.k8s.io": "v1",
  "storage.k8s.io": "v1",
  "autoscaling": "v2",
  "policy": "v1",
};

/** `GET .../objects/{group}/{version}/{resource}/{namespace|_}/{name}` for a row of a view. */
export function objectPath(cluster: string, view: ViewDef, row: Row): string | null {
  if (!view.resource) return null;
  const { group, resource } = view.resource;
  const version = view.resource.version ?? GROUP_VERSIONS[group] ?? "v1";
  const namespace = typeof row.namespace === "string" && row.namespace ? row.namespace : "_";
  return [
    "/api/v1/clusters",
    cluster,
    "objects",
    group || "core",
    version,
    resource,
    namespace,
    row.name,
  ]
    .map((part, index) => (index === 0 ? part : encodeURIComponent(part)))
    .join("/");
}

// ---- cell rendering ------------------------------------------------------------------------

export type Tone = "ok" | "warn" | "bad" | "";

const OK = /^(Running|Succeeded|Completed|Complete|Ready|Active|Bound|Available|Normal|True|Healthy)$/;
const WARN =
  /^(Pending|ContainerCreating|PodInitializing|Init:|Terminating|Unknown|Suspended|Released|NotReady,SchedulingDisabled|SchedulingDisabled|Ready,SchedulingDisabled|Progressing|Warning)/;

/** kubectl status text → colour. Anything not known-good or known-transient reads as trouble. */
export function statusTone(status: string): Tone {
  if (!status) return "";
  if (OK.test(status)) return "ok";
  if (WARN.test(status)) return "warn";
  return "bad";
}

const STATUS_COLUMNS = new Set(["status", "phase", "type"]);

function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const BINARY = ["Ki", "Mi", "Gi", "Ti", "Pi"];

/** Bytes as Kubernetes writes them (binary suffixes, at most one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}`;
  let value = bytes;
  let unit = "";
  for (const suffix of BINARY) {
    if (value < 1024) break;
    value /= 1024;
    unit = suffix;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded : rounded.toFixed(1)}${unit}`;
}

/** A quantity column: CPU in millicores (`250m`, `2`), anything else in bytes. */
export function formatQuantity(columnId: string, value: unknown): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return text(value);
  if (/cpu/i.test(columnId)) {
    // Usage from metrics comes fractional (33.693368m); like `kubectl top`, whole millicores.
    const millicores = Math.round(value);
    return millicores % 1000 === 0 && millicores > 0 ? `${millicores / 1000}` : `${millicores}m`;
  }
  if (/pods?$/i.test(columnId)) return String(value);
  return formatBytes(value);
}

const WIDTHS: Record<string, string> = {
  int: "90px",
  quantity: "110px",
  time: "80px",
  duration: "90px",
  bool: "80px",
};

function widthFor(column: CatalogueColumn): string {
  if (column.id === "name") return "minmax(220px, 3fr)";
  if (column.id === "message") return "minmax(240px, 4fr)";
  return WIDTHS[column.type] ?? "minmax(110px, 1fr)";
}

/**
 * Catalogue columns → VirtualTable columns. Time columns render as ages as of `now` (ms) when it
 * is given, else as cells that tick on the shared clock (so the columns, and the memoised rows
 * of a table, stay the same objects as time passes).
 */
export function columnsFor(view: ViewDef, now?: number): ColumnDef[] {
  return view.columns.map((column): ColumnDef => {
    const base = {
      id: column.id,
      title: column.title,
      width: widthFor(column),
      sortable: column.sortable === true,
    };
    switch (column.type) {
      case "time":
        return {
          ...base,
          align: "end",
          render: (row) =>
            now === undefined ? createElement(AgeCell, { created: row[column.id] }) : ageText(row[column.id], now),
        };
      case "duration":
        return {
          ...base,
          align: "end",
          render: (row) => {
            const value = row[column.id];
            return typeof value === "number" && Number.isFinite(value) ? humanDuration(value) : text(value);
          },
        };
      case "int":
        return { ...base, align: "end" };
      case "quantity":
        return { ...base, align: "end", render: (row) => formatQuantity(column.id, row[column.id]) };
      case "bool":
        return {
          ...base,
          render: (row) => {
            const value = row[column.id];
            return typeof value === "boolean" ? (value ? "True" : "False") : text(value);
          },
        };
      default:
        if (STATUS_COLUMNS.has(column.id)) return { ...base, render: statusRenderer(column.id) };
        return base;
    }
  });
}

function statusRenderer(id: string): (row: Row) => ReactNode {
  return (row) => statusNode(text(row[id]));
}

export function statusNode(status: string): ReactNode {
  return createElement("span", { className: `status status-${statusTone(status)}` }, status);
}
