// Browser figures of masthead's web UI in Debian's headless Chromium, driven through the
// playwright-core that web/ already depends on (it never downloads a browser). Started by
// bench/ui_bench.py with masthead and a simulator already running and synced:
//
//   node bench/ui/ui_bench.mjs '<json: launchUrl, base, simUrl, simToken, loads, frameSeconds,
//                               churnPerS, churnBasis, paintChanges, heapTrendSeconds,
//                               heapSampleSeconds>'
//
// Prints one JSON line per phase as it finishes, so a late failure keeps the earlier figures:
//   {"phase": "firstRows", firstRowsMs[] (navigation → first real rows painted, one per load;
//     the first load has a cold cache), heapAfterLoadMb}
//   {"phase": "scroll", frames} while the table scrolls 40 px a frame under churn, then
//   {"phase": "churn", frames, heapAfterWorkMb, churned} while it stands still sorted by restarts and
//     the churn's restarts re-sort the visible rows; `frames` = {interval: {p50, p95, max,
//     count} (requestAnimationFrame intervals: vsync-bound, never below 16.7 ms at 60 Hz),
//     work: {p50, p95, max, count} (each frame's main-thread time: its start → a task posted
//     from its rAF callback, which runs after the frame's style, layout and paint — what a 16 ms
//     budget is about), delay: {p50, p95, max, count} (frame start → its rAF callback running:
//     the part of `work` spent before this frame's callbacks), dropped: {count, share}
//     (intervals over 1.5 x the median interval)}, churned = {driverPerS, appliedPerS, asked,
//     basis} (the simulator's churn over both phases: its driver's writes/s and every applied
//     write/s, the controllers' included)
//   {"phase": "heapTrend", heapTrend [{s, mb}], churned} the heap sampled while the view stays
//     open under churn (only when heapTrendSeconds > 0)
//   {"phase": "paint", paintMs[] (create request sent → the new row painted; the probe's clock
//     and the page's are the same machine's wall clock), paintParts {write, toFrame,
//     frameToDom, domToPaint} ({p50, p90, count} each: where the time went; see the paint loop)}
// Heaps: JS heap in use after a forced GC (CDP Runtime.getHeapUsage). Profiling: with
// UI_BENCH_TRACE=<file>, a Chromium trace (timeline + JS samples; without the samples when
// UI_BENCH_TRACE_LIGHT=1) of the scroll and churn phases is written there (chrome://tracing /
// DevTools format) — it slows the page, so its figures are not comparable with untraced runs;
// each frame's work is marked in it (a console.timeStamp), and
// `python bench/ui/trace_frames.py <file>.scroll.json` attributes the frames over budget.
// On a failure, a last line {"failed": "<phase>", "error": "<message>"} and exit status 1.
// Bounded: every wait has a timeout; the browser profile is a temp dir removed at the end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { frameStats, launchChromium, pct, scrollFrames, traced } from "./frames.mjs";

const WAIT_MS = 30_000;
const SCROLL_PX = 40;
const PAINT_PREFIX = "aaaa-paint-";
const ROWS = '.vt-body [role="row"]:not(.vt-placeholder)';

const cfg = JSON.parse(process.argv[2]);

/** Installed before any page script: when the first real row appears, and the frame after. */
function observeFirstRows(selector) {
  const mark = () => {
    if (window.__firstRowsMs !== undefined || !document.querySelector(selector)) return false;
    window.__firstRowsMs = null;
    requestAnimationFrame(() => (window.__firstRowsMs = performance.now()));
    return true;
  };
  new MutationObserver((_, obs) => mark() && obs.disconnect()).observe(document, { childList: true, subtree: true });
}

/** Installed before any page script: the wall-clock time the first WebSocket frame mentioning
 * `window.__frameWatch` arrived (a listener added before the app's own `onmessage`). */
function observeFrames() {
  const Native = window.WebSocket;
  window.__frameWatch = null;
  window.__frameAt = null;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const watch = window.__frameWatch;
        if (watch && window.__frameAt === null && typeof event.data === "string" && event.data.includes(watch)) {
          window.__frameAt = performance.timeOrigin + performance.now();
        }
      });
    }
  };
}

