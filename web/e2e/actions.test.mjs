// End-to-end: destructive actions on a `confirm` context (`masthead --demo --confirm admin`),
// through the object panel against the demo world's simulator.
//   1. Delete: a ConfigMap created through the API; the dialog's dry run, the confirm button
//      held until the exact name is typed; the object gone from the API; its audit rows.
//   2. Drain: two Deployments pinned to the control-plane node (whose own pods are all static
//      or DaemonSet pods, so skipped), one guarded by a PodDisruptionBudget that allows no
//      disruption; the progress list shows the free pod evicted and the guarded one blocked;
//      Cancel ends the drain, the node stays cordoned; then everything is put back.
//
// Objects are created and removed with the bearer token (as a script would); the page uses its
// session cookie. Bounded: each flow has one budget and every wait its own timeout; screenshot +
// server output on failure (harness.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { TEST_BUDGET_MS, WAIT_MS, withDemo } from "./harness.mjs";

const CLUSTER = "admin";
const SERVER_ARGS = ["--confirm", CLUSTER];
const PANEL = 'aside[aria-label="object"]';
/** A namespace of the demo world with its `default` ServiceAccount (pods can be created). */
const NAMESPACE = "team-b";
/** The demo world's control-plane node: static (mirror) and DaemonSet pods only. */
const NODE = "cp-1.eu-west-1.compute.internal";
const NODE_HOSTNAME = "cp-1";
const POLL_MS = 200;

/** The API with the bearer token, as a script outside the browser calls it. */
function apiClient(url, token) {
  const origin = new URL(url).origin;
  return async (method, path, body) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
}

const action = (api, name, body) => api("POST", `/api/v1/clusters/${CLUSTER}/actions/${name}`, body);
const objectPath = (group, version, resource, namespace, name) =>
  `/api/v1/clusters/${CLUSTER}/objects/${group || "core"}/${version}/${resource}/${namespace || "_"}/${name}`;

/** Server-side apply of one manifest; asserts the API server created or updated it. */
async function apply(api, manifest) {
  const answer = await action(api, "apply", { manifest: JSON.stringify(manifest) });
  assert.ok([200, 201].includes(answer.status), `apply ${manifest.kind} ${manifest.metadata.name}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Polls `probe` until it returns a truthy value (which it resolves with), or fails naming `what`. */
async function eventually(what, probe, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

/** One step of the story: a failure names the step and ends the test (later steps build on it). */
async function step(label, body) {
  try {
    await body();
  } catch (error) {
    error.message = `${label}: ${error.message}`;
    throw error;
  }
}

/** Opens a view with one object's panel open (`open=` in the URL), once the object has loaded (its kind heads the panel). */
async function openPanel(page, url, hash, kind) {
  await page.goto(url);
  await page.locator('section[aria-label="Overview"]').waitFor();
  await page.evaluate((h) => (window.location.hash = h), hash);
  const panel = page.locator(PANEL);
  await panel.locator(".panel-head h3 .muted", { hasText: `${kind} ` }).waitFor();
  return panel;
}

/** Waits for the demo's context to be connected: masthead prints its URL before that. */
async function connected(api) {
  await eventually(`cluster ${CLUSTER} ready`, async () => {
    const { status, body } = await api("GET", "/api/v1/clusters");
    return status === 200 && body.some((c) => c.id === CLUSTER && c.state === "ready");
  });
}

/** The audit rows of one action on one object, newest first. */
async function auditRows(api, actionName, objectName) {
  const { status, body } = await api("GET", `/api/v1/audit?cluster=${CLUSTER}&limit=1000`);
  assert.equal(status, 200);
  return body.items.filter((row) => row.action === actionName && row.object.name === objectName);
}

test("delete on a confirm context: dry run, the typed name, gone from the API, audited", { timeout: TEST_BUDGET_MS }, async () => {
  await withDemo(
    async ({ page, url, token }) => {
      const api = apiClient(url, token);
      await connected(api);
      const name = "e2e-delete-me";
      const path = objectPath("", "v1", "configmaps", NAMESPACE, name);
      const deleteBody = { group: "", version: "v1", resource: "configmaps", namespace: NAMESPACE, name };

      await step("a ConfigMap created through the API; a delete without `confirm` is refused", async () => {
        await apply(api, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: NAMESPACE }, data: { mode: "e2e" } });
        const refused = await action(api, "delete", deleteBody);
        assert.equal(refused.status, 428, JSON.stringify(refused.body));
        assert.equal(refused.body.error.reason, "ConfirmationRequired");
        assert.equal(refused.body.error.details.parameter, "confirm");
        assert.equal(refused.body.error.details.expected, name);
        assert.equal((await api("GET", path)).status, 200, "the refused delete removed the object");
      });

      const panel = await openPanel(page, url, `#/c/${CLUSTER}/configmaps?open=${NAMESPACE}/${name}`, "ConfigMap");
      const dialog = page.getByRole("dialog");
      const confirmButton = dialog.getByRole("button", { name: "Confirm delete" });

      await step("the dialog: the dry run's answer, confirm held until the exact name is typed", async () => {
        await panel.getByRole("toolbar", { name: "actions" }).getByRole("button", { name: "Delete" }).click();
        assert.equal(await dialog.getByRole("heading").textContent(), `Delete ConfigMap ${NAMESPACE}/${name}`);
        await dialog.getByTestId("dry-run").waitFor();
        assert.equal(await dialog.getByTestId("dry-run").textContent(), "Dry run: The API server accepts: the object would be deleted.");
        assert.equal(await dialog.locator(".plan").textContent(), `Delete ConfigMap ${NAMESPACE}/${name} (propagation Background).`);
        const typed = dialog.getByLabel("confirm name");
        assert.equal(await dialog.locator(".confirm-name strong").textContent(), name);
        assert.equal(await confirmButton.isDisabled(), true, "confirm before a name is typed");
        for (const wrong of [name.slice(0, -1), `${name} `, name.toUpperCase(), `${NAMESPACE}/${name}`]) {
          await typed.fill(wrong);
          assert.equal(await confirmButton.isDisabled(), true, `confirm enabled for ${JSON.stringify(wrong)}`);
        }
        assert.equal((await api("GET", path)).status, 200, "the dry run removed the object");
        await typed.fill(name);
        assert.equal(await confirmButton.isEnabled(), true, "confirm after the exact name");
      });

      await step("confirm: done, the object is gone from the API", async () => {
        await confirmButton.click();
        await dialog.getByText("Delete: done (HTTP 200).").waitFor();
        await eventually(`GET ${path} answers 404`, async () => {
          const answer = await api("GET", path);
          return answer.status === 404 && answer.body.error.reason === "NotFound";
        });
        await dialog.getByRole("button", { name: "Close" }).click();
        await dialog.waitFor({ state: "detached" });
      });

      await step("the audit log: the delete, its dry run and the refusal", async () => {
        const rows = await auditRows(api, "delete", name);
        const summary = rows.map((row) => [row.dryRun, row.result.code, row.result.reason, row.who.replace(/^.* \(/, "(")]);
        assert.deepEqual(summary, [
          [false, 200, "", "(browser session)"],
          [true, 200, "", "(browser session)"],
          [false, 428, "ConfirmationRequired", "(token)"],
        ]);
        assert.deepEqual(rows[0].object, { group: "", resource: "configmaps", namespace: NAMESPACE, name });
        assert.equal(rows[0].context, CLUSTER);
      });
    },
    { serverArgs: SERVER_ARGS },
  );
});

