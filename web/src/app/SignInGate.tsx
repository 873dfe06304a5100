// Shows the sign-in screen instead of the app while in-cluster mode has no session for this
// browser. The app (and its live socket) starts only once signed in.

import { useEffect, useState, type ReactNode } from "react";
import { SignInScreen } from "./SignInScreen";
import { signInState, type SignInState } from "./signInState";

export function SignInGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SignInState>("checking");
  useEffect(() => {
    const abort = new AbortController();
    void signInState(abort.signal).then((next) => {
      if (!abort.signal.aborted) setState(next);
    });
    return () => abort.abort();
  }, []);
  if (state === "checking") return null;
  if (state === "sign-in") return <SignInScreen onSignedIn={() => setState("signed-in")} />;
  return children;
}
