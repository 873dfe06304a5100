// A Secret's keys, masked until "Reveal" (POST .../reveal). Revealed values live only in this
// component's state: closing the panel or opening another object unmounts it and drops them.

import { useState } from "react";
import { errorText, sendJson } from "./http";
import { ErrorNote } from "./ErrorNote";
import { objectUrl, type Ref } from "./refs";

interface Revealed {
  data: Record<string, { value: string; encoding: "text" | "base64" }>;
}

export function SecretData({ cluster, target, lengths }: { cluster: string; target: Ref; lengths: Record<string, unknown> }) {
  const [values, setValues] = useState<Revealed["data"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const keys = Object.keys(lengths);

  const reveal = () => {
    setBusy(true);
    setError(null);
    sendJson<Revealed>("POST", objectUrl(cluster, target, "reveal"), {})
      .then((answer) => setValues(answer.body?.data ?? {}))
      .catch((reason: unknown) => setError(errorText(reason)))
      .finally(() => setBusy(false));
  };

  return (
    <section className="secret-data" aria-label="secret data">
      <h4>
        Data{" "}
        {values ? (
          <button type="button" onClick={() => setValues(null)}>
            Hide
          </button>
        ) : (
          <button type="button" disabled={busy || keys.length === 0} onClick={reveal}>
            Reveal
          </button>
        )}
      </h4>
      {error && (
        <ErrorNote>
          {error}
        </ErrorNote>
      )}
      {keys.length === 0 ? (
        <p className="muted">no data</p>
      ) : (
        <ul className="pairs">
          {keys.map((key) => {
            const shown = values?.[key];
            return (
              <li key={key}>
                <span className="pair-key mono">{key}</span>
                {shown ? (
                  <span className="pair-value mono secret-value">
                    {shown.value}
                    {shown.encoding === "base64" && <span className="muted"> (base64, binary)</span>}
                  </span>
                ) : (
                  <span className="pair-value muted">•••••• {typeof lengths[key] === "number" ? `${String(lengths[key])} bytes` : ""}</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
