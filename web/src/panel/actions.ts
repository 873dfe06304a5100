// The actions the panel offers per kind, the request body of each (docs/api.md, Actions), the
// plain-words plan shown before confirming, and what a dry-run answer says will change.

import type { KubeObject } from "./kubeObject";
import { numberAt } from "./kubeObject";
import { refLabel, type Ref } from "./refs";

export type ActionName =
  | "scale"
  | "restart"
  | "rollback"
  | "suspend"
  | "resume"
  | "trigger"
  | "cordon"
  | "uncordon"
  | "drain"
  | "delete"
  | "remove-finalizers";

export const ACTION_LABELS: Record<ActionName, string> = {
  scale: "Scale",
  restart: "Restart",
  rollback: "Rollback",
  suspend: "Suspend",
  resume: "Resume",
  trigger: "Trigger",
  cordon: "Cordon",
  uncordon: "Uncordon",
  drain: "Drain",
  delete: "Delete",
  "remove-finalizers": "Remove finalizers",
};

/** Actions that destroy or replace state: on a `confirm` context they need the name typed. */
export const DESTRUCTIVE: ReadonlySet<ActionName> = new Set(["delete", "remove-finalizers", "drain", "rollback"]);

const SCALABLE = new Set(["deployments", "statefulsets", "replicasets"]);
const RESTARTABLE = new Set(["deployments", "statefulsets", "daemonsets"]);

export function actionsFor(ref: Ref, object: KubeObject | null): ActionName[] {
  const out: ActionName[] = [];
  const apps = ref.group === "apps";
  if (apps && SCALABLE.has(ref.resource)) out.push("scale");
  if (apps && RESTARTABLE.has(ref.resource)) out.push("restart", "rollback");
  if (ref.group === "batch" && ref.resource === "cronjobs") {
    out.push(object?.spec?.suspend === true ? "resume" : "suspend", "trigger");
  }
  if (ref.group === "" && ref.resource === "nodes") {
    out.push(object?.spec?.unschedulable === true ? "uncordon" : "cordon", "drain");
  }
  out.push("delete");
  if ((object?.metadata?.finalizers?.length ?? 0) > 0) out.push("remove-finalizers");
  return out;
}

export interface ActionInput {
  replicas?: number;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  /** null = the object's default grace period. */
  gracePeriodSeconds?: number | null;
  /** delete: grace 0 for pods stuck terminating. drain: delete pods without a controller. */
  force?: boolean;
  revision?: number;
  deleteEmptyDirData?: boolean;
  timeoutSeconds?: number;
}

export function defaultInput(action: ActionName, object: KubeObject | null): ActionInput {
  switch (action) {
    case "scale":
      return { replicas: numberAt(object, "spec", "replicas") ?? 1 };
    case "delete":
      return { propagationPolicy: "Background", gracePeriodSeconds: null, force: false };
    case "drain":
      return { gracePeriodSeconds: null, timeoutSeconds: 300, deleteEmptyDirData: false, force: false };
    default:
      return {};
  }
}

/** The JSON body of `POST /actions/{action}` (without dryRun/confirm). */
export function actionBody(action: ActionName, ref: Ref, input: ActionInput): Record<string, unknown> {
  const named = ref.namespace ? { namespace: ref.namespace, name: ref.name } : { name: ref.name };
  switch (action) {
    case "scale":
      return { resource: ref.resource, ...named, replicas: input.replicas ?? 0 };
    case "restart":
      return { resource: ref.resource, ...named };
    case "rollback":
      return { resource: ref.resource, ...named, revision: input.revision };
    case "suspend":
    case "resume":
    case "trigger":
    case "cordon":
    case "uncordon":
      return named;
    case "drain": {
      const body: Record<string, unknown> = { name: ref.name, timeoutSeconds: input.timeoutSeconds ?? 300 };
      if (input.gracePeriodSeconds !== null && input.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = input.gracePeriodSeconds;
      if (input.deleteEmptyDirData) body.deleteEmptyDirData = true;
      if (input.force) body.force = true;
      return body;
    }
    case "delete": {
      const body: Record<string, unknown> = {
        group: ref.group,
        version: ref.version,
        resource: ref.resource,
        ...named,
        propagationPolicy: input.propagationPolicy ?? "Background",
      };
      if (input.force) body.force = true;
      else if (input.gracePeriodSeconds !== null && input.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = input.gracePeriodSeconds;
      return body;
    }
    case "remove-finalizers":
      return { group: ref.group, version: ref.version, resource: ref.resource, ...named };
  }
}

/** What the action will do, in words, before the dry run answers. */
export function actionPlan(action: ActionName, ref: Ref, object: KubeObject | null, input: ActionInput): string {
  const what = `${ref.kind || ref.resource} ${refLabel(ref)}`;
  switch (action) {
    case "scale":
      return `Scale ${what} from ${numberAt(object, "spec", "replicas") ?? "?"} to ${input.replicas ?? 0} replicas.`;
    case "restart":
      return `Restart every pod of ${what} (rolling, as kubectl rollout restart).`;
    case "rollback":
      return input.revision === undefined ? `Pick a revision to roll ${what} back to.` : `Roll ${what} back to revision ${input.revision}.`;
    case "suspend":
      return `Suspend ${what}: no new Jobs until resumed.`;
    case "resume":
      return `Resume ${what}: Jobs start on schedule again.`;
    case "trigger":
      return `Create a Job now from the template of ${what}.`;
    case "cordon":
      return `Mark node ${ref.name} unschedulable; running pods stay.`;
    case "uncordon":
      return `Mark node ${ref.name} schedulable again.`;
    case "drain":
      return `Cordon node ${ref.name} and evict its pods (DaemonSet pods skipped; gives up after ${input.timeoutSeconds ?? 300} s).`;
    case "delete":
      if (input.force) return `Force-delete ${what} now (grace period 0): the kubelet may still be running its containers.`;
      return `Delete ${what} (propagation ${input.propagationPolicy ?? "Background"}${
        input.gracePeriodSeconds !== null && input.gracePeriodSeconds !== undefined ? `, grace ${input.gracePeriodSeconds} s` : ""
      }).`;
    case "remove-finalizers":
      return `Remove the finalizers ${(object?.metadata?.finalizers ?? []).join(", ")} from ${what}: the controllers that own them will not clean up.`;
  }
}

/** What a dry-run answer says (the server answered as if it had written). */
export function dryRunOutcome(action: ActionName, result: unknown): string {
  const obj = (result ?? {}) as KubeObject & { metadata?: { name?: string } };
  switch (action) {
    case "scale": {
      const replicas = numberAt(obj, "spec", "replicas");
      return replicas === null ? "The API server accepted the change." : `The API server accepts: spec.replicas = ${replicas}.`;
    }
    case "trigger":
      return `The API server accepts: Job ${obj.metadata?.name ?? ""} would be created.`;
    case "delete":
      return obj.metadata?.deletionTimestamp
        ? `The API server accepts: the object would be marked for deletion (finalizers: ${(obj.metadata.finalizers ?? []).join(", ") || "none"}).`
        : "The API server accepts: the object would be deleted.";
    default:
      return "The API server accepted the dry run.";
  }
}
