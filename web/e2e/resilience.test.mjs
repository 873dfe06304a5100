// End-to-end: the hard parts of issue 6 in Chromium against a separate `masthead sim` process —
// a 100,000-row table scrolled deep shows the API's rows; metrics absent is said, not shown as
// 0; the restricted user sees only its namespaces and a partial-access warning; a watch drop
// shows reconnecting then live; a masthead restart on the same port and token is survived by the
// open page. Screenshots of the main screens go to web/e2e/artifacts/ on every run (gitignored).
//
// Bounded: each test has its own budget, every wait its own timeout, nothing retries.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { withSim } from "./harness.mjs";

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "artifacts");
const BULK_PODS = 100_000;
const DEEP_ROW = 90_000;
const ROW_HEIGHT = 28; // VirtualTable's fixed row height
/** Syncing 100,000 pods on two busy cores takes tens of seconds. */
const SYNC_MS = 60_000;

/** The API as the page sees it (same origin, its session cookie). */
const api = (page, path, method = "GET", body = undefined) =>
  page.evaluate(
    async ({ p, m, b }) => {
      const response = await fetch(p, {
        method: m,
        headers: b === undefined ? {} : { "Content-Type": "application/json" },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      return { status: response.status, body: await response.json() };
    },
    { p: path, m: method, b: body },
  );

/**
 * Reads `path` every 200 ms until `predicate(body)` holds (a bounded wait, not a retry of
 * something that failed). page.waitForFunction cannot do this: a Promise is truthy at once.
 */
async function untilApi(page, path, predicate, timeout) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    last = await api(page, path);
    if (last.status === 200 && predicate(last.body)) return last.body;
    await page.waitForTimeout(200);
  }
  assert.fail(`${path} never matched within ${timeout} ms; last: ${JSON.stringify(last)}`);
}

const origin = (url) => new URL(url).origin;
const rowsLocator = (page) => page.locator('.vt-body [role="row"]:not(.vt-placeholder)');

async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The rendered rows (no placeholders) as `{ index, name, namespace }`, by position. */
function renderedRows(page) {
  return page.evaluate(() => {
    const headers = [...document.querySelectorAll('.vt-head [role="columnheader"]')].map((h) => h.textContent.replace(/[▲▼]/g, "").trim());
    const name = headers.indexOf("Name");
    const namespace = headers.indexOf("Namespace");
    return [...document.querySelectorAll('.vt-body [role="row"]')]
      .map((row) => {
        const cells = row.querySelectorAll('[role="cell"]');
        return {
          index: Number(row.getAttribute("aria-rowindex")) - 2,
          placeholder: row.classList.contains("vt-placeholder"),
          name: cells[name]?.textContent ?? "",
          namespace: cells[namespace]?.textContent ?? "",
        };
      })
      .sort((a, b) => a.index - b.index);
  });
}

/** Waits for the view's freshness badge to match `pattern`; returns its text. */
async function badgeMatches(page, pattern, timeout) {
  const handle = await page.waitForFunction(
    (source) => {
      const text = document.querySelector('[data-testid="freshness"]')?.textContent?.trim() ?? "";
      return new RegExp(source).test(text) ? text : false;
    },
    pattern.source,
    { timeout, polling: 100 },
  );
  return handle.jsonValue();
}

