// A VirtualTable fed by a live subscription's page: the only component a page frame re-renders
// when it brings only rows (the view around it reads useLiveTable's status, which such a frame
// leaves equal), and within it only the rows whose objects changed (VirtualRow, stableRows.ts).

import { useCallback } from "react";
import type { PageFrame, Row } from "../live/protocol";
import type { SubscriptionSnapshot, WindowSubscription } from "../live/subscriptions";
import { pageRowAt } from "./useLiveTable";
import { useSelected } from "./useSelected";
import { VirtualTable, type VirtualTableProps } from "./VirtualTable";

export interface LiveVirtualTableProps extends Omit<VirtualTableProps, "total" | "rowAt"> {
  subscription: WindowSubscription | null;
}

const pageOf = (snapshot: SubscriptionSnapshot | null): PageFrame | null => snapshot?.page ?? null;

export function LiveVirtualTable({ subscription, ...props }: LiveVirtualTableProps) {
  const page = useSelected(subscription, pageOf);
  const rowAt = useCallback((index: number): Row | undefined => pageRowAt(page, index), [page]);
  return <VirtualTable {...props} total={page?.total ?? 0} rowAt={rowAt} />;
}
