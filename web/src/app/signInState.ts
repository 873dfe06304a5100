// Whether the UI must ask for a sign-in first: only in in-cluster mode (`GET /api/v1/whoami`
// answers 401 there without credentials; outside that mode it is a 404 and the launch token's
// cookie already authenticates).

import { ApiError, fetchJson, type WhoAmI } from "./api";

export type SignInState = "checking" | "signed-in" | "sign-in";

export async function signInState(signal?: AbortSignal): Promise<Exclude<SignInState, "checking">> {
  try {
    await fetchJson<WhoAmI>("/api/v1/whoami", signal);
    return "signed-in";
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return "sign-in";
    // 404 (not in-cluster) or a transient failure: the app's own screens report errors.
    return "signed-in";
  }
}
