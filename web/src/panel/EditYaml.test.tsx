// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { EditYaml } from "./EditYaml";
import type { Ref } from "./refs";
import { FakeApi, json, problem } from "./testing/fakeApi";

const APPLY = "/api/v1/clusters/c1/actions/apply";
const YAML = "/api/v1/clusters/c1/objects/core/v1/configmaps/shop/cfg?format=yaml";
const cfg: Ref = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace: "shop", name: "cfg", uid: "u" };
let api: FakeApi;
beforeEach(() => {
  api = new FakeApi().on("GET", YAML, new Response("kind: ConfigMap\ndata:\n  a: '1'\n"));
  vi.stubGlobal("fetch", api.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function edit(confirmContext = false) {
  const onDone = vi.fn();
  render(<EditYaml cluster="c1" target={cfg} yamlUrl={YAML} confirmContext={confirmContext} onClose={() => {}} onDone={onDone} />);
  return onDone;
}

it("edits, shows the dry-run diff, then applies the same manifest", async () => {
  api.on("POST", APPLY, (body) =>
    (body as { dryRun: boolean }).dryRun ? json({ result: {}, diff: "--- live\n+++ result\n-  a: '1'\n+  a: '2'" }) : json({ kind: "ConfigMap" }),
  );
  const onDone = edit();
  const area = (await screen.findByDisplayValue(/kind: ConfigMap/)) as HTMLTextAreaElement;
  const apply = screen.getByRole("button", { name: "Apply" });
  expect(apply).toHaveProperty("disabled", true);
  fireEvent.change(area, { target: { value: "kind: ConfigMap\ndata:\n  a: '2'\n" } });
  fireEvent.click(screen.getByRole("button", { name: "Dry run (diff)" }));
  const diff = await screen.findByTestId("diff");
  expect([...diff.querySelectorAll(".diff-add")].map((d) => d.textContent?.trim())).toEqual(["+++ result", "+  a: '2'"]);
  expect([...diff.querySelectorAll(".diff-del")].map((d) => d.textContent?.trim())).toEqual(["--- live", "-  a: '1'"]);
  fireEvent.click(apply);
  await screen.findByText("Applied.");
  expect(api.posts(APPLY)).toEqual([
    { manifest: "kind: ConfigMap\ndata:\n  a: '2'\n", dryRun: true, force: false },
    { manifest: "kind: ConfigMap\ndata:\n  a: '2'\n", dryRun: false, force: false },
  ]);
  expect(onDone).toHaveBeenCalledOnce();
});

it("lists conflicts field by field; force on a confirm context needs the name", async () => {
  api.on("POST", APPLY, (body) =>
    (body as { force: boolean }).force
      ? json({ result: {}, diff: "" })
      : problem(409, "Conflict", "Apply failed with 1 conflict", {
          conflicts: [{ field: ".data.a", manager: "kubectl-edit", message: 'conflict with "kubectl-edit": .data.a' }],
        }),
  );
  edit(true);
  await screen.findByDisplayValue(/kind: ConfigMap/);
  fireEvent.click(screen.getByRole("button", { name: "Dry run (diff)" }));
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain("Conflict: Apply failed with 1 conflict");
  const cells = within(alert).getAllByRole("cell").map((c) => c.textContent);
  expect(cells).toEqual([".data.a", "kubectl-edit", 'conflict with "kubectl-edit": .data.a']);

  fireEvent.click(screen.getByLabelText("force"));
  fireEvent.change(screen.getByLabelText("confirm name"), { target: { value: "cfg" } });
  fireEvent.click(screen.getByRole("button", { name: "Dry run (diff)" }));
  await screen.findByText("No changes.");
  expect(api.posts(APPLY).at(-1)).toEqual({ manifest: "kind: ConfigMap\ndata:\n  a: '1'\n", dryRun: true, force: true, confirm: "cfg" });
});
