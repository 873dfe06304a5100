// End-to-end: the object panel and its pages against `masthead --demo` (web/dist in Debian's
// Chromium). A Deployment with revision history (checkout/cart-service): its Relations (pods,
// then a pod's owners and node, and back), Events, Logs, Scale through dry run → confirm, the
// audit entries it left, Rollback through the revision picker, Edit YAML's dry-run diff, its
// logs as a page; the audit page; a Secret's Reveal; a crash-looping pod's warning events; a
// Helm release Secret's Helm tab; a read-only context's banner.
//
// Bounded: one 60 s budget, every wait with its own timeout; screenshot + server output on
// failure (harness.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { TEST_BUDGET_MS, withDemo } from "./harness.mjs";

const ROWS = '.vt-body [role="row"]:not(.vt-placeholder)';
const PANEL = 'aside[aria-label="object"]';
/** The demo world's Deployment whose revisions run different images (v2.0.0 → v9.9.9-rc1). */
const DEPLOYMENT = { namespace: "checkout", name: "cart-service" };
const DEPLOYMENT_URL = `/api/v1/clusters/admin/objects/apps/v1/deployments/${DEPLOYMENT.namespace}/${DEPLOYMENT.name}`;

/** The API as the page sees it (same origin, its session cookie). */
const api = (page, path, method = "GET") =>
  page.evaluate(
    async ({ p, m }) => {
      const response = await fetch(p, { method: m, headers: m === "POST" ? { "Content-Type": "application/json" } : {}, body: m === "POST" ? "{}" : undefined });
      return { status: response.status, body: await response.json() };
    },
    { p: path, m: method },
  );

/** Opens a view with one object's panel open (`open=` in the URL), on its Summary tab. */
async function openPanel(page, hash) {
  await page.evaluate((h) => (window.location.hash = h), hash);
  const panel = page.locator(PANEL);
  await panel.getByRole("tab", { name: "Summary" }).waitFor();
  return panel;
}

