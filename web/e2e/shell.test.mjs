// End-to-end: the app shell around the views — a cluster's overview (numbers that agree with the
// API, problem links opening filtered views), diagnostics, the Ctrl-K palette, themes and the
// cluster accent, browse all kinds, keyboard navigation of a table. One demo server, one browser.
//
// Bounded: a 60 s budget for the whole test, every wait has its own timeout, nothing retries.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TEST_BUDGET_MS, withDemo } from "./harness.mjs";

/** The API as the page sees it (same origin, its session cookie). */
const api = (page, path) =>
  page.evaluate(async (p) => {
    const response = await fetch(p);
    return { status: response.status, body: await response.json() };
  }, path);

const hash = (page) => page.evaluate(() => decodeURIComponent(location.hash));

/** Reads the pods card's total and the API's every 250 ms until they agree within a few pods,
 * or `timeout` ms passed; returns the last pair and whether they agreed. */
async function untilAgree(page, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const shown = Number(((await page.locator('[data-card="pods"] [data-stat="total"] dd').textContent()) ?? "").replace(/\D/g, ""));
    const total = (await api(page, "/api/v1/clusters/admin/views/pods?limit=0")).body.total;
    const agreed = Math.abs(shown - total) <= Math.max(5, total * 0.05);
    if (agreed || Date.now() >= deadline) return { shown, total, agreed };
    await page.waitForTimeout(250);
  }
}

