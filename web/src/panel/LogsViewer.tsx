// The logs viewer: follow a pod or a whole workload (lines of every pod merged by time, each
// pod/container coloured), with tail/since/include/exclude/regex sent to the server, wrap,
// timestamps and JSON toggles, pause, download and the dropped-lines notice. The list is
// virtualized; the client buffer is bounded (LogBuffer) and its drops are counted on screen.

import { formatCount } from "../app/formatCount";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { stripAnsi } from "./ansi";
import type { BufferedLine } from "./logBuffer";
import { LogLineView, type LineLook } from "./LogLineView";
import { logStreamUrl, DEFAULT_LOG_OPTIONS, SINCE_CHOICES, type LogOptions, type LogTarget } from "./logSource";
import { compileRegex, regexError, splitTerms } from "./logText";
import { useLogStream } from "./useLogStream";
import { ErrorNote } from "./ErrorNote";
import "./panel.css";

const LINE_HEIGHT = 18;
const TAIL_CHOICES: Array<number | "all"> = [100, 500, 1000, 5000, "all"];

export interface LogsViewerProps {
  cluster: string;
  target: LogTarget;
  /** Containers of a pod target, for the container picker. */
  containers?: string[];
  /** Buffer cap override (tests). */
  cap?: number;
  /** Wall clock for `since` (tests). */
  now?: () => number;
}

function downloadText(name: string, text: string): void {
  const blob = new Blob([text], { type: "text/plain" });
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.download = name;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  URL.revokeObjectURL(href);
}

export function logsAsText(lines: BufferedLine[], withSource: boolean): string {
  return lines.map((l) => `${l.t} ${withSource ? `${l.pod}/${l.container} ` : ""}${stripAnsi(l.line)}`).join("\n") + "\n";
}

