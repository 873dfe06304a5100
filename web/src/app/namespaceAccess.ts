// Configured namespaces (`GET/PUT /api/v1/clusters/{id}/namespaces`): what a user who cannot
// list namespaces asks masthead to try, and what access found in them.

import { sendJson } from "../panel/http";
import type { ViewPage } from "./api";
import { clusterPath, fetchJson } from "./api";

export interface DeniedNamespace {
  namespace: string;
  reasons: string[];
}

export interface NamespaceAccess {
  cluster: string;
  context: string;
  contextNamespace?: string | null;
  /** From `--namespaces`: always tried, not editable here. */
  flag: string[];
  /** Saved from the UI (kept across restarts). */
  saved: string[];
  configured: string[];
  /** Whether the user may list namespaces; null before any resource was planned. */
  listable: boolean | null;
  /** null: every namespace. */
  accessible: string[] | null;
  denied: DeniedNamespace[];
  deniedMore: number;
  max: number;
}

const namespacesPath = (cluster: string) => clusterPath(cluster, "namespaces");

export const fetchNamespaceAccess = (cluster: string, signal?: AbortSignal) => fetchJson<NamespaceAccess>(namespacesPath(cluster), signal);

export async function saveNamespaces(cluster: string, namespaces: string[]): Promise<NamespaceAccess> {
  return (await sendJson<NamespaceAccess>("PUT", namespacesPath(cluster), { namespaces })).body;
}

// An RFC 1123 label, as the server checks it (src/masthead/actions/base.py NAMESPACE).
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL = 63;

export type ParsedNamespaces = { names: string[]; error: null } | { names: null; error: string };

/** Names typed by a person: separated by commas, spaces or new lines; duplicates dropped. The
 * first bad one is named, so the editor can say which entry to fix before anything is sent. */
export function parseNamespaceList(text: string, max: number): ParsedNamespaces {
  const names = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  const bad = names.find((name) => name.length > MAX_LABEL || !LABEL.test(name));
  if (bad !== undefined) {
    return { names: null, error: `"${bad}" is not a valid namespace name (lower case letters, digits and '-', at most ${MAX_LABEL})` };
  }
  if (names.length > max) return { names: null, error: `at most ${max} namespaces, got ${names.length}` };
  return { names, error: null };
}

/** The page is mirrored per namespace (the user cannot read the resource everywhere) or says
 * some namespace is out of reach: worth offering to configure more namespaces. */
export function namespaceRestricted(page: Pick<ViewPage, "sources" | "warnings">): boolean {
  if (page.warnings.some((warning) => warning.code === "PartialAccess")) return true;
  return page.sources.some((source) => source.id.includes("@") && !source.id.endsWith("@*"));
}