/** Opens the first row of a view and its panel. */
async function openFirstRow(page, hash) {
  await page.evaluate((h) => (window.location.hash = h), hash);
  const row = page.locator(ROWS).first();
  await row.waitFor({ state: "visible" });
  await row.click();
  const panel = page.locator(PANEL);
  await panel.getByRole("tab", { name: "Summary" }).waitFor();
  return panel;
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

test("object panel: relations, events, logs, actions, edit, audit, reveal, helm, read-only", { timeout: TEST_BUDGET_MS }, async () => {
  await withDemo(
    async ({ page, url }) => {
      await page.goto(url);
      await page.locator('section[aria-label="Overview"]').waitFor();
      const { namespace, name } = DEPLOYMENT;
      const panel = await openPanel(page, `#/c/admin/deployments?sort=name&open=${namespace}/${name}`);
      await page.waitForFunction(() => [...document.querySelectorAll('aside[aria-label="object"] [role="tab"]')].some((t) => t.textContent === "Relations"));
      assert.deepEqual(await panel.getByRole("tab").allTextContents(), ["Summary", "YAML", "Events", "Relations", "Logs", "Audit"]);

      await step("relations: the Deployment's pods, a pod's owners and node, back", async () => {
        await panel.getByRole("tab", { name: "Relations" }).click();
        const relations = panel.locator('[aria-label="relations"]');
        const podLinks = relations.locator(".ref-link").filter({ hasText: new RegExp(`^Pod ${namespace}/${name}-`) });
        await podLinks.first().waitFor();
        const shownPods = await podLinks.count();
        const podsHeading = await relations.locator("h4", { hasText: /^Pods/ }).textContent();
        assert.equal(podsHeading, `Pods (${shownPods})`);
        assert.ok(await relations.locator(".ref-link", { hasText: new RegExp(`^ReplicaSet ${namespace}/${name}-`) }).count() >= 1, "no owned ReplicaSet");

        const pod = ((await podLinks.first().textContent()) ?? "").replace(/^Pod /, "");
        await podLinks.first().click();
        await page.waitForFunction((title) => document.querySelector('aside[aria-label="object"] .panel-head h3')?.textContent === title, `Pod ${pod}`);
        await panel.getByRole("tab", { name: "Relations" }).click();
        await relations.locator(".ref-link", { hasText: `Deployment ${namespace}/${name}` }).waitFor();
        const owners = await relations.locator("h4", { hasText: /^Owners/ }).textContent();
        assert.equal(owners, "Owners (2)", "a pod's owners: its ReplicaSet, then the Deployment");
        // The node link agrees with the pod's spec.nodeName.
        const podObject = (await api(page, `/api/v1/clusters/admin/objects/core/v1/pods/${pod}`)).body;
        await relations.locator(".ref-link", { hasText: `Node ${podObject.spec.nodeName}` }).waitFor();

        await panel.getByRole("button", { name: "back" }).click();
        await page.waitForFunction((title) => document.querySelector('aside[aria-label="object"] .panel-head h3')?.textContent === title, `Deployment ${namespace}/${name}`);
      });

      await step("events: the Deployment's own events, as the API lists them", async () => {
        await panel.getByRole("tab", { name: "Events" }).click();
        const items = panel.locator('[aria-label="events"] li');
        await items.first().waitFor();
        const shown = await items.allTextContents();
        const listed = (await api(page, `${DEPLOYMENT_URL}/events?limit=200`)).body.items;
        for (const text of shown) {
          assert.ok(listed.some((e) => text.includes(e.reason) && text.includes(e.message)), `event not the Deployment's: ${text}`);
        }
        assert.ok(listed.every((e) => e.object_name === name && e.object_kind === "Deployment"));
      });

      await step("logs: lines of the Deployment's pods, each tagged with its pod", async () => {
        await panel.getByRole("tab", { name: "Logs" }).click();
        await panel.locator(".log-line").first().waitFor();
        const source = await panel.locator(".log-line .log-src").first().textContent();
        assert.match(source ?? "", new RegExp(`^${name}-[a-z0-9]+-[a-z0-9]+/`), `log source ${source}`);
      });

      await step("scale: dry run, confirm, the YAML and the audit tab agree", async () => {
        await panel.getByRole("toolbar", { name: "actions" }).getByRole("button", { name: "Scale" }).click();
        const dialog = page.getByRole("dialog");
        const dry = dialog.getByTestId("dry-run");
        await dry.waitFor();
        const before = Number(/spec\.replicas = (\d+)/.exec((await dry.textContent()) ?? "")?.[1]);
        assert.ok(Number.isInteger(before), `dry run said ${await dry.textContent()}`);
        await dialog.getByLabel("replicas").fill(String(before + 1));
        await dialog.getByRole("button", { name: "Dry run again" }).click();
        await dialog.getByText(`Dry run: The API server accepts: spec.replicas = ${before + 1}.`).waitFor();
        await dialog.getByRole("button", { name: "Confirm scale" }).click();
        await dialog.getByText("Scale: done (HTTP 200).").waitFor();
        await dialog.getByRole("button", { name: "Close" }).click();

        await panel.getByRole("tab", { name: "YAML" }).click();
        await page.waitForFunction(
          (n) => /\n {2}replicas: (\d+)\n/.exec(document.querySelector("aside pre.yaml")?.textContent ?? "")?.[1] === String(n),
          before + 1,
        );
        await panel.getByRole("tab", { name: "Audit" }).click();
        const audit = panel.getByTestId("audit-row");
        await audit.nth(2).waitFor();
        const rows = await audit.allTextContents();
        assert.equal(rows.length, 3, JSON.stringify(rows));
        assert.ok(rows[0].includes("scale") && !rows[0].includes("dry run") && rows[0].includes(`"replicas":${before + 1}`), rows[0]);
        assert.ok(rows[1].includes("(dry run)") && rows[2].includes("(dry run)"), JSON.stringify(rows));
        assert.equal(await panel.getByRole("link", { name: "CSV" }).getAttribute("href"), "/api/v1/audit/export?format=csv");
      });

      await step("rollback: the revision picker, a dry run, confirm; the YAML runs the old image", async () => {
        const history = (await api(page, `${DEPLOYMENT_URL}/history`)).body.items;
        const current = history.find((r) => r.current);
        const target = history.find((r) => !r.current && r.images.join() !== current.images.join());
        assert.ok(current && target, `no revision to roll back to: ${JSON.stringify(history)}`);

        await panel.getByRole("toolbar", { name: "actions" }).getByRole("button", { name: "Rollback" }).click();
        const dialog = page.getByRole("dialog");
        const radios = dialog.getByRole("radio");
        await radios.first().waitFor();
        assert.equal(await radios.count(), history.length);
        assert.equal(await dialog.getByRole("radio", { name: new RegExp(`^#${current.revision} \\(current\\)`) }).isDisabled(), true);
        assert.equal(await dialog.getByRole("button", { name: "Confirm rollback" }).isDisabled(), true, "confirm before a revision is picked");

        await dialog.getByRole("radio", { name: new RegExp(`^#${target.revision} `) }).check();
        await dialog.getByText(`Roll Deployment ${namespace}/${name} back to revision ${target.revision}.`).waitFor();
        await dialog.getByRole("button", { name: "Dry run again" }).click();
        await dialog.getByText("Dry run: The API server accepted the dry run.").waitFor();
        await dialog.getByRole("button", { name: "Confirm rollback" }).click();
        await dialog.getByText("Rollback: done (HTTP 200).").waitFor();
        await dialog.getByRole("button", { name: "Close" }).click();

        await panel.getByRole("tab", { name: "YAML" }).click();
        await page.waitForFunction((image) => (document.querySelector("aside pre.yaml")?.textContent ?? "").includes(`image: ${image}`), target.images[0]);
      });

      await step("edit YAML: a label added shows in the dry-run diff, nothing applied", async () => {
        await panel.getByRole("toolbar", { name: "actions" }).getByRole("button", { name: "Edit YAML" }).click();
        const dialog = page.getByRole("dialog");
        const editor = dialog.getByLabel("manifest");
        await page.waitForFunction(() => /^kind: Deployment$/m.test(document.querySelector('[role="dialog"] textarea')?.value ?? ""));
        // The label goes in after `labels:`; resourceVersion is dropped so the churn cannot make it stale.
        const edited = (await editor.inputValue()).replace(/^ {2}resourceVersion: .*\n/m, "").replace(/^ {2}labels:\n/m, "  labels:\n    e2e-edited: 'yes'\n");
        await editor.fill(edited);
        await dialog.getByRole("button", { name: "Dry run (diff)" }).click();
        const diff = dialog.getByTestId("diff");
        await diff.waitFor();
        const added = await diff.locator(".diff-add").allTextContents();
        assert.deepEqual(
          added.filter((line) => !line.startsWith("+++")),
          ["+    e2e-edited: 'yes'\n"],
        );
        assert.equal(await dialog.getByRole("button", { name: "Apply" }).isEnabled(), true);
        await dialog.getByRole("button", { name: "Cancel" }).click();
        const live = (await api(page, DEPLOYMENT_URL)).body;
        assert.equal(live.metadata.labels["e2e-edited"], undefined, "the dry run changed the object");
      });

      await step("logs as a page: the Logs tab's link, then back to the view", async () => {
        await panel.getByRole("tab", { name: "Logs" }).click();
        await panel.getByRole("link", { name: "Open logs" }).click();
        await page.waitForFunction((h) => location.hash === h, `#/logs/admin/${namespace}/Deployment/${name}`);
        const screen = page.locator('section[aria-label="Logs"]');
        assert.equal(await screen.getByRole("heading").textContent(), `Logs — Deployment ${namespace}/${name}`);
        await screen.locator(".log-line").first().waitFor();
        assert.match((await screen.locator(".log-line .log-src").first().textContent()) ?? "", new RegExp(`^${name}-`));
        await page.goBack();
        await page.locator(PANEL).waitFor();
      });

      await step("the audit page: every action above, newest first", async () => {
        await page.getByRole("banner").getByRole("link", { name: "Audit" }).click();
        const screen = page.locator('section[aria-label="Audit"]');
        const rows = screen.getByTestId("audit-row");
        await rows.nth(5).waitFor();
        const actions = await rows.evaluateAll((els) => els.map((el) => el.querySelectorAll("td")[2]?.textContent ?? ""));
        // apply (dry run); rollback, its dry run; scale, two dry runs — plus nothing else.
        assert.deepEqual(actions, ["apply (dry run)", "rollback", "rollback (dry run)", "scale", "scale (dry run)", "scale (dry run)"]);
      });

      await step("a Secret: masked until Reveal, then the values the API reveals", async () => {
        const secret = (await api(page, "/api/v1/clusters/admin/views/secrets?limit=1&sort=name&facet.type=Opaque")).body.rows[0];
        const secretPanel = await openPanel(page, `#/c/admin/secrets?sort=name&open=${secret.namespace}/${secret.name}`);
        const data = secretPanel.locator('[aria-label="secret data"]');
        await data.getByText(/•••••• \d+ bytes/).first().waitFor();
        assert.equal(await data.locator(".secret-value").count(), 0);
        await data.getByRole("button", { name: "Reveal" }).click();
        await data.locator(".secret-value").first().waitFor();
        const revealed = (await api(page, `/api/v1/clusters/admin/objects/core/v1/secrets/${secret.namespace}/${secret.name}/reveal`, "POST")).body.data;
        const shown = await data.locator("li").evaluateAll((els) => els.map((el) => [el.querySelector(".pair-key")?.textContent, el.querySelector(".secret-value")?.textContent]));
        assert.deepEqual(Object.fromEntries(shown), Object.fromEntries(Object.entries(revealed).map(([k, v]) => [k, v.value])));
        await data.getByRole("button", { name: "Hide" }).click();
        assert.equal(await data.locator(".secret-value").count(), 0);
      });

      await step("a crash-looping pod: warning events", async () => {
        const pod = await openFirstRow(page, "#/c/admin/pods?sort=restarts&desc=1");
        await pod.getByRole("tab", { name: "Events" }).click();
        await pod.locator(".events .event-warning").first().waitFor();
        assert.equal(await pod.getByRole("alert").count(), 0);
      });

      await step("a Helm release Secret: the Helm tab decodes it", async () => {
        const release = (await api(page, "/api/v1/clusters/admin/helm")).body.items.find((r) => r.name === "redis");
        assert.ok(release, "the demo world has a redis release");
        const helm = await openPanel(page, `#/c/admin/secrets?open=${release.namespace}/${release.secret}`);
        await helm.getByRole("tab", { name: "Helm" }).click();
        const view = helm.locator('[aria-label="helm release"]');
        await view.getByText(`${release.name} (revision ${release.revision}, ${release.status})`).waitFor();
        const revisions = await view.locator(".revisions-table tr td:first-child").allTextContents();
        assert.deepEqual(revisions, Array.from({ length: release.revision }, (_, i) => `#${release.revision - i}`));
        assert.match((await view.locator("pre.yaml").textContent()) ?? "", /^kind: /m);
      });

      await step("a read-only context: banner, every action disabled", async () => {
        const restricted = await openFirstRow(page, "#/c/restricted/deployments");
        await restricted.getByText("Read-only context: actions are disabled.").waitFor();
        const buttons = restricted.getByRole("toolbar", { name: "actions" }).getByRole("button");
        assert.ok((await buttons.count()) >= 3);
        for (const button of await buttons.all()) assert.equal(await button.isDisabled(), true, await button.textContent());
      });
    },
    { viewport: { width: 1500, height: 950 }, serverArgs: ["--read-only", "restricted"] },
  );
});
