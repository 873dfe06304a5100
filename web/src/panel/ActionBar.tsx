// The panel header's actions for the object's kind. A read-only context shows a banner and
// disables all of them; an action the permission pre-check refused stays disabled, saying why.
// Until the object has loaded they are disabled too: which actions apply (Cordon or Uncordon)
// and a dialog's defaults (Scale's replica count) come from it.

import { useCallback, useState } from "react";
import { ActionDialog } from "./ActionDialog";
import { actionsFor, ACTION_LABELS, DESTRUCTIVE, type ActionName } from "./actions";
import type { ClusterFlags } from "./clusterFlags";
import { EditYaml } from "./EditYaml";
import type { KubeObject } from "./kubeObject";
import { objectUrl, type Ref } from "./refs";
import "./panel.css";

const LOADING = "loading the object…";

export function ActionBar({
  cluster,
  target,
  object,
  flags,
  loading = false,
  onChanged,
}: {
  cluster: string;
  target: Ref;
  object: KubeObject | null;
  flags: ClusterFlags;
  /** The object is being fetched (not yet known). */
  loading?: boolean;
  onChanged: () => void;
}) {
  const [open, setOpen] = useState<ActionName | "edit" | null>(null);
  const [forbidden, setForbidden] = useState<Partial<Record<ActionName, string>>>({});
  const onForbidden = useCallback((action: ActionName, message: string) => setForbidden((f) => ({ ...f, [action]: message })), []);
  const actions = actionsFor(target, object);
  // Secret values arrive redacted: applying that YAML would overwrite them with lengths.
  const editable = target.resource !== "secrets";
  const denied = Object.entries(forbidden) as Array<[ActionName, string]>;

  return (
    <>
      {flags.readOnly && (
        <div className="banner-readonly" role="note">
          Read-only context: actions are disabled.
        </div>
      )}
      <div className="action-bar" role="toolbar" aria-label="actions">
        {actions.map((action) => (
          <button
            key={action}
            type="button"
            className={DESTRUCTIVE.has(action) ? "danger-outline" : undefined}
            disabled={flags.readOnly || loading || forbidden[action] !== undefined}
            title={forbidden[action] ?? (flags.readOnly ? "read-only context" : loading ? LOADING : undefined)}
            onClick={() => setOpen(action)}
          >
            {ACTION_LABELS[action]}
          </button>
        ))}
        {editable && (
          <button type="button" disabled={flags.readOnly || loading} title={loading ? LOADING : undefined} onClick={() => setOpen("edit")}>
            Edit YAML
          </button>
        )}
      </div>
      {denied.map(([action, message]) => (
        <div key={action} className="warning" role="note">
          {ACTION_LABELS[action]} not permitted — {message}
        </div>
      ))}
      {open === "edit" && (
        <EditYaml
          cluster={cluster}
          target={target}
          yamlUrl={`${objectUrl(cluster, target)}?format=yaml`}
          confirmContext={flags.confirm}
          onClose={() => setOpen(null)}
          onDone={onChanged}
        />
      )}
      {open && open !== "edit" && (
        <ActionDialog
          cluster={cluster}
          action={open}
          target={target}
          object={object}
          confirmContext={flags.confirm}
          onClose={() => setOpen(null)}
          onDone={onChanged}
          onForbidden={onForbidden}
        />
      )}
    </>
  );
}