export function LogsViewer({ cluster, target, containers = [], cap, now = Date.now }: LogsViewerProps) {
  const [options, setOptions] = useState<LogOptions>(DEFAULT_LOG_OPTIONS);
  const [container, setContainer] = useState("");
  const [sinceChoice, setSinceChoice] = useState<number | null>(null);
  const [draft, setDraft] = useState({ include: "", exclude: "", regex: "" });
  const [look, setLook] = useState({ wrap: false, timestamps: false, json: false });
  const [paused, setPaused] = useState<BufferedLine[] | null>(null);

  const effectiveTarget: LogTarget = "pod" in target && container ? { ...target, container } : target;
  // Keyed by the target's value, not its identity: callers build the target inline.
  const targetKey = JSON.stringify(effectiveTarget);
  const url = useMemo(() => logStreamUrl(cluster, JSON.parse(targetKey) as LogTarget, options), [cluster, targetKey, options]);
  const { state } = useLogStream(url, cap);
  const lines = paused ?? state.lines;
  const showSource = !("pod" in target) || containers.length > 1;

  const regex = compileRegex(options.regex);
  const lineLook: LineLook = { timestamps: look.timestamps, showSource, json: look.json, terms: options.include, regex };
  const draftRegexError = regexError(draft.regex);

  const scrollRef = useRef<HTMLDivElement>(null);
  const variable = look.wrap || look.json;
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => LINE_HEIGHT,
    overscan: 20,
    getItemKey: (index) => lines[index]?.seq ?? index,
  });
  // New lines scroll into view only while the reader is at the bottom: scrolling up to read
  // stops the jump, scrolling back down (or "Latest") resumes it.
  const [atBottom, setAtBottom] = useState(true);
  const lastSeq = lines.at(-1)?.seq ?? -1;
  useEffect(() => {
    if (!paused && atBottom && lines.length > 0) virtualizer.scrollToIndex(lines.length - 1, { align: "end" });
  }, [lastSeq, lines.length, paused, atBottom, virtualizer]);
  const onScroll = () => {
    const el = scrollRef.current;
    if (el) setAtBottom(el.scrollTop + el.clientHeight >= el.scrollHeight - 2 * LINE_HEIGHT);
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (draftRegexError) return;
    setOptions((o) => ({ ...o, include: splitTerms(draft.include), exclude: splitTerms(draft.exclude), regex: draft.regex }));
  };
  const chooseSince = (seconds: number | null) => {
    setSinceChoice(seconds);
    setOptions((o) => ({ ...o, since: seconds === null ? "" : new Date(now() - seconds * 1000).toISOString() }));
  };
  const name = "pod" in target ? target.pod : target.name;

  return (
    <div className="logs" aria-label="logs">
      <form className="logs-bar" onSubmit={apply}>
        {containers.length > 1 && (
          <select aria-label="container" value={container} onChange={(e) => setContainer(e.target.value)}>
            <option value="">all containers</option>
            {containers.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        )}
        <label>
          tail{" "}
          <select
            aria-label="tail"
            value={String(options.tail)}
            onChange={(e) => setOptions((o) => ({ ...o, tail: e.target.value === "all" ? "all" : Number(e.target.value) }))}
          >
            {TAIL_CHOICES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          since{" "}
          <select
            aria-label="since"
            value={sinceChoice === null ? "" : String(sinceChoice)}
            onChange={(e) => chooseSince(e.target.value === "" ? null : Number(e.target.value))}
          >
            {SINCE_CHOICES.map((c) => (
              <option key={c.label} value={c.seconds === null ? "" : String(c.seconds)}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <input aria-label="include" placeholder="include a,b" value={draft.include} onChange={(e) => setDraft({ ...draft, include: e.target.value })} />
        <input aria-label="exclude" placeholder="exclude" value={draft.exclude} onChange={(e) => setDraft({ ...draft, exclude: e.target.value })} />
        <input
          aria-label="regex"
          placeholder="regex"
          aria-invalid={draftRegexError ? true : undefined}
          title={draftRegexError ?? undefined}
          value={draft.regex}
          onChange={(e) => setDraft({ ...draft, regex: e.target.value })}
        />
        <button type="submit" disabled={draftRegexError !== null}>
          Apply
        </button>
        <label>
          <input type="checkbox" checked={options.follow} onChange={(e) => setOptions((o) => ({ ...o, follow: e.target.checked }))} /> follow
        </label>
        <button type="button" aria-pressed={paused !== null} onClick={() => setPaused(paused ? null : state.lines)}>
          {paused ? "Resume" : "Pause"}
        </button>
        {(["wrap", "timestamps", "json"] as const).map((key) => (
          <label key={key}>
            <input type="checkbox" checked={look[key]} onChange={(e) => setLook({ ...look, [key]: e.target.checked })} /> {key}
          </label>
        ))}
        <button type="button" onClick={() => downloadText(`${name}.log`, logsAsText(state.lines, showSource))}>
          Download
        </button>
      </form>
      {draftRegexError && (
        <ErrorNote>
          regex: {draftRegexError}
        </ErrorNote>
      )}
      {state.error && (
        <ErrorNote>
          {state.error}
        </ErrorNote>
      )}
      {(state.droppedServer > 0 || state.droppedClient > 0) && (
        <div className="warning" role="note" data-testid="logs-dropped">
          {state.droppedServer > 0 && `${formatCount(state.droppedServer)} lines dropped by the server (reader too slow). `}
          {state.droppedClient > 0 && `${formatCount(state.droppedClient)} oldest lines dropped from this view (kept ${formatCount(state.lines.length)}).`}
        </div>
      )}
      <div className="logs-status muted" aria-live="polite">
        {state.status === "connecting" ? "Connecting…" : `${formatCount(lines.length)} lines`}
        {paused && state.lines.length > paused.length && ` (paused; newer lines waiting)`}
        {state.status === "ended" && " — stream ended"}
        {state.notices.length > 0 && (
          <span className="logs-notice">
            {" "}
            {state.notices
              .slice(-3)
              .map((n) => `${n.pod ?? ""}${n.container ? `/${n.container}` : ""} ${n.event}${n.message ? `: ${n.message}` : ""}`)
              .join(" · ")}
          </span>
        )}
      </div>
      {!atBottom && !paused && (
        <button type="button" className="logs-jump" onClick={() => setAtBottom(true)}>
          ↓ Latest
        </button>
      )}
      <div ref={scrollRef} className={`logs-scroll${look.wrap ? " logs-wrap" : ""}`} data-testid="logs-scroll" onScroll={onScroll}>
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const line = lines[item.index];
            if (!line) return null;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={variable ? virtualizer.measureElement : undefined}
                className="log-line"
                style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)`, minHeight: LINE_HEIGHT }}
              >
                <LogLineView line={line} look={lineLook} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
