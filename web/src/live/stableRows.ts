// A page frame carries every row of the window, each a new object even when nothing in it
// changed. Keeping the previous object of a row that is equal (same uid, same cell values) lets
// the table's memoised rows skip it, so a frame re-renders only the rows that really changed.
// The same holds for the frame's sources and warnings, repeated in every frame: kept, they let
// the view's bar skip the frames that bring only rows (table/useSelected.ts).

import type { Row } from "./protocol";

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Nested cells (labels, conditions) are rare and small: compare their JSON.
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameRow(a: Row, b: Row): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!(key in b) || !sameValue(a[key], b[key])) return false;
  }
  return true;
}

/**
 * `next` with each row that equals the previous page's row of the same uid replaced by that
 * previous object; `next` itself when no row could be kept.
 */
export function keepUnchangedRows(previous: readonly Row[] | undefined, next: Row[]): Row[] {
  if (!previous || previous.length === 0) return next;
  const byUid = new Map<string, Row>();
  for (const row of previous) byUid.set(row.uid, row);
  let kept = 0;
  const rows = next.map((row) => {
    const old = byUid.get(row.uid);
    if (old !== undefined && sameRow(old, row)) {
      kept += 1;
      return old;
    }
    return row;
  });
  return kept === 0 ? next : rows;
}

/** `previous` when it holds the same values as `next` (compared as JSON), else `next`. */
export function keepEqual<T>(previous: T | undefined, next: T): T {
  return previous !== undefined && sameValue(previous, next) ? previous : next;
}
