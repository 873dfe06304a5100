// Column definitions and the sort a table shows; how cells render lives with each view.

import type { ReactNode } from "react";
import type { Row } from "../live/protocol";

export interface ColumnDef {
  id: string;
  title: string;
  /** A CSS grid track: `240px`, `minmax(200px, 2fr)`, ... */
  width: string;
  sortable?: boolean;
  align?: "start" | "end";
  render?: (row: Row) => ReactNode;
}

export interface SortState {
  column: string;
  desc: boolean;
}

/** Clicking a header: a new column sorts ascending, the sorted one flips direction. */
export function nextSort(current: SortState | null, column: string): SortState {
  if (current && current.column === column) return { column, desc: !current.desc };
  return { column, desc: false };
}

export function renderCell(column: ColumnDef, row: Row): ReactNode {
  if (column.render) return column.render(row);
  const value = row[column.id];
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