test("100,000 pods sorted by name: scrolled to row 90,000 the rows are the API's page there", { timeout: 120_000 }, async () => {
  await withSim(
    async ({ page, url }) => {
      await page.goto(url);
      await page.goto(`${origin(url)}/#/c/admin/pods?sort=name`);
      await page.locator('section.view[aria-label="Pods"]').waitFor();
      await page.waitForFunction(
        (n) => document.querySelector(".view-bar .total")?.textContent === `${n.toLocaleString()} pods`,
        BULK_PODS,
        { timeout: SYNC_MS, polling: 500 },
      );
      await badgeMatches(page, /^live$/, SYNC_MS);

      // Jump most of the way by the scrollbar, then wheel the rest like a user.
      const table = page.locator(".vt");
      await table.evaluate((el, top) => (el.scrollTop = top), (DEEP_ROW - 40) * ROW_HEIGHT);
      await table.hover();
      for (let i = 0; i < 4; i++) await page.mouse.wheel(0, 10 * ROW_HEIGHT);
      await page.waitForFunction(
        (deep) => {
          const rows = [...document.querySelectorAll('.vt-body [role="row"]')];
          const indices = rows.map((r) => Number(r.getAttribute("aria-rowindex")) - 2);
          return rows.length > 10 && Math.min(...indices) >= deep - 50 && !rows.some((r) => r.classList.contains("vt-placeholder"));
        },
        DEEP_ROW,
        { timeout: 10_000, polling: 100 },
      );
      const shown = await renderedRows(page);
      const first = shown[0].index;
      assert.ok(first >= DEEP_ROW - 50 && first <= DEEP_ROW + 50, `scrolled to row ${first}`);
      for (const [i, row] of shown.entries()) assert.equal(row.index, first + i, "rendered rows are contiguous");
      // Rows are recycled (src/table/TableBody.tsx), so their DOM order is a rotation; the
      // rowgroup's aria-owns gives assistive technology the order on screen.
      const order = await page.evaluate(() => {
        const owns = document.querySelector(".vt-body").getAttribute("aria-owns").split(" ");
        const rows = owns.map((id) => document.getElementById(id));
        return {
          owned: owns.length,
          rendered: document.querySelectorAll('.vt-body [role="row"]').length,
          tops: rows.map((r) => r.getBoundingClientRect().top),
          indices: rows.map((r) => Number(r.getAttribute("aria-rowindex")) - 2),
        };
      });
      assert.equal(order.owned, order.rendered);
      for (let i = 1; i < order.tops.length; i++) {
        assert.ok(order.tops[i] > order.tops[i - 1], `aria-owns out of screen order at ${i}: ${JSON.stringify(order)}`);
        assert.equal(order.indices[i], order.indices[0] + i);
      }

      const reply = await api(page, `/api/v1/clusters/admin/views/pods?sort=name&offset=${first}&limit=${shown.length}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.total, BULK_PODS);
      assert.deepEqual(
        shown.map((r) => `${r.namespace}/${r.name}`),
        reply.body.rows.map((r) => `${r.namespace}/${r.name}`),
      );
      // And the page is really sorted by name there (not some other order the two agree on).
      const names = reply.body.rows.map((r) => r.name);
      assert.deepEqual([...names].sort(), names);
      await screenshot(page, "pods-100k-deep");
    },
    { simArgs: ["--bulk-pods", String(BULK_PODS), "--controllers", "none", "--log-rate", "0"] },
  );
});

test("metrics absent, restricted user, watch drop, masthead restart; screenshots", { timeout: 120_000 }, async (t) => {
  await withSim(
    async ({ page, url, sim, restartServer, output }) => {
      await page.goto(url);
      const base = origin(url);

      await t.test("overview, pods, object panel, logs, diagnostics: screenshots", async () => {
        await page.locator('section[aria-label="Overview"]').waitFor();
        await page.locator('[data-card="pods"] [data-stat="total"] dd').waitFor();
        await screenshot(page, "overview");
        await page.goto(`${base}/#/c/admin/pods`);
        await rowsLocator(page).first().waitFor();
        await screenshot(page, "pods");
        await rowsLocator(page).first().click();
        const panel = page.locator('aside[aria-label="object"]');
        await panel.waitFor();
        await panel.getByRole("tab", { name: "YAML" }).click();
        await panel.locator("pre.yaml").waitFor();
        await screenshot(page, "object-panel");
        const pod = (await api(page, "/api/v1/clusters/admin/views/pods?sort=name&limit=1&facet.status=Running")).body.rows[0];
        await page.goto(`${base}/#/logs/admin/${pod.namespace}/Pod/${pod.name}`);
        await page.locator('section[aria-label="Logs"]').waitFor();
        await page.locator('section[aria-label="Logs"] .log-line').first().waitFor();
        await screenshot(page, "logs");
        await page.goto(`${base}/#/diagnostics`);
        await page.locator('.diag-table[aria-label="clusters"] tr[data-cluster="admin"]').waitFor();
        await screenshot(page, "diagnostics");
      });

      await t.test("metrics absent: the pods view says so; usage cells are never 0", async () => {
        await page.goto(`${base}/#/c/admin/pods`);
        await rowsLocator(page).first().waitFor();
        const note = page.getByTestId("metrics-state");
        await note.waitFor();
        assert.match(await note.textContent(), /^Usage not shown — metrics absent/);
        const headers = (await page.locator('.vt-head [role="columnheader"]').allTextContents()).map((h) => h.replace(/[▲▼]/g, "").trim());
        const cpu = headers.indexOf("CPU");
        const memory = headers.indexOf("Memory");
        assert.ok(cpu >= 0 && memory >= 0, `no CPU/Memory columns in ${JSON.stringify(headers)}`);
        const usage = await rowsLocator(page).evaluateAll(
          (rows, cols) => rows.flatMap((row) => cols.map((c) => row.querySelectorAll('[role="cell"]')[c]?.textContent ?? "")),
          [cpu, memory],
        );
        assert.ok(usage.length > 0);
        for (const cell of usage) assert.doesNotMatch(cell, /^0(m|Mi|Ki|B)?$/, `usage shown as zero: ${JSON.stringify(usage)}`);
        // The overview's capacity card says it too.
        await page.goto(`${base}/#/c/admin`);
        await page.locator('[data-card="capacity"] [data-testid="metrics-state"]').waitFor();
      });

      await t.test("restricted user: only its namespaces, a partial-access warning for others", async () => {
        await api(page, "/api/v1/clusters/restricted/connect", "POST");
        await page.goto(`${base}/#/c/restricted/pods?ns=team-a,kube-system`);
        await rowsLocator(page).first().waitFor();
        const warning = page.locator(".warning", { hasText: "Partial access" });
        await warning.waitFor();
        assert.match(await warning.textContent(), /kube-system/);
        const info = (await api(page, "/api/v1/clusters/restricted")).body;
        assert.ok(info.namespaces.length > 0, JSON.stringify(info.namespaces));
        for (const ns of info.namespaces) assert.ok(["team-a", "team-b", "team-c"].includes(ns), `restricted sees ${ns}`);
        const shown = (await renderedRows(page)).map((r) => r.namespace);
        assert.ok(shown.length > 0);
        for (const ns of shown) assert.ok(info.namespaces.includes(ns), `row in ${ns}, allowed ${info.namespaces}`);
        const total = (await api(page, "/api/v1/clusters/restricted/views/pods?namespace=team-a,kube-system&limit=0")).body.total;
        assert.equal(await page.locator(".view-bar .total").textContent(), `${total} pods`);
        // A view the user may not list at all is an error, not an empty table.
        await page.goto(`${base}/#/c/restricted/nodes`);
        const error = page.locator('section.view [role="alert"]');
        await error.waitFor();
        assert.match(await error.textContent(), /forbidden/i);
      });

      await t.test("restricted user adds namespaces: a readable one's rows appear, a denied one is named", async () => {
        await page.goto(`${base}/#/c/restricted/pods`);
        await rowsLocator(page).first().waitFor();
        const before = await api(page, "/api/v1/clusters/restricted/namespaces");
        assert.deepEqual(before.body.accessible, ["team-a"], JSON.stringify(before.body));
        assert.ok(!(await renderedRows(page)).some((r) => r.namespace === "team-b"));
        await page.getByTestId("ns-restricted").getByRole("button", { name: "Add namespaces…" }).click();
        const editor = page.locator("form.ns-editor");
        await editor.getByTestId("ns-fixed").waitFor();
        await editor.getByRole("textbox", { name: "namespaces to try" }).fill("team-b, kube-system");
        await editor.getByRole("button", { name: "Save" }).click();
        await editor.getByText("Saved").waitFor();
        assert.equal(await editor.getByTestId("ns-accessible").textContent(), "team-a, team-b");
        const denied = editor.locator('[data-denied="kube-system"]');
        assert.match(await denied.textContent(), /^kube-system: denied — .*forbidden/);
        // The denied namespace makes the view partial, not forbidden: team-a and team-b are live.
        await badgeMatches(page, /^live \(partial\)$/, 15_000);
        // The new namespace's rows reach the open view live (sorted by namespace: team-b last).
        const expected = (await api(page, "/api/v1/clusters/restricted/views/pods?namespace=team-b&limit=0")).body.total;
        assert.ok(expected > 0, "team-b has pods");
        const all = (await api(page, "/api/v1/clusters/restricted/views/pods?limit=0")).body.total;
        await page.waitForFunction((text) => document.querySelector(".view-bar .total")?.textContent === text, `${all.toLocaleString("en-US")} pods`, { timeout: 15_000 });
        await page.goto(`${base}/#/c/restricted/pods?ns=team-b`);
        // Until the filtered query's first frame lands the table may still show the last
        // page of the unfiltered one (the view says it is loading): wait for it, bounded.
        let shown = [];
        for (const until = Date.now() + 15_000; Date.now() < until; await page.waitForTimeout(100)) {
          shown = await renderedRows(page);
          if (shown.length > 0 && shown.every((r) => r.namespace === "team-b")) break;
        }
        assert.ok(shown.length > 0 && shown.every((r) => r.namespace === "team-b"), JSON.stringify(shown.slice(0, 3)));
        await screenshot(page, "namespaces-editor");
      });

      await t.test("watches dropped: the badge says reconnecting, then live again", async () => {
        await page.goto(`${base}/#/c/admin/pods`);
        await rowsLocator(page).first().waitFor();
        await badgeMatches(page, /^live$/, 15_000);
        const set = await sim.admin("POST", "/_sim/faults/down", { seconds: 4 });
        assert.equal(set.status, 201, JSON.stringify(set.body));
        const during = await badgeMatches(page, /^(reconnecting|stale)/, 10_000);
        assert.match(during, /^(reconnecting|stale)/);
        await badgeMatches(page, /^live$/, 30_000);
        assert.ok((await rowsLocator(page).count()) > 0);
      });

      await t.test("masthead restarted on the same port: the page reconnects by itself", async () => {
        const conn = page.locator(".conn");
        assert.equal((await conn.textContent()).trim(), "Live");
        const pod = (await api(page, "/api/v1/clusters/admin/views/pods?sort=name&limit=1&facet.status=Running")).body.rows[0];
        await page.getByLabel("filter", { exact: true }).fill(pod.name);
        await page.waitForFunction(() => document.querySelector(".view-bar .total")?.textContent === "1 pods");
        const restarted = restartServer();
        await page.waitForFunction(() => document.querySelector(".conn")?.textContent?.startsWith("Reconnecting") ?? false, null, { timeout: 10_000, polling: 100 });
        // Rows as last seen stay on screen, but nothing claims they are live meanwhile.
        assert.equal((await page.getByTestId("freshness").textContent()).trim(), "reconnecting");
        assert.equal(await page.locator(".view-bar .total").textContent(), "1 pods");
        await restarted;
        await page.waitForFunction(() => document.querySelector(".conn")?.textContent?.startsWith("Live") ?? false, null, { timeout: 30_000, polling: 200 });
        // The new process connects to the cluster lazily, as the page asks for it again.
        await untilApi(page, "/api/v1/clusters/admin", (body) => body.state === "ready", 30_000);
        await badgeMatches(page, /^live$/, 30_000);
        await page.waitForFunction(() => document.querySelector(".view-bar .total")?.textContent === "1 pods");
        // Live again: deleting the pod (through the restarted server) takes its row away.
        const deleted = await api(page, "/api/v1/clusters/admin/actions/delete", "POST", {
          resource: "pods",
          namespace: pod.namespace,
          name: pod.name,
          force: true,
        });
        assert.ok(deleted.status < 300, `${JSON.stringify(deleted.body)}\n${output()}`);
        await page.waitForFunction(() => document.querySelector(".view-bar .total")?.textContent === "0 pods", null, { timeout: 15_000 });
      });
    },
    { simArgs: ["--scenario", "demo", "--metrics", "absent"] },
  );
});
