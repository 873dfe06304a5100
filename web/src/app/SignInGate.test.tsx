// @vitest-environment jsdom
// In-cluster sign-in: the gate asks `whoami`; a 401 shows the sign-in screen, whose token goes
// to `POST /api/v1/login`; the API's reason is shown on refusal; outside in-cluster mode (404)
// the app shows at once.
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import { SignInGate } from "./SignInGate";
import { apiError, json, stubFetch } from "./testing/fakeApi";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

it("asks for a token when in-cluster mode answers 401, shows the API's refusal, then opens the app", async () => {
  let signedIn = false;
  const calls = stubFetch((url, call) => {
    if (url.pathname === "/api/v1/whoami") {
      return signedIn ? json({ user: { username: "jane" }, via: "login" }) : apiError(401, "Unauthorized", "not signed in");
    }
    if (url.pathname === "/api/v1/login" && call.method === "POST") {
      const { token } = JSON.parse(call.body ?? "{}") as { token: string };
      if (token !== "good-token") return apiError(401, "Unauthorized", "the API server refused the token: Unauthorized");
      signedIn = true;
      return json({ user: { username: "jane", groups: ["team-a"] } });
    }
    return apiError(404, "NotFound", url.pathname);
  });
  render(
    <SignInGate>
      <p>the app</p>
    </SignInGate>,
  );
  const token = await screen.findByLabelText("Token");
  expect(screen.queryByText("the app")).toBeNull();

  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  expect(screen.getByRole("alert").textContent).toBe("token: paste a Kubernetes bearer token");
  expect(calls.some((c) => c.url.pathname === "/api/v1/login")).toBe(false);

  fireEvent.change(token, { target: { value: "bad-token" } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Unauthorized: the API server refused the token: Unauthorized"));
  expect(screen.queryByText("the app")).toBeNull();

  fireEvent.change(token, { target: { value: "  good-token " } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await screen.findByText("the app");
  const login = calls.filter((c) => c.url.pathname === "/api/v1/login");
  expect(login.map((c) => [c.method, c.headers["Content-Type"], c.body])).toEqual([
    ["POST", "application/json", JSON.stringify({ token: "bad-token" })],
    ["POST", "application/json", JSON.stringify({ token: "good-token" })],
  ]);
});

it("names the parameter of a 400 and shows the app at once outside in-cluster mode", async () => {
  stubFetch((url) => {
    if (url.pathname === "/api/v1/whoami") return apiError(401, "Unauthorized", "not signed in");
    return json({ error: { code: 400, reason: "BadRequest", message: "token is longer than 16384 characters", details: { parameter: "token" } } }, 400);
  });
  render(
    <SignInGate>
      <p>the app</p>
    </SignInGate>,
  );
  fireEvent.change(await screen.findByLabelText("Token"), { target: { value: "x".repeat(20) } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("token: BadRequest: token is longer than 16384 characters"));
  cleanup();

  stubFetch(() => apiError(404, "NotFound", "no user identities outside in-cluster mode"));
  render(
    <SignInGate>
      <p>the app</p>
    </SignInGate>,
  );
  await screen.findByText("the app");
  expect(screen.queryByLabelText("Token")).toBeNull();
});
