// What ui_bench.mjs and scroll_ab.mjs share: Chromium (Debian's, through web/'s playwright-core,
// which never downloads a browser) with its flags, the scroll-frames probe run in the page, and
// its figures.

import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
// The browser and its flags are the e2e tests' (web/e2e/harness.mjs: no top-level effects).
import { CHROMIUM, CHROMIUM_ARGS } from "../../web/e2e/harness.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { chromium } = await import(pathToFileURL(join(REPO, "web", "node_modules", "playwright-core", "index.mjs")).href);

/** Headless Chromium on a 1400 x 900 page with its profile in `profile` (playwright-core refuses
 * --user-data-dir as an argument); every wait `waitMs` at most. */
export async function launchChromium(profile, waitMs) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
    timeout: waitMs,
  });
  context.setDefaultTimeout(waitMs);
  return context;
}

/** In the page, for `seconds` while scrolling the table `px` per frame (0: still): each rAF
 * interval, and each frame's main-thread work — from its start (the rAF timestamp) to a task
 * posted from its rAF callback, which runs once the frame's rendering steps (style, layout,
 * paint) are done. */
export function scrollFrames({ seconds, px, mark }) {
  const table = document.querySelector('[role="table"]');
  return new Promise((done) => {
    const intervals = [];
    const work = [];
    const delays = [];
    const channel = new MessageChannel();
    let last = null;
    let ended = false;
    const end = performance.now() + seconds * 1000;
    channel.port1.onmessage = ({ data: start }) => {
      work.push(performance.now() - start);
      // Traced: each frame's work in the trace (bench/ui/trace_frames.py: its window = the mark
      // minus the work, the same figure as `work`).
      if (mark) console.timeStamp(`ui.frame.work ${work[work.length - 1]}`);
      // One work figure per frame, one interval fewer: the last frame's task has run.
      if (ended && work.length === intervals.length + 1) {
        channel.port1.close();
        done({ intervals, work, delays });
      }
    };
    const frame = (now) => {
      if (last !== null) intervals.push(now - last);
      last = now;
      delays.push(performance.now() - now);
      channel.port2.postMessage(now);
      const max = table.scrollHeight - table.clientHeight;
      if (px) table.scrollTop = table.scrollTop + px >= max ? 0 : table.scrollTop + px;
      if (now < end) requestAnimationFrame(frame);
      else ended = true;
    };
    requestAnimationFrame(frame);
  });
}

export function pct(values, q) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const stats = (d) => ({ p50: pct(d, 0.5), p95: pct(d, 0.95), max: Math.max(...d), count: d.length });

/** A frames phase's figures: intervals, work and dropped frames (an interval over 1.5 x the
 * median: at least one vsync missed). */
export function frameStats({ intervals, work, delays }) {
  const limit = 1.5 * pct(intervals, 0.5);
  const dropped = intervals.filter((d) => d > limit).length;
  // delay: frame start → its rAF callback running (part of `work`; the rAF timestamp keeps to
  // the vsync grid even when the callback runs late, so intervals alone understate a late frame).
  return { interval: stats(intervals), work: stats(work), delay: stats(delays), dropped: { count: dropped, share: dropped / intervals.length } };
}

/** `run()`, traced into `file` (timeline and sampled JS of every thread) when `file` is set. */
export async function traced(cdp, file, run) {
  if (!file) return run();
  const events = [];
  const collect = ({ value }) => events.push(...value);
  cdp.on("Tracing.dataCollected", collect);
  // UI_BENCH_TRACE_LIGHT=1: no JS sampling (its cost multiplies the frames' own; the phases
  // trace_frames.py reports need only the timeline).
  const sampling = process.env.UI_BENCH_TRACE_LIGHT ? [] : ["disabled-by-default-v8.cpu_profiler"];
  const categories = ["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline", ...sampling];
  await cdp.send("Tracing.start", { traceConfig: { includedCategories: categories }, transferMode: "ReportEvents" });
  try {
    return await run();
  } finally {
    const complete = new Promise((done) => cdp.once("Tracing.tracingComplete", done));
    await cdp.send("Tracing.end");
    await complete;
    cdp.off("Tracing.dataCollected", collect);
    writeFileSync(file, JSON.stringify({ traceEvents: events }));
  }
}
