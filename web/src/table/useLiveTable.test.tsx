// @vitest-environment jsdom
// The React binding end to end at unit level: a table bound to a real Subscriptions/Connection
// pair over a fake socket. Scrolling sends `window` ops, header clicks send `query` ops, and
// page frames become rows.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, expect, it } from "vitest";
import type { ClientMessage, Row } from "../live/protocol";
import type { Subscriptions, WindowSubscription } from "../live/subscriptions";
import type { ColumnDef } from "./columns";
import { RENDER_BLOCK } from "./renderBlocks";
import { useLiveTable } from "./useLiveTable";
import { useSelected } from "./useSelected";
import { LiveVirtualTable } from "./LiveVirtualTable";
import { HEADER_HEIGHT, ROW_HEIGHT } from "./VirtualTable";
import { liveHarness, useTableLayout } from "../app/testing/liveHarness";

const columns: ColumnDef[] = [
  { id: "name", title: "Name", width: "1fr", sortable: true },
  { id: "age", title: "Age", width: "80px", sortable: true },
];

function PodsTable({ subscriptions }: { subscriptions: Subscriptions }) {
  const table = useLiveTable(subscriptions, { cluster: "c1", view: "pods", initialQuery: { sort: "name" } });
  return (
    <LiveVirtualTable
      subscription={table.subscription}
      label="pods"
      columns={columns}
      sort={table.sort}
      onSortChange={table.setSort}
      onVisibleRangeChange={table.onVisibleRangeChange}
      scrollResetKey={table.queryKey}
    />
  );
}

let restore: Array<() => void> = [];
useTableLayout();
afterEach(() => {
  cleanup();
  for (const undo of restore) undo();
  restore = [];
});

function rows(offset: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({ uid: `u${offset + i}`, name: `pod-${offset + i}`, age: "1d" }));
}

it("binds a virtual table to a live subscription", () => {
  const live = liveHarness();
  restore.push(live.dispose);
  const { server, subscriptions } = live;

  render(<PodsTable subscriptions={subscriptions} />);
  const ops = () => server.last.messages.filter((m) => m.op !== "ping");
  const subscribe = ops()[0] as Extract<ClientMessage, { op: "subscribe" }>;
  expect(subscribe).toMatchObject({ op: "subscribe", cluster: "c1", view: "pods", query: { sort: "name" } });

  act(() => {
    server.last.receive({
      type: "page",
      sub: subscribe.sub,
      seq: subscribe.seq,
      version: "v1",
      total: 100_000,
      offset: 0,
      rows: rows(0, 120),
      sources: [{ id: "pods@*", state: "live" }],
      warnings: [],
    });
  });
  expect(screen.getByText("pod-0")).toBeTruthy();
  // A screen of rows plus the overscan, rounded out to whole render blocks; not the 100k.
  expect(screen.getAllByRole("row").length).toBeLessThanOrEqual(1 + 20 + 2 * 8 + 2 * RENDER_BLOCK);

  // Scrolling deep moves the subscription window there.
  const scroller = screen.getByRole("table");
  act(() => {
    scroller.scrollTop = HEADER_HEIGHT + 70_000 * ROW_HEIGHT;
    fireEvent.scroll(scroller);
  });
  const windowOp = ops().findLast((m) => m.op === "window");
  expect(windowOp).toMatchObject({ op: "window", sub: subscribe.sub });
  const { offset, limit } = (windowOp as Extract<ClientMessage, { op: "window" }>).window;
  expect(offset).toBeLessThan(70_000);
  expect(offset + limit).toBeGreaterThan(70_020);
  expect(document.querySelectorAll(".vt-placeholder").length).toBeGreaterThan(0);

  // Clicking a header re-sorts on the server: a `query` op, sent at once.
  fireEvent.click(screen.getByRole("button", { name: "Age" }));
  expect(ops().at(-1)).toMatchObject({ op: "query", sub: subscribe.sub, query: { sort: "age", desc: 0 } });
});

it("re-renders the view around the table only when its status changes, not for frames of rows or totals", () => {
  const live = liveHarness();
  restore.push(live.dispose);
  let viewRenders = 0;
  function Total({ subscription }: { subscription: WindowSubscription | null }) {
    const total = useSelected(subscription, (snapshot) => snapshot?.page?.total ?? 0);
    return <span data-testid="total">{total}</span>;
  }
  function View() {
    const table = useLiveTable(live.subscriptions, { cluster: "c1", view: "pods", initialQuery: { sort: "name" } });
    viewRenders += 1;
    return (
      <>
        <span data-testid="warnings">{table.status?.warnings.length ?? "-"}</span>
        <Total subscription={table.subscription} />
        <LiveVirtualTable subscription={table.subscription} label="pods" columns={columns} onVisibleRangeChange={table.onVisibleRangeChange} />
      </>
    );
  }
  render(<View />);
  const [subscribe] = live.subscribes();
  const sources = [{ id: "pods@*", state: "live" }];
  act(() => live.page(subscribe!, { version: "v1", total: 500, rows: rows(0, 120), sources }));
  expect(screen.getByTestId("total").textContent).toBe("500");
  expect(screen.getByText("pod-3")).toBeTruthy();
  const settled = viewRenders;

  // A frame with a changed row (same total, equal sources in a new array): the table shows it,
  // the view does not render again.
  const changed = rows(0, 120);
  changed[3] = { uid: "u3", name: "pod-3-renamed", age: "1d" };
  act(() => live.page(subscribe!, { version: "v2", total: 500, rows: changed, sources: [{ id: "pods@*", state: "live" }] }));
  expect(screen.getByText("pod-3-renamed")).toBeTruthy();
  expect(viewRenders).toBe(settled);

  // Scrolling moves the window (a snapshot change) and its frame brings other rows: still not.
  const scroller = screen.getByRole("table");
  act(() => {
    scroller.scrollTop = HEADER_HEIGHT + 300 * ROW_HEIGHT;
    fireEvent.scroll(scroller);
  });
  act(() => live.page(subscribe!, { version: "v3", total: 500, offset: 240, rows: rows(240, 150), sources }));
  expect(screen.getByText("pod-300")).toBeTruthy();
  expect(viewRenders).toBe(settled);

  // A new total (and new source counts) re-render the component showing it, not the view
  // (once the scrolling has paused: frames wait while it goes on, src/live/scrollHold.ts).
  act(() => live.clock.advance(150));
  const counted = [{ id: "pods@*", state: "live", items: 501 }];
  act(() => live.page(subscribe!, { version: "v4", total: 501, offset: 240, rows: rows(240, 150), sources: counted }));
  expect(screen.getByTestId("total").textContent).toBe("501");
  expect(viewRenders).toBe(settled);

  // A warning is the view's business.
  const warnings = [{ code: "PartialAccess", message: "some namespaces" }];
  act(() => live.page(subscribe!, { version: "v5", total: 501, offset: 240, rows: rows(240, 150), sources: counted, warnings }));
  expect(screen.getByTestId("warnings").textContent).toBe("1");
  expect(viewRenders).toBe(settled + 1);
});
