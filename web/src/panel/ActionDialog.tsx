// The confirmation dialog of one action: its inputs, a dry run first (what the API server says
// will happen), then the real request. On `confirm` contexts destructive actions need the
// object's name typed. Errors show the API's reason and message verbatim; a 403 from the
// permission pre-check is reported to the action bar, which disables the action.

import { useCallback, useEffect, useState } from "react";
import { actionBody, actionPlan, ACTION_LABELS, defaultInput, DESTRUCTIVE, dryRunOutcome, type ActionInput, type ActionName } from "./actions";
import { DrainProgress, type DrainState } from "./DrainProgress";
import { errorReason, errorStatus, errorText, ApiError, sendJson } from "./http";
import type { KubeObject } from "./kubeObject";
import { clusterUrl, refLabel, type Ref } from "./refs";
import { RevisionPicker } from "./RevisionPicker";
import { ModalFrame } from "./ModalFrame";
import { ErrorNote } from "./ErrorNote";
import "./panel.css";

type Preview =
  | { state: "running" }
  | { state: "ok"; outcome: string }
  /** The server offers no dry run for this action: the plan is all we can show. */
  | { state: "unsupported" }
  | { state: "error"; message: string };

type Outcome = { state: "running" } | { state: "done"; message: string } | { state: "error"; message: string } | { state: "drain"; drain: DrainState };

export interface ActionDialogProps {
  cluster: string;
  action: ActionName;
  target: Ref;
  object: KubeObject | null;
  confirmContext: boolean;
  onClose: () => void;
  /** The action changed the object (reload it). */
  onDone: () => void;
  /** The permission pre-check refused: the bar disables the action with this reason. */
  onForbidden: (action: ActionName, message: string) => void;
}

