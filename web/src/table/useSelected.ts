// A part of an observable's value, for a component that needs only that part: it re-renders when
// the part changes, not on every change of the whole. A live view's snapshot changes with every
// page frame and window move, while the view's bar (totals, badges, facets) changes rarely; the
// bar selects its part and skips the frames that only bring rows.

import { useCallback, useRef, useSyncExternalStore } from "react";
import type { ReadonlyObservable } from "../live/observable";

const noSubscription = () => () => {};

/**
 * `select(source.get())` (or `select(null)` without a source), kept as the same value while
 * `equal` says the newly selected one is equal to it, so React's compare of the hook's result
 * holds and the component is not re-rendered.
 */
export function useSelected<S, T>(
  source: ReadonlyObservable<S> | null,
  select: (value: S | null) => T,
  equal: (a: T, b: T) => boolean = Object.is,
): T {
  const last = useRef<{ value: S | null; select: (value: S | null) => T; selected: T } | null>(null);
  // A new `select` (an inline function, or one closing over new props) selects again, and the
  // previous result is still kept when equal.
  const read = (): T => {
    const value = source ? source.get() : null;
    const previous = last.current;
    if (previous && previous.value === value && previous.select === select) return previous.selected;
    const fresh = select(value);
    const selected = previous && equal(previous.selected, fresh) ? previous.selected : fresh;
    last.current = { value, select, selected };
    return selected;
  };
  const subscribe = useCallback(
    (listener: () => void) => (source ? source.subscribe(listener) : noSubscription()),
    [source],
  );
  return useSyncExternalStore(subscribe, read, read);
}

/** Equal when every own key holds the same value (`Object.is`). */
export function shallowEqual<T extends object>(a: T, b: T): boolean {
  if (a === b) return true;
  const keys = Object.keys(a) as Array<keyof T>;
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && Object.is(a[key], b[key]));
}