test("shell: overview, diagnostics, palette, themes, browse, keyboard", { timeout: TEST_BUDGET_MS }, async (t) => {
  await withDemo(async ({ page, url }) => {
    await page.goto(url);

    // A cluster opens on its overview.
    const overview = page.locator('section[aria-label="Overview"]');
    await overview.waitFor();
    assert.match(await hash(page), /^#\/c\/admin$/);

    await t.test("overview numbers agree with the API", async () => {
      const nodesCard = page.locator('[data-card="nodes"]');
      await nodesCard.locator('[data-stat="ready"] dd').waitFor();
      // A live window's first frame may come while the source still syncs (the badge says so):
      // compare once the card is live.
      await page.waitForFunction(() => document.querySelector('[data-testid="freshness-nodes"]')?.textContent === "live");
      const nodes = (await api(page, "/api/v1/clusters/admin/views/nodes?limit=1000")).body.rows;
      const ready = nodes.filter((n) => String(n.status).split(",").includes("Ready")).length;
      const shownReady = Number(await nodesCard.locator('[data-stat="ready"] dd').textContent());
      const shownNotReady = Number(await nodesCard.locator('[data-stat="not ready"] dd').textContent());
      assert.equal(shownReady + shownNotReady, nodes.length, "ready + not ready = all nodes");
      assert.ok(Math.abs(shownReady - ready) <= 1, `ready nodes ${shownReady} vs API ${ready}`);

      const podsCard = page.locator('[data-card="pods"]');
      await podsCard.locator('[data-stat="total"] dd').waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="freshness-pods"]')?.textContent === "live");
      // The demo world churns, fast while it starts, and a frame is up to 100 ms behind: wait
      // (bounded) for a moment where the card and a fresh API read agree within a few pods. The
      // read is a loop here, not page.waitForFunction: an async predicate returns a Promise,
      // which waitForFunction takes as truthy at once, so it would never wait.
      const agree = await untilAgree(page, 15_000);
      assert.ok(agree.agreed, `pods ${agree.shown} vs API ${agree.total}`);

      // Metrics come up `ok` in the demo: usage is shown as a value, not a dash.
      const used = page.locator('[data-card="capacity"] [data-resource="cpu"] [data-value="used"]');
      await page.waitForFunction(
        () => /\d/.test(document.querySelector('[data-card="capacity"] [data-resource="cpu"] [data-value="used"]')?.textContent ?? ""),
      );
      assert.match(await used.textContent(), /^[\d.]+( cores|m) \(\d+%\)$/);
      // Requests are the nodes' join columns summed: they agree with the API's nodes view.
      const nodeRows = (await api(page, "/api/v1/clusters/admin/views/nodes?limit=1000")).body.rows;
      const requested = nodeRows.reduce((sum, n) => sum + (n.cpu_requested ?? 0), 0);
      assert.ok(requested > 0, "the demo's pods request CPU");
      const shownRequests = await page.locator('[data-card="capacity"] [data-resource="cpu"] [data-value="requests"]').textContent();
      assert.match(shownRequests, /^[\d.]+( cores|m) \(\d+%\)$/);
      assert.doesNotMatch(shownRequests, /^0m/);

      const events = page.locator('[data-card="events"] .event-list li');
      await events.first().waitFor();
      // Each names its object (Kind/namespace/name), never a bare "Kind/namespace/".
      for (const text of await page.locator('[data-card="events"] .event-list li .mono').allTextContents()) assert.match(text, /^[A-Za-z]+\/[^/]+(\/[^/]+)?$/);
    });

    await t.test("a problem link opens the filtered view", async () => {
      const group = page.locator('[data-problem="failing-pods"] h4 a');
      await group.waitFor();
      const expected = Number((await group.locator(".count").textContent()).replace(/\D/g, ""));
      await group.click();
      await page.locator('section.view[aria-label="Pods"]').waitFor();
      assert.match(await hash(page), /facet\.status=CrashLoopBackOff,Error/);
      // The status facet chips show the filter's values pressed, with their counts.
      await page.locator('.chips .chip[data-facet-value="CrashLoopBackOff"][aria-pressed="true"] .count').waitFor();
      const rows = page.locator('.vt-body [role="row"]:not(.vt-placeholder)');
      await rows.first().waitFor();
      const statuses = await rows.locator(".status").allTextContents();
      assert.ok(statuses.length >= 1 && Math.abs(statuses.length - expected) <= 2, `${statuses.length} rows, card said ${expected}`);
      for (const s of statuses) assert.match(s, /CrashLoopBackOff|Error|ImagePull|ErrImagePull|OOMKilled|Evicted|Failed|Create|Invalid|RunContainer|ContainerStatusUnknown/);
    });

    await t.test("tables: arrows select, Enter opens the panel, Esc closes it", async () => {
      await page.locator("body").click({ position: { x: 700, y: 5 } }).catch(() => {});
      await page.locator(".vt").click({ position: { x: 5, y: 5 } }).catch(() => {});
      await page.keyboard.press("Escape");
      await page.keyboard.press("ArrowDown");
      await page.locator(".vt-selected").waitFor();
      await page.keyboard.press("Enter");
      await page.locator('aside[aria-label="object"]').waitFor();
      assert.match(await hash(page), /open=/);
      await page.keyboard.press("Escape");
      await page.locator('aside[aria-label="object"]').waitFor({ state: "detached" });
    });

    await t.test("command palette: view, namespace, object by name, its logs, the audit log", async () => {
      const palette = page.getByRole("dialog", { name: "command palette" });
      const input = page.getByRole("combobox", { name: "jump to" });
      await page.keyboard.press("Control+k");
      await palette.waitFor();
      await input.fill("deploym");
      await page.keyboard.press("Enter");
      await palette.waitFor({ state: "detached" });
      await page.locator('section.view[aria-label="Deployments"]').waitFor();
      assert.match(await hash(page), /^#\/c\/admin\/deployments/);

      await page.keyboard.press("Control+k");
      await input.fill("kube-system");
      await page.locator('[role="option"][data-kind="namespace"]', { hasText: "kube-system" }).waitFor();
      await page.locator('[role="option"][data-kind="namespace"]', { hasText: "kube-system" }).click();
      await page.waitForFunction(() => decodeURIComponent(location.hash).includes("ns=kube-system"));
      assert.match(await hash(page), /^#\/c\/admin\/deployments\?.*ns=kube-system/);

      const pod = (await api(page, "/api/v1/clusters/admin/views/pods?limit=1&sort=name")).body.rows[0];
      await page.keyboard.press("Control+k");
      await input.fill(pod.name);
      const option = page.locator('[role="option"][data-kind="object"]', { hasText: pod.name }).first();
      await option.waitFor();
      await option.click();
      // The panel opens on Summary; the YAML tab names the object.
      await page.locator('aside[aria-label="object"]').getByRole("tab", { name: "YAML" }).click();
      await page.locator('aside[aria-label="object"] pre.yaml').waitFor();
      assert.ok((await hash(page)).includes(`/pods?open=${pod.namespace}/${pod.name}`), await hash(page));
      assert.match(await page.locator('aside[aria-label="object"] pre.yaml').textContent(), new RegExp(`name: ${pod.name}`));

      // The same pod's logs page, and the audit log of the current cluster.
      await page.keyboard.press("Control+k");
      await input.fill(pod.name);
      const logs = page.locator('[role="option"][data-kind="logs"]', { hasText: pod.name }).first();
      await logs.waitFor();
      await logs.click();
      await page.locator('section[aria-label="Logs"]').getByRole("heading", { name: `Logs — Pod ${pod.namespace}/${pod.name}` }).waitFor();
      assert.equal(await hash(page), `#/logs/admin/${pod.namespace}/Pod/${pod.name}`);
      await page.keyboard.press("Control+k");
      await input.fill("audit log");
      await page.locator('[role="option"][data-kind="screen"]', { hasText: "actions taken on admin" }).click();
      await page.locator('section[aria-label="Audit"]').getByRole("heading", { name: "Audit log — admin" }).waitFor();
      assert.equal(await hash(page), "#/audit/admin");
    });

    await t.test("diagnostics: sources, watches and rates", async () => {
      await page.getByRole("link", { name: "Diagnostics" }).click();
      const admin = page.locator('.diag-table[aria-label="clusters"] tr[data-cluster="admin"]');
      await admin.waitFor();
      assert.ok(Number(await admin.locator('[data-col="watches"]').textContent()) >= 1);
      await page.locator('table[aria-label="admin sources"] tr[data-source="pods@*"]').waitFor();
      // A second poll gives a rate.
      await page.waitForFunction(
        () => /\/s$/.test(document.querySelector('tr[data-cluster="admin"] [data-col="rate"]')?.textContent ?? ""),
        null,
        { timeout: 8_000 },
      );
    });

    await t.test("themes: toggle persists; the cluster accent follows the cluster", async () => {
      const toggle = page.locator(".theme-toggle");
      await toggle.click(); // system → light
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
      // The painted colour, not the variable's text (one light-dark() value serves both themes).
      const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      const light = await background();
      assert.equal(light, "rgb(255, 255, 255)");
      await toggle.click(); // light → dark
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
      assert.equal(await background(), "rgb(13, 17, 23)");
      await page.reload();
      await page.locator(".theme-toggle").waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
      assert.equal(await page.evaluate(() => localStorage.getItem("masthead.theme")), "dark");

      const accent = () => page.evaluate(() => getComputedStyle(document.querySelector(".app-header")).borderTopColor);
      const adminAccent = await accent();
      await page.getByRole("combobox", { name: "cluster" }).selectOption("restricted");
      await page.waitForFunction(() => location.hash.startsWith("#/c/restricted"));
      const restrictedAccent = await accent();
      assert.notEqual(adminAccent, restrictedAccent);
      await page.getByRole("combobox", { name: "cluster" }).selectOption("admin");
      await page.waitForFunction(() => location.hash.startsWith("#/c/admin"));
      assert.equal(await accent(), adminAccent, "the same cluster keeps its colour");
    });

    await t.test("browse all kinds: lists kinds or falls back, opens a browse view", async () => {
      await page.getByRole("link", { name: "Browse all kinds" }).click();
      await page.locator('section[aria-label="Browse all kinds"]').waitFor();
      const kinds = await api(page, "/api/v1/clusters/admin/kinds");
      if (kinds.status === 404) {
        await page.getByRole("note").filter({ hasText: "does not list kinds yet" }).waitFor();
        await page.getByRole("textbox", { name: "resource path" }).fill("apps/v1/deployments");
        await page.getByRole("button", { name: "Open" }).click();
      } else {
        await page.locator('a[data-kind="Deployment"]').first().click();
      }
      await page.waitForFunction(() => decodeURIComponent(location.hash).includes("/browse/apps/v1/deployments"));
      const rows = page.locator('.vt-body [role="row"]:not(.vt-placeholder)');
      await rows.first().waitFor();
      const total = (await api(page, "/api/v1/clusters/admin/views/browse/apps/v1/deployments?limit=0")).body.total;
      const label = (await page.locator(".view-bar .total").textContent()) ?? "";
      assert.equal(Number(/^[\d,]+/.exec(label)?.[0].replace(/,/g, "")), total, label);
    });
  });
});