export function ActionDialog({ cluster, action, target, object, confirmContext, onClose, onDone, onForbidden }: ActionDialogProps) {
  const [input, setInput] = useState<ActionInput>(() => defaultInput(action, object));
  const [previewed, setPreviewed] = useState<ActionInput | null>(null);
  const [preview, setPreview] = useState<Preview>({ state: "running" });
  // The server may also ask (428) when the clusters list was not read yet or is older.
  const [askedForName, setNeedsName] = useState(false);
  const needsName = askedForName || (confirmContext && DESTRUCTIVE.has(action));
  const [typed, setTyped] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const url = clusterUrl(cluster, `actions/${action}`);
  const ready = action !== "rollback" || input.revision !== undefined;

  const runPreview = useCallback(
    (value: ActionInput) => {
      setPreviewed(value);
      setPreview({ state: "running" });
      sendJson<unknown>("POST", url, { ...actionBody(action, target, value), dryRun: true })
        .then((answer) => setPreview({ state: "ok", outcome: dryRunOutcome(action, answer.body) }))
        .catch((error: unknown) => {
          const reason = errorReason(error);
          if (errorStatus(error) === 403 && reason === "Forbidden") onForbidden(action, errorText(error));
          if (reason === "ConfirmationRequired") {
            setNeedsName(true);
            setPreview({ state: "unsupported" });
          } else if (error instanceof ApiError && error.body?.details?.parameter === "dryRun") setPreview({ state: "unsupported" });
          else setPreview({ state: "error", message: errorText(error) });
        });
    },
    [url, action, target, onForbidden],
  );

  // Opening the dialog dry-runs the defaults once; later inputs go through "Dry run again".
  useEffect(() => {
    if (ready) runPreview(defaultInput(action, object));
  }, []);

  const stale = previewed === null || JSON.stringify(previewed) !== JSON.stringify(input);
  const nameOk = !needsName || typed === target.name;
  const canConfirm = ready && !stale && (preview.state === "ok" || preview.state === "unsupported") && nameOk && outcome?.state !== "running";

  const confirm = () => {
    setOutcome({ state: "running" });
    const body = { ...actionBody(action, target, input), ...(needsName ? { confirm: typed } : {}) };
    sendJson<unknown>("POST", url, body)
      .then((answer) => {
        if (action === "drain" && answer.status === 202) setOutcome({ state: "drain", drain: answer.body as DrainState });
        else setOutcome({ state: "done", message: `${ACTION_LABELS[action]}: done (HTTP ${answer.status}).` });
        onDone();
      })
      .catch((error: unknown) => {
        if (errorReason(error) === "ConfirmationRequired") setNeedsName(true);
        setOutcome({ state: "error", message: errorText(error) });
      });
  };

  const set = (changes: Partial<ActionInput>) => setInput((current) => ({ ...current, ...changes }));

  return (
    <ModalFrame label={`${ACTION_LABELS[action]} ${refLabel(target)}`} onClose={onClose}>
      <h3>
        {ACTION_LABELS[action]} {target.kind || target.resource} <span className="mono">{refLabel(target)}</span>
      </h3>
      {action === "scale" && (
        <label>
          replicas{" "}
          <input
            type="number"
            aria-label="replicas"
            min={0}
            value={input.replicas ?? 0}
            onChange={(e) => set({ replicas: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
          />
        </label>
      )}
      {action === "delete" && (
        <div className="dialog-fields">
          <label>
            propagation{" "}
            <select
              aria-label="propagation"
              value={input.propagationPolicy}
              onChange={(e) => set({ propagationPolicy: e.target.value as ActionInput["propagationPolicy"] })}
            >
              <option>Background</option>
              <option>Foreground</option>
              <option>Orphan</option>
            </select>
          </label>
          <label>
            grace period (s){" "}
            <input
              type="number"
              aria-label="grace period"
              min={0}
              placeholder="default"
              disabled={input.force}
              value={input.gracePeriodSeconds ?? ""}
              onChange={(e) => set({ gracePeriodSeconds: e.target.value === "" ? null : Math.max(0, Math.floor(Number(e.target.value))) })}
            />
          </label>
          {target.resource === "pods" && object?.metadata?.deletionTimestamp && (
            <label className="tone-bad">
              <input type="checkbox" aria-label="force" checked={input.force === true} onChange={(e) => set({ force: e.target.checked })} /> force
              (pod stuck terminating since {object.metadata.deletionTimestamp}; skips the kubelet's confirmation)
            </label>
          )}
        </div>
      )}
      {action === "drain" && (
        <div className="dialog-fields">
          <label>
            timeout (s){" "}
            <input
              type="number"
              aria-label="timeout"
              min={1}
              value={input.timeoutSeconds ?? 300}
              onChange={(e) => set({ timeoutSeconds: Math.max(1, Math.floor(Number(e.target.value) || 300)) })}
            />
          </label>
          <label>
            <input type="checkbox" checked={input.deleteEmptyDirData === true} onChange={(e) => set({ deleteEmptyDirData: e.target.checked })} />{" "}
            delete emptyDir data
          </label>
          <label>
            <input type="checkbox" checked={input.force === true} onChange={(e) => set({ force: e.target.checked })} /> force (pods without a controller)
          </label>
        </div>
      )}
      {action === "rollback" && <RevisionPicker cluster={cluster} target={target} value={input.revision} onChange={(revision) => set({ revision })} />}

      <p className="plan">{actionPlan(action, target, object, input)}</p>
      {ready && stale && (
        <button type="button" onClick={() => runPreview(input)}>
          Dry run again
        </button>
      )}
      {!stale && preview.state === "running" && <p className="muted">Dry run…</p>}
      {!stale && preview.state === "ok" && (
        <p className="tone-ok" data-testid="dry-run">
          Dry run: {preview.outcome}
        </p>
      )}
      {!stale && preview.state === "unsupported" && <p className="muted">No dry run for this request; the plan above is what will be sent.</p>}
      {!stale && preview.state === "error" && (
        <ErrorNote>
          Dry run refused — {preview.message}
        </ErrorNote>
      )}
      {needsName && (
        <label className="confirm-name">
          This context requires confirmation: type <strong className="mono">{target.name}</strong>{" "}
          <input aria-label="confirm name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </label>
      )}
      {outcome?.state === "error" && (
        <ErrorNote>
          {outcome.message}
        </ErrorNote>
      )}
      {outcome?.state === "done" && <p className="tone-ok">{outcome.message}</p>}
      {outcome?.state === "drain" && <DrainProgress cluster={cluster} initial={outcome.drain} />}
      <div className="dialog-buttons">
        {outcome?.state !== "done" && outcome?.state !== "drain" && (
          <button type="button" className={DESTRUCTIVE.has(action) ? "danger" : "primary"} disabled={!canConfirm} onClick={confirm}>
            {outcome?.state === "running" ? "Working…" : `Confirm ${ACTION_LABELS[action].toLowerCase()}`}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {outcome?.state === "done" || outcome?.state === "drain" ? "Close" : "Cancel"}
        </button>
      </div>
    </ModalFrame>
  );
}
