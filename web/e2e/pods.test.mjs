// End-to-end: the built UI (web/dist) served by `masthead --demo`, driven in Debian's Chromium
// through playwright-core (which never downloads a browser). Run by `make test-e2e`
// (`npm run test:e2e` in web/, after `make setup web`). Not part of the unit `npm test`.
//
// Bounded: the whole test has a 60 s budget, every wait has its own timeout, nothing retries.
// On failure harness.mjs writes a screenshot to /tmp/masthead-e2e-<time>.png and prints the
// server's output.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TEST_BUDGET_MS, withDemo } from "./harness.mjs";

test("pods view: rows, sort by restarts, live badge, filter, object panel", { timeout: TEST_BUDGET_MS }, async (t) => {
  await withDemo(async ({ page, url, token }) => {
    assert.equal(url.endsWith(`?token=${token}`), true, `unexpected launch URL ${url}`);
    await page.goto(url);
    // A cluster opens on its overview; the pods view is one nav click away.
    await page.getByRole("navigation", { name: "views" }).getByRole("link", { name: "Pods", exact: true }).click();

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

    // Only the columns with an overflowing cell clip, all their cells, with an ellipsis
    // (src/table/overflowClip.ts); no cell of another column overflows.
    const clipping = await page.evaluate(() => {
      const rows = [...document.querySelectorAll('.vt-body [role="row"]:not(.vt-placeholder)')].map((r) => [...r.querySelectorAll('[role="cell"]')]);
      const cells = rows.flat();
      const clipped = cells.filter((c) => c.classList.contains("vt-clip"));
      const style = (c) => (c ? `${getComputedStyle(c).overflowX} ${getComputedStyle(c).textOverflow}` : null);
      const columns = rows[0].map((_, i) => new Set(rows.map((r) => r[i]?.classList.contains("vt-clip"))).size);
      return {
        cells: cells.length,
        clipped: clipped.length,
        overflowingUnclipped: cells.filter((c) => c.scrollWidth > c.clientWidth && !c.classList.contains("vt-clip")).map((c) => c.textContent),
        mixedColumns: columns.filter((n) => n > 1).length,
        clippedStyle: style(clipped[0]),
        otherStyle: style(cells.find((c) => !c.classList.contains("vt-clip"))),
      };
    });
    assert.deepEqual(clipping.overflowingUnclipped, [], `overflowing cells not clipped: ${JSON.stringify(clipping)}`);
    assert.equal(clipping.mixedColumns, 0, `a column partly clipped: ${JSON.stringify(clipping)}`);
    assert.ok(clipping.clipped >= 1 && clipping.clipped < clipping.cells, `clipped ${clipping.clipped} of ${clipping.cells}`);
    assert.equal(clipping.clippedStyle, "hidden ellipsis");
    assert.match(clipping.otherStyle, /^visible /);

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
  });
});