/** A one-replica Deployment in NAMESPACE whose pod can only run on NODE (control-plane taint tolerated). */
function pinnedDeployment(name) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { "kubernetes.io/hostname": NODE_HOSTNAME },
          tolerations: [{ operator: "Exists" }],
          // Evicted pods are gone within a second instead of the default 30 s.
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "app", image: "docker.io/library/nginx:1.27.3" }],
        },
      },
    },
  };
}

/** Uncordons the node and deletes the test's budget and Deployments: [what, HTTP status] of each. */
async function restore(api, [free, guarded]) {
  const done = [["uncordon", (await action(api, "uncordon", { name: NODE })).status]];
  for (const [group, resource, name] of [
    ["policy", "poddisruptionbudgets", guarded],
    ["apps", "deployments", guarded],
    ["apps", "deployments", free],
  ]) {
    const answer = await action(api, "delete", { group, version: "v1", resource, namespace: NAMESPACE, name, confirm: name });
    done.push([resource, answer.status]);
  }
  return done;
}

test("drain on a confirm context: progress with a blocked pod, cancel, the node left cordoned", { timeout: TEST_BUDGET_MS }, async () => {
  await withDemo(
    async ({ page, url, token }) => {
      const api = apiClient(url, token);
      await connected(api);
      const nodePath = objectPath("", "v1", "nodes", "", NODE);
      const free = "e2e-free";
      const guarded = "e2e-guarded";
      const podsOn = async () => {
        const { body } = await api("GET", `/api/v1/clusters/${CLUSTER}/views/pods?namespace=${NAMESPACE}&q=e2e-&limit=100`);
        return body.rows.filter((row) => row.node === NODE);
      };
      // The guarded pod was not evicted: still on the node, not terminating.
      const assertGuardedPodStays = async () => {
        const pod = (await podsOn()).find((row) => row.name.startsWith(`${guarded}-`));
        assert.ok(pod, "the guarded pod is gone from the node");
        const live = await api("GET", objectPath("", "v1", "pods", NAMESPACE, pod.name));
        assert.equal(live.status, 200);
        assert.equal(live.body.metadata.deletionTimestamp, undefined, "the guarded pod is terminating");
      };
      let restored = null;
      try {
        await step("two Deployments running on the node, one guarded by a budget allowing no disruption", async () => {
          const node = await api("GET", nodePath);
          assert.equal(node.status, 200, JSON.stringify(node.body));
          assert.notEqual(node.body.spec.unschedulable, true, "the node is cordoned before the test");
          await apply(api, pinnedDeployment(free));
          await apply(api, pinnedDeployment(guarded));
          await apply(api, {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: guarded, namespace: NAMESPACE },
            spec: { minAvailable: "100%", selector: { matchLabels: { app: guarded } } },
          });
          await eventually("a running pod of each Deployment on the node", async () => {
            const running = (await podsOn()).filter((row) => row.status === "Running");
            return [free, guarded].every((d) => running.some((row) => row.name.startsWith(`${d}-`)));
          });
        });

        const panel = await openPanel(page, url, `#/c/${CLUSTER}/nodes?open=${NODE}`, "Node");
        const dialog = page.getByRole("dialog");
        const progress = dialog.locator('[aria-label="drain progress"]');
        const podItem = (prefix) => progress.locator("li").filter({ hasText: new RegExp(`^${NAMESPACE}/${prefix}-`) });

        await step("the dialog: no dry run for a drain, confirm held until the node's name is typed", async () => {
          const toolbar = panel.getByRole("toolbar", { name: "actions" });
          assert.deepEqual(await toolbar.getByRole("button").allTextContents(), ["Cordon", "Drain", "Delete", "Edit YAML"]);
          await toolbar.getByRole("button", { name: "Drain" }).click();
          await dialog.getByText("No dry run for this request; the plan above is what will be sent.").waitFor();
          assert.equal(
            await dialog.locator(".plan").textContent(),
            `Cordon node ${NODE} and evict its pods (DaemonSet pods skipped; gives up after 300 s).`,
          );
          const confirmButton = dialog.getByRole("button", { name: "Confirm drain" });
          assert.equal(await confirmButton.isDisabled(), true, "confirm before the name is typed");
          await dialog.getByLabel("confirm name").fill(NODE_HOSTNAME);
          assert.equal(await confirmButton.isDisabled(), true, "confirm enabled for the hostname label");
          await dialog.getByLabel("confirm name").fill(NODE);
          await confirmButton.click();
        });

        await step("progress: the free pod evicted, the guarded one blocked by its budget, the node's own pods skipped", async () => {
          await podItem(free).filter({ hasText: / evicted$/ }).first().waitFor();
          const blocked = podItem(guarded).filter({ hasText: " blocked — " }).first();
          assert.match((await blocked.textContent()) ?? "", new RegExp(`disruption budget ${guarded} needs (\\d+) healthy pods and has \\1 currently$`));
          assert.equal(await dialog.getByTestId("drain-state").textContent(), "running");
          const others = await progress
            .locator("li")
            .evaluateAll((items, ns) => items.map((li) => li.textContent ?? "").filter((text) => !text.startsWith(`${ns}/e2e-`)), NAMESPACE);
          assert.ok(others.length >= 3, `the node's own pods: ${JSON.stringify(others)}`);
          for (const text of others) assert.match(text, / skipped — (DaemonSet-managed|mirror pod)/);
          // The guarded pod was not evicted: still there, not terminating.
          await assertGuardedPodStays();
        });

        await step("cancel: the final state in the dialog, the node cordoned in the API, both ends audited", async () => {
          await dialog.getByRole("button", { name: "Cancel drain" }).click();
          await page.waitForFunction(() => document.querySelector('[data-testid="drain-state"]')?.textContent === "cancelled");
          assert.equal(await dialog.getByRole("button", { name: "Cancel drain" }).count(), 0);
          // Its last state: blocked (retries keep it so), not evicted.
          for (const text of await podItem(guarded).allTextContents()) assert.match(text, / blocked — The disruption budget /);
          await assertGuardedPodStays();
          await eventually("spec.unschedulable true", async () => (await api("GET", nodePath)).body.spec.unschedulable === true);
          const rows = await auditRows(api, "drain", NODE);
          assert.deepEqual(
            rows.map((row) => [row.result.code, row.result.reason]),
            [
              [409, "cancelled"],
              [202, ""],
            ],
          );
          assert.equal(rows[0].parameters.drain, rows[1].parameters.drain);
          assert.match(rows[0].result.message, /^cancelled by the user; \d+ blocked, \d+ evicted, \d+ skipped$/);
          await dialog.getByRole("button", { name: "Close" }).click();
        });
      } finally {
        // Leaves no trace, also after a failure (whose error is the one reported).
        restored = await restore(api, [free, guarded]).catch((error) => [String(error)]);
      }
      assert.deepEqual(restored, [
        ["uncordon", 200],
        ["poddisruptionbudgets", 200],
        ["deployments", 200],
        ["deployments", 200],
      ]);
      await eventually("the node schedulable again", async () => (await api("GET", nodePath)).body.spec.unschedulable !== true);
    },
    { serverArgs: SERVER_ARGS },
  );
});
