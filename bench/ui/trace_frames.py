"""Where each frame's main-thread work went, from a ui_bench trace.

    UI_BENCH_TRACE=/tmp/t python -m bench.ui_bench --mode full
    python bench/ui/trace_frames.py /tmp/t.scroll.json [--budget 16] [--top 15]

ui_bench.mjs marks every frame's work in the trace (a `console.timeStamp("ui.frame.work <ms>")`
from the work probe's task), so a frame's window here is exactly the one its `ui.frame.work`
figure measured: [mark - work, mark]. Every main-thread trace event overlapping the window is
split into self time (its duration minus its children's) and charged to one phase:

- `scroll handler`: the table's scroll listener (TanStack's range update, React's flushSync
  render and commit), `forced style/layout` when it or other script reads layout;
- `rAF`: requestAnimationFrame callbacks (the bench's own `scrollTop` write among them);
  `idle callback`: requestIdleCallback work that ran into the frame;
- `ws frame`: a task that received a WebSocket message (the live page frame's handling and the
  React render it schedules in microtasks);
- `style`, `layout`, `pre-paint`, `paint`, `layerize`, `commit`: the frame's rendering steps;
- `gc`: V8 and Blink garbage collection, wherever it interrupts;
- `probe`: the work probe's own task; `other js`: timers, React's scheduler, anything else;
- `untraced`: window time no event covers (idle, or work the trace has no event for).

It prints the work distribution, the mean phase split of the frames over `--budget` ms against
the others, and the `--top` worst frames with their phases and how many elements were restyled,
how many layout objects were dirty and how many WebSocket messages arrived in the window.
Stdlib only (orjson when present: a 10k-pod scroll trace is ~40 MB).
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

MARK = "ui.frame.work "
RENDER_STEPS = {
    "UpdateLayoutTree": "style",
    "Layout": "layout",
    "PrePaint": "pre-paint",
    "Paint": "paint",
    "Layerize": "layerize",
    "Commit": "commit",
}
SCRIPT = {
    "FunctionCall",
    "EventDispatch",
    "FireAnimationFrame",
    "FireIdleCallback",
    "TimerFire",
    "RunMicrotasks",
}
PHASES = (
    "scroll handler",
    "forced style/layout",
    "rAF",
    "ws frame",
    "idle callback",
    "style",
    "layout",
    "pre-paint",
    "paint",
    "layerize",
    "commit",
    "gc",
    "probe",
    "other js",
    "task",
    "untraced",
)


def load(path: str) -> list[dict[str, Any]]:
    with open(path, "rb") as f:
        raw = f.read()
    try:
        import orjson

        doc = orjson.loads(raw)
    except ImportError:
        doc = json.loads(raw)
    events: list[dict[str, Any]] = doc["traceEvents"] if isinstance(doc, dict) else doc
    return events


def renderer_main(events: list[dict[str, Any]]) -> tuple[int, int]:
    """The page's main thread: the CrRendererMain that holds the work marks."""
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("args", {}).get("name") == "CrRendererMain"
    }
    for e in events:
        if e.get("name") == "TimeStamp" and (e.get("pid"), e.get("tid")) in mains:
            return e["pid"], e["tid"]
    sys.exit("no ui.frame.work marks in this trace: record it with UI_BENCH_TRACE")


def is_gc(name: str) -> bool:
    return name in ("MinorGC", "MajorGC") or name.startswith(("V8.GC", "BlinkGC"))


def phase_of(stack: list[dict[str, Any]], ws_task: bool) -> str:
    """The phase of the innermost event of `stack` (outermost first)."""
    names = [e["name"] for e in stack]
    inner = names[-1]
    if any(is_gc(n) for n in names):
        return "gc"
    if "FireIdleCallback" in names:
        return "idle callback"
    in_script = any(n in SCRIPT for n in names[:-1])
    if inner in ("UpdateLayoutTree", "Layout") and in_script:
        return "forced style/layout"
    for e in reversed(stack):
        name = e["name"]
        if name in RENDER_STEPS:
            return RENDER_STEPS[name]
        data = e.get("args", {}).get("data") or {}
        if name == "EventDispatch" and data.get("type") in ("scroll", "scrollend"):
            return "scroll handler"
        if name == "FireAnimationFrame":
            return "rAF"
        if name == "FunctionCall" and data.get("functionName") == "channel.port1.onmessage":
            return "probe"
    if ws_task:
        return "ws frame"
    if in_script or inner in SCRIPT:
        return "other js"
    return "task"


@dataclass
class Frame:
    start: float  # µs, trace clock
    end: float
    work_ms: float
    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # ms
    restyled: int = 0
    dirty: int = 0
    ws_messages: int = 0


def frames_of(events: list[dict[str, Any]], thread: tuple[int, int]) -> list[Frame]:
    on_main = [e for e in events if (e.get("pid"), e.get("tid")) == thread and "ts" in e]
    on_main.sort(key=lambda e: (e["ts"], -e.get("dur", 0)))
    frames = []
    for e in on_main:
        message = (e.get("args", {}).get("data") or {}).get("message", "")
        if e["name"] == "TimeStamp" and message.startswith(MARK):
            work = float(message[len(MARK) :])
            frames.append(Frame(e["ts"] - work * 1000, e["ts"], work))
    attribute(on_main, frames)
    return frames


