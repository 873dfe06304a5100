// @vitest-environment jsdom
// The panel over a fake API: tabs per kind, events with the `involved=` fallback, relations
// links with a back stack (or the tab hidden on 404), Secret reveal, Helm releases.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { ObjectDetails } from "./ObjectDetails";
import type { Ref } from "./refs";
import { FakeApi, json, problem, sseStream } from "./testing/fakeApi";

const O = "/api/v1/clusters/c1/objects";
let api: FakeApi;
beforeEach(() => {
  api = new FakeApi().on("GET", "/api/v1/clusters", json([{ id: "c1", name: "c1", state: "ready", readOnly: false }]));
  vi.stubGlobal("fetch", api.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ref = (group: string, resource: string, namespace: string, name: string): Ref => ({
  group,
  version: "v1",
  resource,
  kind: "",
  namespace,
  name,
  uid: "",
});

function renderPanel(root: Ref, onClose = () => {}) {
  return render(<ObjectDetails cluster="c1" root={root} title={`${root.namespace}/${root.name}`} row={null} columns={[]} onClose={onClose} />);
}

const tabNames = () => screen.getAllByRole("tab").map((t) => t.textContent);

it("shows a pod's summary, hides Relations when the endpoint 404s, falls back to involved= for events", async () => {
  api
    .on(
      "GET",
      `${O}/core/v1/pods/shop/web-0`,
      json({
        kind: "Pod",
        metadata: {
          name: "web-0",
          namespace: "shop",
          uid: "pod-uid",
          labels: { app: "web" },
          annotations: { note: "hi" },
          ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "rs-uid" }],
        },
        spec: { containers: [{ name: "app" }, { name: "sidecar" }] },
      }),
    )
    .on("GET", `${O}/core/v1/pods/shop/web-0/events?`, problem(404, "NotFound", "no endpoint"))
    .on(
      "GET",
      "/api/v1/clusters/c1/events?",
      json({
        items: [
          { id: 5, type: "Normal", reason: "Pulled", message: "image pulled" },
          { id: 9, type: "Warning", reason: "BackOff", message: "restarting", count: 4 },
        ],
        next: null,
      }),
    );
  renderPanel(ref("", "pods", "shop", "web-0"));
  await screen.findByText("app", { selector: ".pair-key" });
  expect(screen.getByText("hi")).toBeTruthy();
  expect(screen.getByText(/web-abc/)).toBeTruthy();
  await screen.findByText(/Relations are not served/);
  expect(tabNames()).toEqual(["Summary", "YAML", "Events", "Logs", "Audit"]);

  fireEvent.click(screen.getByRole("tab", { name: "Events" }));
  const list = await screen.findByRole("list", { name: "events" });
  const items = within(list).getAllByRole("listitem");
  expect(items.map((li) => li.className)).toEqual(["event-warning", "event-normal"]);
  expect(items[0]!.textContent).toContain("BackOff");
  expect(items[0]!.textContent).toContain("×4");
  const fallback = api.requests.find((r) => r.url.startsWith("/api/v1/clusters/c1/events?"));
  expect(new URL(fallback!.url, "http://x").searchParams.get("involved")).toBe("pod-uid");
});

it("uses the per-object events endpoint when it answers", async () => {
  api
    .on("GET", `${O}/core/v1/configmaps/shop/cfg`, json({ kind: "ConfigMap", metadata: { name: "cfg", namespace: "shop", uid: "u" } }))
    .on(
      "GET",
      `${O}/core/v1/configmaps/shop/cfg/events?`,
      json({
        items: [
          { id: 7, uid: "e1", type: "Normal", reason: "Older", message: "first", last_seen: "2026-01-01T00:00:01Z" },
          // Only in the live table so far: no history id.
          { id: null, uid: "e2", type: "Normal", reason: "Synced", message: "ok", last_seen: "2026-01-01T00:00:05Z" },
        ],
        history: true,
      }),
    );
  renderPanel(ref("", "configmaps", "shop", "cfg"));
  fireEvent.click(await screen.findByRole("tab", { name: "Events" }));
  await screen.findByText("Synced");
  expect(within(screen.getByRole("list", { name: "events" })).getAllByRole("listitem").map((li) => li.querySelector("strong")?.textContent)).toEqual(["Synced", "Older"]);
  expect(api.requests.some((r) => r.url.includes("involved="))).toBe(false);
  expect(tabNames()).not.toContain("Logs");
});

it("opens related objects in place and goes back", async () => {
  const node: Ref = { group: "", version: "v1", resource: "nodes", kind: "Node", namespace: "", name: "node-1", uid: "n" };
  api
    .on("GET", `${O}/apps/v1/deployments/shop/web`, json({ kind: "Deployment", metadata: { name: "web", namespace: "shop", uid: "d" }, spec: { replicas: 2 } }))
    .on(
      "GET",
      `${O}/apps/v1/deployments/shop/web/relations`,
      json({ owners: [], owned: [], pods: [{ ...ref("", "pods", "shop", "web-0"), kind: "Pod" }], node: null, volumes: [], services: [] }),
    )
    .on("GET", `${O}/core/v1/pods/shop/web-0`, json({ kind: "Pod", metadata: { name: "web-0", namespace: "shop", uid: "p" } }))
    .on("GET", `${O}/core/v1/pods/shop/web-0/relations`, json({ owners: [], owned: [], pods: [], node, volumes: [], services: [] }));
  renderPanel(ref("apps", "deployments", "shop", "web"));
  await waitFor(() => expect(tabNames()).toContain("Relations"));
  expect(tabNames()).toContain("Logs");
  expect(screen.getByRole("button", { name: "Scale" })).toBeTruthy();

  fireEvent.click(screen.getByRole("tab", { name: "Relations" }));
  fireEvent.click(await screen.findByRole("link", { name: /web-0/ }));
  await waitFor(() => expect(document.querySelector(".panel-head h3")?.textContent).toBe("Pod shop/web-0"));
  expect(screen.queryByRole("button", { name: "Scale" })).toBeNull();
  fireEvent.click(screen.getByRole("tab", { name: "Relations" }));
  expect(await screen.findByRole("link", { name: /node-1/ })).toBeTruthy();

  fireEvent.click(screen.getByRole("button", { name: "back" }));
  await waitFor(() => expect(document.querySelector(".panel-head h3")?.textContent).toBe("Deployment shop/web"));

  // The Logs tab follows the whole Deployment and links to the same logs as a page.
  api.on("GET", "/api/v1/clusters/c1/logs/stream?", sseStream([]).response);
  fireEvent.click(screen.getByRole("tab", { name: "Logs" }));
  expect(screen.getByRole("link", { name: "Open logs" }).getAttribute("href")).toBe("#/logs/c1/shop/Deployment/web");
  await waitFor(() => expect(api.requests.some((r) => r.url.includes("kind=Deployment&name=web"))).toBe(true));
});

it("masks Secret values until Reveal and forgets them when the panel closes", async () => {
  api
    .on("GET", `${O}/core/v1/secrets/shop/creds`, json({ kind: "Secret", type: "Opaque", metadata: { name: "creds", namespace: "shop", uid: "s" }, data: { password: 8 } }))
    .on("POST", `${O}/core/v1/secrets/shop/creds/reveal`, json({ data: { password: { value: "hunter22", encoding: "text" } } }));
  const view = renderPanel(ref("", "secrets", "shop", "creds"));
  await screen.findByText(/8 bytes/);
  expect(document.body.textContent).not.toContain("hunter22");
  fireEvent.click(screen.getByRole("button", { name: "Reveal" }));
  await screen.findByText("hunter22");
  expect(api.posts(`${O}/core/v1/secrets/shop/creds/reveal`)).toEqual([{}]);
  fireEvent.click(screen.getByRole("button", { name: "Hide" }));
  expect(document.body.textContent).not.toContain("hunter22");
  fireEvent.click(screen.getByRole("button", { name: "Reveal" }));
  await screen.findByText("hunter22");
  view.unmount();
  expect(document.body.textContent).not.toContain("hunter22");
  // Secrets are not offered for Edit YAML: their YAML carries lengths, not values.
  renderPanel(ref("", "secrets", "shop", "creds"));
  await screen.findByText(/8 bytes/);
  expect(screen.queryByRole("button", { name: "Edit YAML" })).toBeNull();
  expect(document.body.textContent).not.toContain("hunter22");
});

it("shows a Helm release's revisions and manifest", async () => {
  api
    .on(
      "GET",
      `${O}/core/v1/secrets/shop/sh.helm.release.v1.web.v2`,
      json({ kind: "Secret", type: "helm.sh/release.v1", metadata: { name: "sh.helm.release.v1.web.v2", namespace: "shop", uid: "h" }, data: { release: 100 } }),
    )
    .on(
      "GET",
      `${O}/core/v1/secrets/shop/sh.helm.release.v1.web.v2/helm`,
      json({
        name: "web",
        namespace: "shop",
        chart: { name: "web", version: "1.2.0", appVersion: "3.0", description: "" },
        status: "deployed",
        revision: 2,
        revisions: [
          { revision: 1, status: "superseded", updated: "t1", description: "Install complete", chart: "web-1.1.0", appVersion: "2.9" },
          { revision: 2, status: "deployed", updated: "t2", description: "Upgrade complete", chart: "web-1.2.0", appVersion: "3.0" },
        ],
        manifest: "kind: Service\n",
        values: { replicas: 2 },
        defaultValues: {},
        notes: "Thanks",
      }),
    );
  renderPanel(ref("", "secrets", "shop", "sh.helm.release.v1.web.v2"));
  fireEvent.click(await screen.findByRole("tab", { name: "Helm" }));
  const release = await screen.findByLabelText("helm release");
  expect(within(release).getAllByRole("row").map((r) => r.textContent?.slice(0, 2))).toEqual(["#2", "#1"]);
  expect(release.querySelector(".yaml")?.textContent).toContain("kind: Service");
  fireEvent.click(within(release).getByRole("tab", { name: "values" }));
  expect(release.querySelector(".yaml")?.textContent).toContain('"replicas": 2');
});

it("shows the YAML tab with a copy button", async () => {
  const writeText = vi.fn(async () => {});
  vi.stubGlobal("navigator", { clipboard: { writeText } });
  api
    .on("GET", `${O}/core/v1/configmaps/shop/cfg?format=yaml`, new Response("kind: ConfigMap\nmetadata:\n  name: cfg\n"))
    .on("GET", `${O}/core/v1/configmaps/shop/cfg`, json({ kind: "ConfigMap", metadata: { name: "cfg", namespace: "shop" } }));
  renderPanel(ref("", "configmaps", "shop", "cfg"));
  fireEvent.click(screen.getByRole("tab", { name: "YAML" }));
  await waitFor(() => expect(document.querySelector(".yaml")?.textContent).toContain("kind: ConfigMap"));
  expect(document.querySelector(".yaml .y-key")?.textContent).toBe("kind");
  fireEvent.click(screen.getByRole("button", { name: "Copy" }));
  await screen.findByText("copied");
  expect(writeText).toHaveBeenCalledWith("kind: ConfigMap\nmetadata:\n  name: cfg\n");
});

it("reads the context's guard rails from the clusters list: read-only banner, confirm by name", async () => {
  api
    .on("GET", "/api/v1/clusters", json([{ id: "c1", name: "c1", state: "ready", readOnly: false, confirm: true }]))
    .on("GET", `${O}/core/v1/configmaps/shop/cfg`, json({ kind: "ConfigMap", metadata: { name: "cfg", namespace: "shop", uid: "u" } }))
    .on("POST", "/api/v1/clusters/c1/actions/delete", json({}));
  renderPanel(ref("", "configmaps", "shop", "cfg"));
  await waitFor(() => expect(document.querySelector(".panel-head h3")?.textContent).toBe("ConfigMap shop/cfg"));
  fireEvent.click(screen.getByRole("button", { name: "Delete" }));
  expect(await screen.findByLabelText("confirm name")).toBeTruthy();
  cleanup();

  api.on("GET", "/api/v1/clusters", json([{ id: "c1", name: "c1", state: "ready", readOnly: true }]));
  renderPanel(ref("", "configmaps", "shop", "cfg"));
  await screen.findByText("Read-only context: actions are disabled.");
  expect(screen.getByRole("button", { name: "Delete" })).toHaveProperty("disabled", true);
  expect(screen.getByRole("button", { name: "Edit YAML" })).toHaveProperty("disabled", true);
});

it("keeps the actions disabled until the object has loaded: Scale starts from its replica count", async () => {
  let release = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      release = () => {
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ kind: "Deployment", metadata: { name: "web", namespace: "shop", uid: "u" }, spec: { replicas: 5 } })));
        controller.close();
      };
    },
  });
  api
    .on("GET", `${O}/apps/v1/deployments/shop/web`, () => new Response(body, { headers: { "Content-Type": "application/json" } }))
    .on("POST", "/api/v1/clusters/c1/actions/scale", json({ spec: { replicas: 5 } }));
  renderPanel(ref("apps", "deployments", "shop", "web"));
  const toolbar = screen.getByRole("toolbar", { name: "actions" });
  const buttons = within(toolbar).getAllByRole("button");
  expect(buttons.map((b) => [b.textContent, (b as HTMLButtonElement).disabled, b.getAttribute("title")])).toEqual([
    ["Scale", true, "loading the object…"],
    ["Restart", true, "loading the object…"],
    ["Rollback", true, "loading the object…"],
    ["Delete", true, "loading the object…"],
    ["Edit YAML", true, "loading the object…"],
  ]);

  release();
  const scale = within(toolbar).getByRole("button", { name: "Scale" });
  await waitFor(() => expect(scale).toHaveProperty("disabled", false));
  expect(scale.getAttribute("title")).toBeNull();
  fireEvent.click(scale);
  expect((screen.getByLabelText("replicas") as HTMLInputElement).value).toBe("5");
  await screen.findByText("Scale Deployment shop/web from 5 to 5 replicas.");
});