/** In the page: wall-clock ms when the frame carrying `name` arrived (`frameAt`), when its row
 * entered the DOM (`seen`) and when that frame was painted (`painted`: a task queued from the
 * next animation frame runs after its rendering steps). Armed before the write is sent. */
function paintedAt(name) {
  window.__frameWatch = name;
  window.__frameAt = null;
  // The whole document: an empty view may mount its table body only with the first row.
  const has = () => [...document.querySelectorAll('.vt-body [role="cell"]')].some((c) => c.textContent === name);
  const wall = () => performance.timeOrigin + performance.now();
  const painted = new Promise((done) => {
    const check = () => {
      if (!has()) return false;
      const seen = wall();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => done({ frameAt: window.__frameAt, seen, painted: wall() });
        channel.port2.postMessage(null);
      });
      return true;
    };
    if (check()) return;
    const obs = new MutationObserver(() => check() && obs.disconnect());
    obs.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  window.__painted = painted;
}

async function sim(method, path, body) {
  const r = await fetch(cfg.simUrl + path, {
    method,
    headers: { Authorization: `Bearer ${cfg.simToken}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

// The churn's final report, as rates: the driver's own writes/s and every write the simulator
// applied (the controllers' reactions included), whatever the basis asked.
function churnRates(r) {
  return { driverPerS: r.achievedRate, appliedPerS: r.storedRate, asked: r.targetRate, basis: r.basis };
}

async function heapMb(cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  return usedSize / 1e6;
}

/** One phase's figures, on their own line as soon as the phase ends. */
function report(name, figures) {
  process.stdout.write(JSON.stringify({ phase: name, ...figures }) + "\n");
}

const TRACE_FILE = process.env.UI_BENCH_TRACE ?? "";

let phase = "launch";

const profile = mkdtempSync(join(tmpdir(), "masthead-ui-bench-"));
let context = null;
try {
  context = await launchChromium(profile, WAIT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript(observeFirstRows, ROWS);
  await page.addInitScript(observeFrames);
  const view = `${cfg.base}/#/c/admin/pods?sort=name`;

  // Loads: the first through the launch URL (token → cookie, cold cache), then the view again.
  phase = "firstRows";
  const firstRowsMs = [];
  for (let i = 0; i < cfg.loads; i++) {
    if (i > 0) await page.goto("about:blank");
    // The fragment survives the launch URL's redirect, so every load opens the same view.
    await page.goto(i === 0 ? cfg.launchUrl + new URL(view).hash : view);
    await page.waitForFunction(() => typeof window.__firstRowsMs === "number");
    firstRowsMs.push(await page.evaluate(() => window.__firstRowsMs));
  }
  const cdp = await context.newCDPSession(page);
  report(phase, { firstRowsMs, heapAfterLoadMb: await heapMb(cdp) });

  // Frames: scrolling the virtual table while the simulator churns (rows change under it).
  phase = "scroll";
  await sim("POST", "/_sim/churn", { rate: cfg.churnPerS, basis: cfg.churnBasis ?? "driver", duration: 2 * cfg.frameSeconds + 60 });
  const scrolled = await traced(cdp, TRACE_FILE && `${TRACE_FILE}.scroll.json`, () => page.evaluate(scrollFrames, { seconds: cfg.frameSeconds, px: SCROLL_PX, mark: Boolean(TRACE_FILE) }));
  report(phase, { frames: frameStats(scrolled) });
  // Then still, sorted by restarts (descending), at the top: the churn's restarts re-sort the
  // visible rows under the reader.
  phase = "churn";
  await page.evaluate(() => (document.querySelector('[role="table"]').scrollTop = 0));
  const restarts = page.locator('[role="columnheader"]', { hasText: "Restarts" });
  await restarts.getByRole("button").click();
  await page.waitForFunction(() => /sort=restarts/.test(location.hash));
  await restarts.getByRole("button").click();
  await page.waitForFunction(() => /sort=restarts/.test(location.hash) && /desc=1/.test(location.hash));
  const churnFrames = frameStats(await traced(cdp, TRACE_FILE && `${TRACE_FILE}.churn.json`, () => page.evaluate(scrollFrames, { seconds: cfg.frameSeconds, px: 0, mark: Boolean(TRACE_FILE) })));
  const churned = churnRates(await sim("DELETE", "/_sim/churn"));
  report(phase, { frames: churnFrames, heapAfterWorkMb: await heapMb(cdp), churned });

  // Heap trend: the pods view left open under churn (sorted by restarts, so visible rows keep
  // changing), the heap after a forced GC every `heapSampleSeconds` for `heapTrendSeconds`.
  if (cfg.heapTrendSeconds > 0) {
    phase = "heapTrend";
    const heapTrend = [];
    await sim("POST", "/_sim/churn", { rate: cfg.churnPerS, basis: cfg.churnBasis ?? "driver", duration: cfg.heapTrendSeconds + 60 });
    const started = Date.now();
    heapTrend.push({ s: 0, mb: await heapMb(cdp) });
    while (Date.now() - started < cfg.heapTrendSeconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, cfg.heapSampleSeconds * 1000));
      heapTrend.push({ s: Math.round((Date.now() - started) / 1000), mb: await heapMb(cdp) });
    }
    const churned = churnRates(await sim("DELETE", "/_sim/churn"));
    report(phase, { heapTrend, churned });
  }

  // Paint: a pod created in the simulator, seen in a view filtered to such pods.
  phase = "paint";
  await page.evaluate(() => (document.querySelector('[role="table"]').scrollTop = 0));
  await page.getByLabel("filter", { exact: true }).fill(PAINT_PREFIX);
  // The filter applied: no such pod exists yet, so the view counts none.
  await page.waitForFunction(() => /^0\D/.test(document.querySelector(".view-bar .total")?.textContent ?? ""));
  // Each change is timed from its create request leaving (what a user of kubectl sees). Split:
  // `write` the simulator's answer (its queueing + write path: on a loaded machine most of the
  // figure), `toFrame` the request → the frame carrying the row at the page (simulator, watch,
  // masthead's reflector, table and live frame), `frameToDom` the frame → the row in the DOM
  // (the client: its queueing, React's commit), `domToPaint` the DOM → the frame painted. (A
  // watch of its own proved no better start: under load it saw the ADDED event after the page
  // had painted the row.)
  const paintMs = [];
  const parts = { write: [], toFrame: [], frameToDom: [], domToPaint: [] };
  const tag = Math.random().toString(36).slice(2, 7);
  for (let n = 0; n < cfg.paintChanges; n++) {
    const name = `${PAINT_PREFIX}${tag}-${String(n).padStart(4, "0")}`;
    // Armed (observers installed) before the write leaves, so no early frame is missed.
    await page.evaluate(paintedAt, name);
    const t0 = performance.timeOrigin + performance.now();
    await sim("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
    });
    const t1 = performance.timeOrigin + performance.now();
    const got = await Promise.race([
      page.evaluate(() => window.__painted),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} not painted within ${WAIT_MS} ms`)), WAIT_MS)),
    ]);
    paintMs.push(got.painted - t0);
    parts.write.push(t1 - t0);
    if (got.frameAt !== null) {
      parts.toFrame.push(got.frameAt - t0);
      parts.frameToDom.push(got.seen - got.frameAt);
    }
    parts.domToPaint.push(got.painted - got.seen);
    // Gone again, so the filtered view stays within one screen whatever `paintChanges` is (a
    // 38th new pod sorted below the visible rows would never be painted).
    await sim("DELETE", `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`);
    await page.waitForTimeout(200);
  }
  const median = (d) => (d.length ? pct(d, 0.5) : null);
  const paintParts = Object.fromEntries(Object.entries(parts).map(([k, d]) => [k, { p50: median(d), p90: d.length ? pct(d, 0.9) : null, count: d.length }]));
  report(phase, { paintMs, paintParts });
} catch (error) {
  process.stdout.write(JSON.stringify({ failed: phase, error: String(error?.message ?? error).split("\n")[0] }) + "\n");
  // What the page showed: a screenshot and the visible rows, for the failure's reason.
  const page = context?.pages()[0];
  if (page) {
    const shot = join(tmpdir(), `masthead-ui-bench-${Date.now()}.png`);
    await page.screenshot({ path: shot, timeout: 5_000 }).catch(() => {});
    const rows = await page.locator(ROWS).allTextContents().catch(() => []);
    console.error(`ui_bench: screenshot ${shot}; hash ${await page.evaluate(() => location.hash)}; rows ${JSON.stringify(rows.slice(0, 5))}`);
  }
  throw error;
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
