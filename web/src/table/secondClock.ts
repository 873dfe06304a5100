// One shared one-second clock for every ticking age on screen: a single interval while anything
// listens, so an age cell re-renders by itself each second instead of the whole table.

import { useSyncExternalStore } from "react";

const TICK_MS = 1000;
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function tick(): void {
  now = Date.now();
  for (const listener of [...listeners]) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(tick, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

const current = (): number => now;

/** `Date.now()` as of the shared clock's last tick (at most a second old). */
export function useSecondClock(): number {
  return useSyncExternalStore(subscribe, current, current);
}
