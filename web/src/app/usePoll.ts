// Polls a loader every `intervalMs` (the next load starts after the previous one ended, so a
// slow server never sees overlapping requests). The last good value stays on screen when a load
// fails, next to the error; a hidden tab skips its turns.

import { useEffect, useRef, useState } from "react";
import { errorText } from "./api";

export interface PollState<T> {
  data: T | null;
  error: string | null;
  /** `Date.now()` of the last successful load. */
  updatedAt: number | null;
}

const EMPTY = { data: null, error: null, updatedAt: null };

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, key: string): PollState<T> {
  const [state, setState] = useState<PollState<T>>(EMPTY);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const abort = new AbortController();
    let timer: number | undefined;
    setState(EMPTY);
    const run = async () => {
      if (document.visibilityState !== "hidden") {
        try {
          const data = await loadRef.current(abort.signal);
          if (abort.signal.aborted) return;
          setState({ data, error: null, updatedAt: Date.now() });
        } catch (reason) {
          if (abort.signal.aborted) return;
          setState((previous) => ({ ...previous, error: errorText(reason) }));
        }
      }
      if (!abort.signal.aborted && intervalMs > 0) timer = window.setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [key, intervalMs]);

  return state;
}
