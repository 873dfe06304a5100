// Follows one log stream (SSE) into a bounded LogBuffer. Renders are batched: lines arriving
// within FLUSH_MS become one state update, so a chatty workload cannot re-render per line.

import { useEffect, useRef, useState } from "react";
import type { LogLine } from "../live/protocol";
import { errorText } from "./http";
import { LogBuffer, type BufferedLine } from "./logBuffer";
import { readSse } from "./sse";

const FLUSH_MS = 100;
/** Notices kept (pods joining/leaving, reconnects): the most recent ones matter. */
const NOTICE_CAP = 20;

export interface LogNotice {
  pod?: string;
  container?: string;
  event: string;
  message?: string;
}

export interface LogStreamState {
  lines: BufferedLine[];
  droppedClient: number;
  droppedServer: number;
  notices: LogNotice[];
  status: "connecting" | "streaming" | "ended" | "error";
  error: string | null;
}

const INITIAL: LogStreamState = {
  lines: [],
  droppedClient: 0,
  droppedServer: 0,
  notices: [],
  status: "connecting",
  error: null,
};

export function useLogStream(url: string | null, cap?: number): { state: LogStreamState; buffer: LogBuffer } {
  const bufferRef = useRef<LogBuffer | null>(null);
  bufferRef.current ??= new LogBuffer(cap);
  const buffer = bufferRef.current;
  const [state, setState] = useState<LogStreamState>(INITIAL);

  useEffect(() => {
    if (!url) return;
    const abort = new AbortController();
    buffer.clear();
    let notices: LogNotice[] = [];
    let status: LogStreamState["status"] = "connecting";
    let error: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Lines wait here until the flush: the buffer trims (an O(cap) splice) once per batch.
    let pending: LogLine[] = [];
    const publish = () => {
      timer = undefined;
      if (abort.signal.aborted) return;
      buffer.push(pending);
      pending = [];
      setState({
        lines: buffer.snapshot(),
        droppedClient: buffer.droppedClient,
        droppedServer: buffer.droppedServer,
        notices,
        status,
        error,
      });
    };
    const schedule = () => {
      timer ??= setTimeout(publish, FLUSH_MS);
    };
    setState(INITIAL);
    readSse(
      url,
      (event) => {
        status = "streaming";
        if (event.event === "line") {
          pending.push(JSON.parse(event.data) as LogLine);
          // A flood between flushes (or a throttled background tab) trims now, not at the flush.
          if (pending.length >= buffer.cap) {
            buffer.push(pending);
            pending = [];
          }
        }
        else if (event.event === "dropped") buffer.serverDropped((JSON.parse(event.data) as { dropped: number }).dropped);
        else if (event.event === "notice") notices = [...notices, JSON.parse(event.data) as LogNotice].slice(-NOTICE_CAP);
        else if (event.event === "end") status = "ended";
        schedule();
      },
      abort.signal,
    )
      .then(() => {
        if (status !== "ended") status = "ended";
        schedule();
      })
      .catch((reason: unknown) => {
        if (abort.signal.aborted) return;
        status = "error";
        error = errorText(reason);
        schedule();
      });
    return () => {
      abort.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [url, buffer]);

  return { state, buffer };
}
