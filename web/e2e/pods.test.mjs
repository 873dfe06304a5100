// End-to-end: the built UI (web/dist) served by `masthead --demo`, driven in Debian's Chromium
// through playwright-core (which never downloads a browser). Run by `make test-e2e`
// (`npm run test:e2e` in web/, after `make setup web`). Not part of the unit `npm test`.
//
// Bounded: the whole test has a 60 s budget, every wait has its own timeout, nothing retries.
// On failure a screenshot is written to /tmp/masthead-e2e-<time>.png and the server's output is
// printed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..");
const MASTHEAD = process.env.MASTHEAD_BIN ?? join(REPO, ".venv", "bin", "masthead");
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const TEST_BUDGET_MS = 60_000;
const SERVER_START_MS = 20_000;
const WAIT_MS = 15_000;

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Starts `masthead --demo` on a free port; resolves with the launch URL it prints. */
function startServer(token, dataDir) {
  const child = spawn(
    MASTHEAD,
    ["--demo", "--no-browser", "--port", "0", "--token", token, "--data-dir", dataDir],
    { cwd: REPO, env: { ...process.env, PYTHONUNBUFFERED: "1" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const output = [];
  const url = new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`masthead printed no URL within ${SERVER_START_MS} ms`)), SERVER_START_MS);
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      output.push(chunk);
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)\s*$/.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => output.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`masthead exited early (code ${code}, signal ${signal})`));
    });
  });
  return { child, url, output };
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

test("pods view: rows, sort by restarts, live badge, filter, object panel", { timeout: TEST_BUDGET_MS }, async (t) => {
  assert.ok(existsSync(MASTHEAD), `${MASTHEAD} missing: run \`make setup\``);
  assert.ok(existsSync(join(REPO, "web", "dist", "index.html")), "web/dist missing: run `make web`");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);

  const token = randomBytes(12).toString("hex");
  const tmp = mkdtempSync(join(tmpdir(), "masthead-e2e-"));
  const server = startServer(token, join(tmp, "data"));
  let context = null;
  let page = null;
  try {
    const url = await server.url;
    assert.equal(url.endsWith(`?token=${token}`), true, `unexpected launch URL ${url}`);

    context = await chromium.launchPersistentContext(join(tmp, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
      timeout: WAIT_MS,
    });
    context.setDefaultTimeout(WAIT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);

    // The pods view with real rows (placeholders carry aria-busy).
    const table = page.locator('[role="table"]');
    const rows = table.locator('.vt-body [role="row"]:not(.vt-placeholder)');
    await rows.first().waitFor({ state: "visible" });
    await page.locator('section.view[aria-label="Pods"]').waitFor();

    const headers = await table.locator('[role="columnheader"]').allTextContents();
    const nameCol = headers.findIndex((h) => h.replace(/[▲▼]/g, "").trim() === "Name");
    assert.ok(nameCol >= 0, `no Name column in ${JSON.stringify(headers)}`);

    // Sort by restarts, descending (first click ascending, second descending).
    const restartsHeader = table.locator('[role="columnheader"]', { hasText: "Restarts" });
    await restartsHeader.getByRole("button").click();
    await page.waitForFunction(() => /sort=restarts/.test(location.hash));
    await restartsHeader.getByRole("button").click();
    await page.waitForFunction(() => /sort=restarts/.test(location.hash) && /desc=1/.test(location.hash));
    assert.equal(await restartsHeader.getAttribute("aria-sort"), "descending");
    await page.locator('.vt-body [role="row"]:not(.vt-placeholder)', { hasText: "CrashLoopBackOff" }).first().waitFor();

    // Realistic names: lowercase DNS-ish, most with a generated suffix (e.g. web-7d9f8c6b5-x2k4p).
    const names = await rows.evaluateAll(
      (els, col) => els.map((el) => el.querySelectorAll('[role="cell"]')[col]?.textContent ?? ""),
      nameCol,
    );
    assert.ok(names.length >= 5, `only ${names.length} rows: ${JSON.stringify(names)}`);
    for (const name of names) assert.match(name, /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, `odd pod name ${JSON.stringify(name)}`);
    assert.ok(names.some((n) => /-[a-z0-9]{5}$/.test(n)), `no generated-looking names: ${JSON.stringify(names)}`);

    // The freshness badge says live (the metrics source's `ok` counts as live).
    const badge = page.getByTestId("freshness");
    await badge.waitFor();
    await t.test("freshness badge says live", async () => {
      const deadline = Date.now() + 3_000;
      let label = await badge.textContent();
      while (label?.trim() !== "live" && Date.now() < deadline) {
        await page.waitForTimeout(250);
        label = await badge.textContent();
      }
      assert.equal(label?.trim(), "live", `badge ${JSON.stringify(label)}; sources:\n${await badge.getAttribute("title")}`);
    });

    // `/` focuses the filter; typing a pod's name narrows the rows to those containing it.
    const target = names[0];
    const totalBefore = await page.locator(".view-bar .total").textContent();
    await page.locator("body").click({ position: { x: 5, y: 5 } }).catch(() => {});
    await page.keyboard.press("/");
    const filter = page.getByLabel("filter", { exact: true });
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "filter");
    await page.keyboard.type(target);
    assert.equal(await filter.inputValue(), target);
    await page.waitForFunction(
      ({ col, text }) => {
        const body = [...document.querySelectorAll('.vt-body [role="row"]')];
        if (body.length === 0 || body.some((r) => r.classList.contains("vt-placeholder"))) return false;
        return body.every((r) => (r.querySelectorAll('[role="cell"]')[col]?.textContent ?? "").includes(text));
      },
      { col: nameCol, text: target },
    );
    const totalAfter = await page.locator(".view-bar .total").textContent();
    const count = (s) => Number((s ?? "").replace(/[^0-9]/g, ""));
    assert.ok(count(totalAfter) >= 1 && count(totalAfter) < count(totalBefore), `filter did not narrow: ${totalBefore} → ${totalAfter}`);

    // Clicking a row opens the object panel with the Pod's YAML.
    await rows.filter({ hasText: target }).first().click();
    const panel = page.locator('aside[aria-label="object"]');
    await panel.waitFor();
    await panel.getByRole("tab", { name: "YAML" }).click();
    const yaml = panel.locator("pre.yaml");
    await yaml.waitFor();
    const text = await yaml.textContent();
    assert.match(text ?? "", /^kind: Pod$/m);
    assert.ok((text ?? "").includes(`name: ${target}`), "YAML is not the clicked pod's");
  } catch (error) {
    if (page) {
      const shot = join(tmpdir(), `masthead-e2e-${Date.now()}.png`);
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
