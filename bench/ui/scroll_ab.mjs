// One A/B run for bench/ui_scroll_ab.py: a fresh headless Chromium opens masthead's pods view
// (whatever bundle masthead serves now), optionally adds a style sheet, scrolls the table 40 px
// a frame for `seconds` with ui_bench's frame probe (frames.mjs) and prints one JSON line as
// ui_bench.mjs prints its scroll phase (`{phase: "scroll", frames}`: read by ui_bench's runner).
//
//   node bench/ui/scroll_ab.mjs '{"launchUrl": ..., "base": ..., "seconds": 20, "css": "",
//                                 "trace": ""}'
//
// With `trace` a file path, the scroll is traced into it as ui_bench's is (frames.mjs `traced`,
// UI_BENCH_TRACE_LIGHT=1 for the timeline only; each frame's work marked for
// bench/ui/trace_frames.py) — traced figures compare only with traced ones.
//
// Bounded: every wait has a timeout; the browser and its profile are removed on any exit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { frameStats, launchChromium, scrollFrames, traced } from "./frames.mjs";

const ROWS = '.vt-body [role="row"]:not(.vt-placeholder)';
const WAIT_MS = 60_000;
const SETTLE_MS = 2_000; // after the first rows: the first window's frames and layout settle

const cfg = JSON.parse(process.argv[2]);
const profile = mkdtempSync(join(tmpdir(), "masthead-scroll-ab-"));
let context = null;
try {
  context = await launchChromium(profile, WAIT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(cfg.launchUrl + new URL(`${cfg.base}/#/c/admin/pods?sort=name`).hash);
  await page.waitForSelector(ROWS);
  if (cfg.css) await page.addStyleTag({ content: cfg.css });
  await page.waitForTimeout(SETTLE_MS);
  const cdp = cfg.trace ? await context.newCDPSession(page) : null;
  const scroll = () => page.evaluate(scrollFrames, { seconds: cfg.seconds, px: 40, mark: Boolean(cfg.trace) });
  const frames = frameStats(await traced(cdp, cfg.trace, scroll));
  process.stdout.write(JSON.stringify({ phase: "scroll", frames }) + "\n");
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
