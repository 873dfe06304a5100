// End-to-end: the object panel against `masthead --demo` (web/dist in Debian's Chromium): tabs
// of a Deployment, its workload-wide logs, Scale through dry run → confirm, the audit entries it
// left, a crash-looping pod's warning events, and a read-only context's banner.
//
// Bounded: one 60 s budget, every wait with its own timeout; screenshot + server output on failure.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, MASTHEAD, REPO, TEST_BUDGET_MS, WAIT_MS, startServer, stopServer } from "./harness.mjs";

const ROWS = '.vt-body [role="row"]:not(.vt-placeholder)';

async function openFirstRow(page, hash) {
  await page.evaluate((h) => (window.location.hash = h), hash);
  const row = page.locator(ROWS).first();
  await row.waitFor({ state: "visible" });
  await row.click();
  const panel = page.locator('aside[aria-label="object"]');
  await panel.getByRole("tab", { name: "Summary" }).waitFor();
  return panel;
}

test("object panel: tabs, logs, scale with dry run, audit, events, read-only", { timeout: TEST_BUDGET_MS }, async () => {
  assert.ok(existsSync(MASTHEAD), `${MASTHEAD} missing: run \`make setup\``);
  assert.ok(existsSync(join(REPO, "web", "dist", "index.html")), "web/dist missing: run `make web`");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);

  const token = randomBytes(12).toString("hex");
  const tmp = mkdtempSync(join(tmpdir(), "masthead-e2e-panel-"));
  const server = startServer(token, join(tmp, "data"), ["--read-only", "restricted"]);
  let context = null;
  let page = null;
  try {
    const url = await server.url;
    context = await chromium.launchPersistentContext(join(tmp, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1500, height: 950 },
      timeout: WAIT_MS,
    });
    context.setDefaultTimeout(WAIT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.locator(ROWS).first().waitFor({ state: "visible" });

    // A Deployment: its tabs (no relations endpoint in this server: the tab is hidden, noted).
    let panel = await openFirstRow(page, "#/c/admin/deployments?sort=name");
    await panel.getByText("Relations are not served by this server version.").waitFor();
    const tabs = await panel.getByRole("tab").allTextContents();
    assert.deepEqual(tabs, ["Summary", "YAML", "Events", "Logs", "Audit"]);
    const title = (await panel.locator(".panel-head h3").textContent()) ?? "";
    const [namespace, name] = title.replace(/^Deployment\s*/, "").split("/");
    assert.ok(namespace && name, `panel title ${JSON.stringify(title)}`);

    // Workload-wide logs: lines from the Deployment's pods, each tagged with its pod/container.
    await panel.getByRole("tab", { name: "Logs" }).click();
    await panel.locator(".log-line").first().waitFor();
    const source = await panel.locator(".log-line .log-src").first().textContent();
    assert.match(source ?? "", new RegExp(`^${name}-[a-z0-9]+-[a-z0-9]+/`), `log source ${source}`);

    // Scale: the dialog dry-runs at once, again after the change, then confirms.
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

    // The YAML tab shows the new count; the Audit tab the two dry runs and the real request.
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

    // A crash-looping pod: warning events, newest first, coloured.
    panel = await openFirstRow(page, "#/c/admin/pods?sort=restarts&desc=1");
    await panel.getByRole("tab", { name: "Events" }).click();
    await panel.locator(".events .event-warning").first().waitFor();
    assert.equal(await panel.getByRole("alert").count(), 0);

    // A read-only context: banner, every action disabled.
    panel = await openFirstRow(page, "#/c/restricted/deployments");
    await panel.getByText("Read-only context: actions are disabled.").waitFor();
    const buttons = panel.getByRole("toolbar", { name: "actions" }).getByRole("button");
    assert.ok((await buttons.count()) >= 3);
    for (const button of await buttons.all()) assert.equal(await button.isDisabled(), true, await button.textContent());
  } catch (error) {
    if (page) {
      const shot = join(tmpdir(), `masthead-e2e-panel-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 5_000 }).then(
        () => console.error(`e2e: screenshot at ${shot}`),
        (e) => console.error(`e2e: no screenshot (${e})`),
      );
    }
    console.error(`e2e: masthead output:\n${server.output.join("")}`);
    throw error;
  } finally {
    await context?.close().catch(() => {});
    await stopServer(server.child);
    rmSync(tmp, { recursive: true, force: true });
  }
});
