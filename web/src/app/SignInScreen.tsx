// In-cluster mode's sign-in: a Kubernetes bearer token (`kubectl create token NAME`, an OIDC ID
// token) posted to `/api/v1/login`; the server checks it against the API server and keeps it,
// the browser gets only an HttpOnly session cookie. Errors show the API's reason.

import { useState, type FormEvent } from "react";
import { ApiError, errorText, signIn } from "./api";

export function SignInScreen({ onSignedIn }: { onSignedIn: (username: string) => void }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError("token: paste a Kubernetes bearer token");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const user = await signIn(value);
      setToken("");
      onSignedIn(user.username);
    } catch (reason) {
      const parameter = reason instanceof ApiError ? reason.body?.details?.parameter : undefined;
      setError(typeof parameter === "string" ? `${parameter}: ${errorText(reason)}` : errorText(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" aria-label="Sign in">
      <h1>masthead</h1>
      <p>
        Sign in with your Kubernetes bearer token (for example <code>kubectl create token NAME</code>, or your OIDC ID
        token). It is checked against the API server and used for every request masthead makes for you.
      </p>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Token
          <input
            type="password"
            name="token"
            autoComplete="off"
            value={token}
            aria-invalid={error !== null || undefined}
            onChange={(event) => setToken(event.target.value)}
          />
        </label>
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
