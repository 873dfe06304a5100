// Edit YAML → dry-run diff → apply (server-side apply). The editor starts from the object's YAML
// without its status (editableManifest.ts). A conflict lists each field with the manager that
// owns it; "Force" takes ownership (destructive: on `confirm` contexts the name must be typed).

import { useState } from "react";
import { errorText, ApiError, sendJson } from "./http";
import { clusterUrl, refLabel, type Ref } from "./refs";
import { useFetched } from "./useFetched";
import { ModalFrame } from "./ModalFrame";
import { ErrorNote } from "./ErrorNote";
import { withoutStatus } from "./editableManifest";
import "./panel.css";

export interface Conflict {
  field: string;
  manager: string;
  message: string;
}

type Step =
  | { state: "editing" }
  | { state: "running" }
  | { state: "diff"; diff: string }
  | { state: "applied" }
  | { state: "error"; message: string; conflicts: Conflict[] };

function conflictsOf(error: unknown): Conflict[] {
  if (!(error instanceof ApiError) || error.status !== 409) return [];
  const list = error.body?.details?.conflicts;
  return Array.isArray(list) ? (list as Conflict[]) : [];
}

export function EditYaml({
  cluster,
  target,
  yamlUrl,
  confirmContext,
  onClose,
  onDone,
}: {
  cluster: string;
  target: Ref;
  yamlUrl: string;
  confirmContext: boolean;
  onClose: () => void;
  onDone: () => void;
}) {
  const original = useFetched<string>(yamlUrl, "text");
  const [text, setText] = useState<string | null>(null);
  const [force, setForce] = useState(false);
  const [typed, setTyped] = useState("");
  const [step, setStep] = useState<Step>({ state: "editing" });
  const manifest = text ?? (original.data === null ? "" : withoutStatus(original.data));
  const needsName = confirmContext && force;

  const send = (dryRun: boolean) => {
    setStep({ state: "running" });
    const body: Record<string, unknown> = { manifest, dryRun, force };
    if (needsName) body.confirm = typed;
    sendJson<{ diff?: string }>("POST", clusterUrl(cluster, "actions/apply"), body)
      .then((answer) => {
        if (dryRun) setStep({ state: "diff", diff: answer.body?.diff ?? "" });
        else {
          setStep({ state: "applied" });
          onDone();
        }
      })
      .catch((error: unknown) => setStep({ state: "error", message: errorText(error), conflicts: conflictsOf(error) }));
  };

  return (
    <ModalFrame label={`Edit ${refLabel(target)}`} wide onClose={onClose}>
      <h3>
        Edit <span className="mono">{refLabel(target)}</span>
      </h3>
      {original.error && (
        <ErrorNote>
          {original.error}
        </ErrorNote>
      )}
      <textarea
        aria-label="manifest"
        className="yaml-edit"
        spellCheck={false}
        value={manifest}
        onChange={(e) => {
          setText(e.target.value);
          setStep({ state: "editing" });
        }}
      />
      <label>
        <input type="checkbox" aria-label="force" checked={force} onChange={(e) => setForce(e.target.checked)} /> force (take ownership of conflicting
        fields)
      </label>
      {needsName && (
        <label className="confirm-name">
          This context requires confirmation: type <strong className="mono">{target.name}</strong>{" "}
          <input aria-label="confirm name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </label>
      )}
      {step.state === "diff" &&
        (step.diff ? (
          <pre className="diff" data-testid="diff">
            {step.diff.split("\n").map((line, i) => (
              <div key={i} className={line.startsWith("+") ? "diff-add" : line.startsWith("-") ? "diff-del" : undefined}>
                {line}
                {"\n"}
              </div>
            ))}
          </pre>
        ) : (
          <p className="muted">No changes.</p>
        ))}
      {step.state === "error" && (
        <ErrorNote>
          {step.message}
          {step.conflicts.length > 0 && (
            <table className="conflicts">
              <thead>
                <tr>
                  <th>field</th>
                  <th>manager</th>
                  <th>message</th>
                </tr>
              </thead>
              <tbody>
                {step.conflicts.map((c) => (
                  <tr key={c.field + c.manager}>
                    <td className="mono">{c.field}</td>
                    <td>{c.manager}</td>
                    <td>{c.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </ErrorNote>
      )}
      {step.state === "applied" && <p className="tone-ok">Applied.</p>}
      <div className="dialog-buttons">
        <button type="button" disabled={step.state === "running" || !manifest} onClick={() => send(true)}>
          Dry run (diff)
        </button>
        <button
          type="button"
          className="primary"
          disabled={step.state !== "diff" || (needsName && typed !== target.name)}
          onClick={() => send(false)}
        >
          Apply
        </button>
        <button type="button" onClick={onClose}>
          {step.state === "applied" ? "Close" : "Cancel"}
        </button>
      </div>
    </ModalFrame>
  );
}
