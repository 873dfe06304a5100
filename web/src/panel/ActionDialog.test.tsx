// @vitest-environment jsdom
// Actions over a fake API: dry run first, then the real request; confirm contexts need the
// name typed; errors verbatim; a 403 from the pre-check disables the action in the bar.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { ActionBar } from "./ActionBar";
import { ActionDialog } from "./ActionDialog";
import type { Ref } from "./refs";
import { FakeApi, json, problem, sseStream } from "./testing/fakeApi";

const A = "/api/v1/clusters/c1/actions";
let api: FakeApi;
beforeEach(() => {
  api = new FakeApi();
  vi.stubGlobal("fetch", api.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const deployment: Ref = { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace: "shop", name: "web", uid: "d" };
const node: Ref = { group: "", version: "v1", resource: "nodes", kind: "Node", namespace: "", name: "node-1", uid: "n" };

function dialog(props: Partial<Parameters<typeof ActionDialog>[0]> = {}) {
  const onDone = vi.fn();
  const onForbidden = vi.fn();
  render(
    <ActionDialog
      cluster="c1"
      action="scale"
      target={deployment}
      object={{ kind: "Deployment", spec: { replicas: 3 } }}
      confirmContext={false}
      onClose={() => {}}
      onDone={onDone}
      onForbidden={onForbidden}
      {...props}
    />,
  );
  return { onDone, onForbidden };
}

it("scale: dry run with the current count, again after a change, then the real request", async () => {
  api.on("POST", `${A}/scale`, (body) => json({ kind: "Scale", spec: { replicas: (body as { replicas: number }).replicas } }));
  const { onDone } = dialog();
  expect(await screen.findByTestId("dry-run")).toHaveProperty("textContent", "Dry run: The API server accepts: spec.replicas = 3.");
  fireEvent.change(screen.getByLabelText("replicas"), { target: { value: "5" } });
  expect(screen.getByText("Scale Deployment shop/web from 3 to 5 replicas.")).toBeTruthy();
  // A changed input makes the preview stale: confirming needs a new dry run.
  const confirm = screen.getByRole("button", { name: "Confirm scale" });
  expect(confirm).toHaveProperty("disabled", true);
  fireEvent.click(screen.getByRole("button", { name: "Dry run again" }));
  await screen.findByText("Dry run: The API server accepts: spec.replicas = 5.");
  fireEvent.click(screen.getByRole("button", { name: "Confirm scale" }));
  await screen.findByText("Scale: done (HTTP 200).");
  expect(api.posts(`${A}/scale`)).toEqual([
    { resource: "deployments", namespace: "shop", name: "web", replicas: 3, dryRun: true },
    { resource: "deployments", namespace: "shop", name: "web", replicas: 5, dryRun: true },
    { resource: "deployments", namespace: "shop", name: "web", replicas: 5 },
  ]);
  expect(onDone).toHaveBeenCalledTimes(1);
});

it("shows the API's reason and message verbatim and does not confirm a refused dry run", async () => {
  api.on("POST", `${A}/scale`, problem(422, "Invalid", 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1'));
  dialog();
  expect((await screen.findByRole("alert")).textContent).toBe('Dry run refused — Invalid: Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1');
  expect(screen.getByRole("button", { name: "Confirm scale" })).toHaveProperty("disabled", true);
});

it("reports a 403 from the permission pre-check", async () => {
  api.on("POST", `${A}/scale`, problem(403, "Forbidden", 'jane cannot patch deployments/scale in "shop"', { check: { verb: "patch" } }));
  const { onForbidden } = dialog();
  await waitFor(() => expect(onForbidden).toHaveBeenCalledWith("scale", 'Forbidden: jane cannot patch deployments/scale in "shop"'));
});

it("delete on a confirm context needs the name typed and sends it", async () => {
  api.on("POST", `${A}/delete`, json({ kind: "Deployment", metadata: { name: "web" } }));
  dialog({ action: "delete", confirmContext: true });
  await screen.findByTestId("dry-run");
  fireEvent.change(screen.getByLabelText("propagation"), { target: { value: "Foreground" } });
  fireEvent.click(screen.getByRole("button", { name: "Dry run again" }));
  await screen.findByTestId("dry-run");
  const confirm = screen.getByRole("button", { name: "Confirm delete" });
  fireEvent.change(screen.getByLabelText("confirm name"), { target: { value: "we" } });
  expect(confirm).toHaveProperty("disabled", true);
  fireEvent.change(screen.getByLabelText("confirm name"), { target: { value: "web" } });
  expect(confirm).toHaveProperty("disabled", false);
  fireEvent.click(confirm);
  await screen.findByText("Delete: done (HTTP 200).");
  expect(api.posts(`${A}/delete`).at(-1)).toEqual({
    group: "apps",
    version: "v1",
    resource: "deployments",
    namespace: "shop",
    name: "web",
    propagationPolicy: "Foreground",
    confirm: "web",
  });
});

it("a 428 ConfirmationRequired asks for the name even when the context was not known to need it", async () => {
  api.on("POST", `${A}/delete`, problem(428, "ConfirmationRequired", "type the object's name to confirm"));
  dialog({ action: "delete" });
  expect(await screen.findByLabelText("confirm name")).toBeTruthy();
});

it("force delete is offered only for a pod stuck terminating", async () => {
  api.on("POST", `${A}/delete`, json({}));
  const pod: Ref = { ...deployment, group: "", resource: "pods", kind: "Pod", name: "web-0" };
  dialog({ action: "delete", target: pod, object: { kind: "Pod", metadata: { deletionTimestamp: "2026-01-01T00:00:00Z" } } });
  fireEvent.click(await screen.findByLabelText("force"));
  expect(screen.getByText(/^Force-delete Pod shop\/web-0 now/)).toBeTruthy();
  fireEvent.click(screen.getByRole("button", { name: "Dry run again" }));
  await screen.findByTestId("dry-run");
  expect(api.posts(`${A}/delete`).at(-1)).toMatchObject({ force: true, dryRun: true });
  cleanup();
  dialog({ action: "delete", target: pod, object: { kind: "Pod", metadata: {} } });
  await screen.findByTestId("dry-run");
  expect(screen.queryByLabelText("force")).toBeNull();
});

it("rollback lists revisions from history and sends the one picked", async () => {
  api
    .on(
      "GET",
      "/api/v1/clusters/c1/objects/apps/v1/deployments/shop/web/history",
      json({
        items: [
          { revision: 1, created: "t1", changeCause: "first", images: ["web:1"], current: false },
          { revision: 2, created: "t2", changeCause: "", images: ["web:2"], current: true },
        ],
      }),
    )
    .on("POST", `${A}/rollback`, json({}));
  dialog({ action: "rollback" });
  const current = await screen.findByRole("radio", { name: /#2/ });
  expect(current).toHaveProperty("disabled", true);
  expect(api.posts(`${A}/rollback`)).toEqual([]);
  fireEvent.click(screen.getByRole("radio", { name: /#1/ }));
  fireEvent.click(screen.getByRole("button", { name: "Dry run again" }));
  await screen.findByTestId("dry-run");
  fireEvent.click(screen.getByRole("button", { name: "Confirm rollback" }));
  await screen.findByText("Rollback: done (HTTP 200).");
  expect(api.posts(`${A}/rollback`)).toEqual([
    { resource: "deployments", namespace: "shop", name: "web", revision: 1, dryRun: true },
    { resource: "deployments", namespace: "shop", name: "web", revision: 1 },
  ]);
});

it("drain shows live per-pod progress from the stream and can be cancelled", async () => {
  const start = { id: "d1", node: "node-1", state: "running", pods: [{ namespace: "shop", name: "web-0", state: "pending" }], startedAt: "t", finishedAt: null };
  const stream = sseStream([]);
  api
    .on("POST", `${A}/drain`, (body) => ((body as { dryRun?: boolean }).dryRun ? problem(400, "BadRequest", "unknown field", { parameter: "dryRun" }) : json(start, 202)))
    .on("GET", "/api/v1/clusters/c1/drains/d1/stream", stream.response)
    .on("DELETE", "/api/v1/clusters/c1/drains/d1", json({ ...start, state: "cancelled" }));
  dialog({ action: "drain", target: node, object: { kind: "Node", spec: {} } });
  await screen.findByText(/No dry run for this request/);
  fireEvent.click(screen.getByRole("button", { name: "Confirm drain" }));
  const progress = await screen.findByLabelText("drain progress");
  stream.push("drain", { ...start, pods: [{ namespace: "shop", name: "web-0", state: "evicting" }] });
  await within(progress).findByText("evicting");
  stream.push("drain", { ...start, pods: [{ namespace: "shop", name: "web-0", state: "blocked", message: "PDB web allows 0 disruptions" }] });
  await within(progress).findByText(/PDB web allows 0 disruptions/);
  fireEvent.click(within(progress).getByRole("button", { name: "Cancel drain" }));
  await waitFor(() => expect(screen.getByTestId("drain-state").textContent).toBe("cancelled"));
  expect(api.posts(`${A}/drain`).at(-1)).toEqual({ name: "node-1", timeoutSeconds: 300 });
});

it("the bar disables everything on a read-only context and a forbidden action after its dry run", async () => {
  render(<ActionBar cluster="c1" target={deployment} object={{ spec: { replicas: 1 } }} flags={{ readOnly: true, confirm: false }} onChanged={() => {}} />);
  expect(screen.getByRole("note").textContent).toContain("Read-only context");
  const buttons = within(screen.getByRole("toolbar", { name: "actions" })).getAllByRole("button");
  expect(buttons.map((b) => b.textContent)).toEqual(["Scale", "Restart", "Rollback", "Delete", "Edit YAML"]);
  expect(buttons.every((b) => (b as HTMLButtonElement).disabled)).toBe(true);
  cleanup();

  api.on("POST", `${A}/restart`, problem(403, "Forbidden", "jane cannot patch deployments"));
  render(<ActionBar cluster="c1" target={deployment} object={{ spec: { replicas: 1 } }} flags={{ readOnly: false, confirm: false }} onChanged={() => {}} />);
  fireEvent.click(screen.getByRole("button", { name: "Restart" }));
  await screen.findByText("Restart not permitted — Forbidden: jane cannot patch deployments");
  const restart = within(screen.getByRole("toolbar", { name: "actions" })).getByRole("button", { name: "Restart" });
  expect(restart).toHaveProperty("disabled", true);
  expect(restart.getAttribute("title")).toBe("Forbidden: jane cannot patch deployments");
});

it("Esc closes the dialog without reaching the view's own Esc handler", async () => {
  api.on("POST", `${A}/restart`, json({}));
  const onClose = vi.fn();
  const viewEsc = vi.fn((event: KeyboardEvent) => event.defaultPrevented || event.key !== "Escape" ? undefined : "closed-panel");
  const results: unknown[] = [];
  const listener = (event: KeyboardEvent) => results.push(viewEsc(event));
  document.addEventListener("keydown", listener);
  try {
    dialog({ action: "restart", onClose });
    await screen.findByTestId("dry-run");
    fireEvent.keyDown(screen.getByRole("button", { name: "Cancel" }), { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
    expect(results).not.toContain("closed-panel");
  } finally {
    document.removeEventListener("keydown", listener);
  }
});
