// "Add namespaces…": for a user who cannot list namespaces, the list masthead should try in a
// cluster (saved on the server, kept across restarts). The context's namespace and the ones
// from `--namespaces` are shown but not editable; after saving, the answer says which
// namespaces are readable and which are denied, with the API server's reason.

import { useEffect, useState } from "react";
import { errorText } from "../panel/http";
import { fetchNamespaceAccess, parseNamespaceList, saveNamespaces, type NamespaceAccess } from "./namespaceAccess";

export function NamespacesEditor({ cluster, onSaved }: { cluster: string; onSaved?: (access: NamespaceAccess) => void }) {
  const [open, setOpen] = useState(false);
  const [access, setAccess] = useState<NamespaceAccess | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!open) return;
    const abort = new AbortController();
    setError(null);
    fetchNamespaceAccess(cluster, abort.signal)
      .then((found) => {
        setAccess(found);
        setText(found.saved.join(", "));
      })
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setError(errorText(reason));
      });
    return () => abort.abort();
  }, [open, cluster]);

  if (!open) {
    return (
      <button type="button" className="link ns-editor-open" onClick={() => setOpen(true)}>
        Add namespaces…
      </button>
    );
  }

  const save = () => {
    const parsed = parseNamespaceList(text, access?.max ?? 1000);
    if (parsed.names === null) {
      setError(parsed.error);
      return;
    }
    setSaving(true);
    setError(null);
    setSaved(false);
    saveNamespaces(cluster, parsed.names)
      .then((answer) => {
        setAccess(answer);
        setText(answer.saved.join(", "));
        setSaved(true);
        onSaved?.(answer);
      })
      .catch((reason: unknown) => setError(errorText(reason)))
      .finally(() => setSaving(false));
  };

  const fixed = [...(access?.contextNamespace ? [access.contextNamespace] : []), ...(access?.flag ?? [])];
  return (
    <form
      className="ns-editor"
      aria-label={`namespaces of ${cluster}`}
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <label>
        Namespaces to try in {cluster} <span className="muted">(commas or spaces between names)</span>
        <textarea
          aria-label="namespaces to try"
          rows={2}
          value={text}
          aria-invalid={error !== null || undefined}
          onChange={(event) => {
            setText(event.target.value);
            setSaved(false);
          }}
        />
      </label>
      {fixed.length > 0 && (
        <div className="muted" data-testid="ns-fixed">
          Always tried: {fixed.join(", ")} (the context's namespace and --namespaces)
        </div>
      )}
      {access?.listable && <div className="muted">This user may list namespaces: every namespace is tried already.</div>}
      <div className="ns-editor-actions">
        <button type="submit" disabled={saving || access === null}>
          {saving ? "Saving…" : "Save"}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
        {saved && <span className="tone-ok">Saved</span>}
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {access && <AccessSummary access={access} />}
    </form>
  );
}

function AccessSummary({ access }: { access: NamespaceAccess }) {
  return (
    <div className="ns-access" data-testid="ns-access">
      <div>
        Readable: <span data-testid="ns-accessible">{access.accessible === null ? "every namespace" : access.accessible.join(", ") || "none"}</span>
      </div>
      {access.denied.length > 0 && (
        <ul className="ns-denied" aria-label="denied namespaces">
          {access.denied.map((denied) => (
            <li key={denied.namespace} data-denied={denied.namespace}>
              <strong className="tone-bad">{denied.namespace}</strong>: denied — {denied.reasons.join("; ")}
            </li>
          ))}
          {access.deniedMore > 0 && <li className="muted">and {access.deniedMore} more</li>}
        </ul>
      )}
    </div>
  );
}
