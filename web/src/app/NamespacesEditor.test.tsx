// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { NamespaceAccess } from "./namespaceAccess";
import { NamespacesEditor } from "./NamespacesEditor";
import { apiError, json, stubFetch } from "./testing/fakeApi";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const BEFORE: NamespaceAccess = {
  cluster: "restricted",
  context: "restricted",
  contextNamespace: "team-a",
  flag: ["team-c"],
  saved: [],
  configured: ["team-c"],
  listable: false,
  accessible: ["team-a", "team-c"],
  denied: [],
  deniedMore: 0,
  max: 1000,
};

const AFTER: NamespaceAccess = {
  ...BEFORE,
  saved: ["team-b", "kube-system"],
  configured: ["team-c", "team-b", "kube-system"],
  accessible: ["team-a", "team-b", "team-c"],
  denied: [{ namespace: "kube-system", reasons: ['pods: pods is forbidden: User "restricted" cannot list resource "pods" in the namespace "kube-system"'] }],
};

async function openEditor() {
  fireEvent.click(screen.getByRole("button", { name: "Add namespaces…" }));
  await screen.findByText(/Always tried: team-a, team-c/);
  return screen.getByRole("textbox", { name: "namespaces to try" });
}

it("saves the typed namespaces and shows which are readable and which are denied, with the reason", async () => {
  const calls = stubFetch((_url, call) => json(call.method === "PUT" ? AFTER : BEFORE));
  const onSaved = vi.fn();
  render(<NamespacesEditor cluster="restricted" onSaved={onSaved} />);
  const box = await openEditor();
  expect(screen.getByTestId("ns-accessible").textContent).toBe("team-a, team-c");

  fireEvent.change(box, { target: { value: "team-b, kube-system team-b" } });
  fireEvent.click(screen.getByRole("button", { name: "Save" }));
  await screen.findByText("Saved");

  const put = calls.find((c) => c.method === "PUT");
  expect(put?.url.pathname).toBe("/api/v1/clusters/restricted/namespaces");
  expect(JSON.parse(put?.body ?? "null")).toEqual({ namespaces: ["team-b", "kube-system"] });
  expect(screen.getByTestId("ns-accessible").textContent).toBe("team-a, team-b, team-c");
  const denied = screen.getByRole("list", { name: "denied namespaces" });
  expect(denied.querySelector('[data-denied="kube-system"]')?.textContent).toMatch(/kube-system: denied — pods: pods is forbidden/);
  expect(onSaved).toHaveBeenCalledWith(AFTER);
  expect((box as HTMLTextAreaElement).value).toBe("team-b, kube-system");
});

it("names a bad entry before sending anything, and shows the server's refusal verbatim", async () => {
  const calls = stubFetch((_url, call) =>
    call.method === "PUT" ? apiError(400, "BadRequest", "namespaces[0] 'zz' is not a valid namespace name") : json(BEFORE),
  );
  render(<NamespacesEditor cluster="restricted" />);
  const box = await openEditor();

  fireEvent.change(box, { target: { value: "team-b Bad_One" } });
  fireEvent.click(screen.getByRole("button", { name: "Save" }));
  expect((await screen.findByRole("alert")).textContent).toMatch(/^"Bad_One" is not a valid namespace name/);
  expect(calls.some((c) => c.method === "PUT")).toBe(false);

  fireEvent.change(box, { target: { value: "zz" } });
  fireEvent.click(screen.getByRole("button", { name: "Save" }));
  await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("BadRequest: namespaces[0] 'zz' is not a valid namespace name"));
  expect(screen.queryByText("Saved")).toBeNull();
});