def attribute(on_main: list[dict[str, Any]], frames: list[Frame]) -> None:
    """Charges each complete event's self time, clipped to every frame window it overlaps."""
    slices = [e for e in on_main if e.get("ph") == "X" and e.get("dur", 0) > 0]
    ws_at = [e["ts"] for e in on_main if e["name"] == "WebSocketReceive"]
    # Self-time pieces: (start, end, phase), from a walk keeping the open events' stack.
    pieces: list[tuple[float, float, str]] = []
    stack: list[dict[str, Any]] = []
    cursor: list[float] = []  # per open event: where its uncovered self time resumes
    ws_task = False
    ws_i = 0
    last_top_end = float("-inf")

    def close_until(t: float) -> None:
        while stack and stack[-1]["ts"] + stack[-1]["dur"] <= t:
            top = stack[-1]
            end = top["ts"] + top["dur"]
            if end > cursor[-1]:
                pieces.append((cursor[-1], end, phase_of(stack, ws_task)))
            stack.pop()
            cursor.pop()
            if cursor:
                cursor[-1] = max(cursor[-1], end)

    for e in slices:
        close_until(e["ts"])
        if stack and e["ts"] > cursor[-1]:
            pieces.append((cursor[-1], e["ts"], phase_of(stack, ws_task)))
        if not stack:
            # A message is received just before or inside the top-level event dispatching it.
            end = e["ts"] + e["dur"]
            while ws_i < len(ws_at) and ws_at[ws_i] < last_top_end:
                ws_i += 1
            ws_task = ws_i < len(ws_at) and ws_at[ws_i] <= end
            last_top_end = end
        if stack:
            cursor[-1] = max(cursor[-1], e["ts"])
        stack.append(e)
        cursor.append(e["ts"])
    close_until(float("inf"))

    counted = [
        e for e in on_main if e["name"] in ("UpdateLayoutTree", "Layout", "WebSocketReceive")
    ]
    pieces.sort()
    for f in frames:
        covered = 0.0
        for start, end, phase in _overlapping(pieces, f.start, f.end):
            ms = (min(end, f.end) - max(start, f.start)) / 1000
            f.phases[phase] += ms
            covered += ms
        f.phases["untraced"] += max(0.0, f.work_ms - covered)
        for e in counted:
            if not f.start <= e["ts"] < f.end:
                continue
            args = e.get("args", {})
            if e["name"] == "UpdateLayoutTree":
                f.restyled += int(args.get("elementCount", 0))
            elif e["name"] == "Layout":
                f.dirty += int((args.get("beginData") or {}).get("dirtyObjects", 0))
            else:
                f.ws_messages += 1


def _overlapping(
    pieces: list[tuple[float, float, str]], start: float, end: float
) -> list[tuple[float, float, str]]:
    # Pieces are disjoint and sorted (one thread's self time), so a bisect finds the first.
    i = max(0, bisect.bisect_left(pieces, (start, start, "")) - 1)
    out = []
    while i < len(pieces) and pieces[i][0] < end:
        if pieces[i][1] > start:
            out.append(pieces[i])
        i += 1
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def mean_split(frames: list[Frame]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for f in frames:
        for phase, ms in f.phases.items():
            totals[phase] += ms
    return {p: totals[p] / len(frames) for p in PHASES} if frames else {}


def report(frames: list[Frame], budget: float, top: int) -> None:
    work = [f.work_ms for f in frames]
    over = [f for f in frames if f.work_ms > budget]
    under = [f for f in frames if f.work_ms <= budget]
    print(
        f"{len(frames)} frames: work p50 {pct(work, 0.5):.1f} / p95 {pct(work, 0.95):.1f} / "
        f"max {max(work, default=0):.1f} ms; {len(over)} over {budget:g} ms "
        f"({100 * len(over) / max(1, len(frames)):.1f} %)"
    )
    split_over, split_under = mean_split(over), mean_split(under)
    print(f"\nmean ms per frame by phase: over {budget:g} ms ({len(over)}) | the rest")
    for p in PHASES:
        a, b = split_over.get(p, 0.0), split_under.get(p, 0.0)
        if a >= 0.05 or b >= 0.05:
            print(f"  {p:<20} {a:6.2f} | {b:6.2f}")
    # Which phase was the largest in each over-budget frame: what to cut first.
    leading: dict[str, int] = defaultdict(int)
    for f in over:
        leading[max(f.phases, key=lambda k: f.phases[k])] += 1
    if over:
        lead = ", ".join(f"{p} {n}" for p, n in sorted(leading.items(), key=lambda kv: -kv[1]))
        print(f"\nlargest phase in the over-budget frames: {lead}")
        n_rows = [f for f in over if f.restyled > 0]
        n_ws = [f for f in over if f.ws_messages > 0]
        print(
            f"with a restyle: {len(n_rows)} (elements restyled median "
            f"{pct([f.restyled for f in n_rows], 0.5):.0f}); with a WebSocket message: {len(n_ws)}"
        )
    print(f"\nthe {top} worst frames (ms; restyled elements, dirty layout objects, ws messages):")
    for i, f in sorted(enumerate(frames), key=lambda kv: -kv[1].work_ms)[:top]:
        parts = ", ".join(f"{p} {f.phases[p]:.1f}" for p in PHASES if f.phases.get(p, 0.0) >= 0.3)
        print(
            f"  #{i:<5} {f.work_ms:6.1f}: {parts}; restyled {f.restyled}, dirty {f.dirty}, "
            f"ws {f.ws_messages}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", help="a ui_bench trace (UI_BENCH_TRACE=<f>: <f>.scroll.json)")
    parser.add_argument("--budget", type=float, default=16.0, help="ms of work a frame may use")
    parser.add_argument("--top", type=int, default=15, help="worst frames listed")
    args = parser.parse_args()
    events = load(args.trace)
    report(frames_of(events, renderer_main(events)), args.budget, args.top)


if __name__ == "__main__":
    main()
