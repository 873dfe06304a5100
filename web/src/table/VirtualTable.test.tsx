// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Row } from "../live/protocol";
import type { ColumnDef } from "./columns";
import { RENDER_BLOCK } from "./renderBlocks";
import { HEADER_HEIGHT, ROW_HEIGHT, VirtualTable } from "./VirtualTable";

const VIEWPORT_HEIGHT = 560; // 20 rows of 28 px below a 32 px header
const TOTAL = 100_000;

const columns: ColumnDef[] = [
  { id: "name", title: "Name", width: "1fr", sortable: true },
  { id: "namespace", title: "Namespace", width: "160px", sortable: true },
  { id: "node", title: "Node", width: "160px" },
];

function row(index: number): Row {
  return { uid: `uid-${index}`, name: `pod-${index}`, namespace: "default", node: "n1" };
}

/** jsdom has no layout: give the scroll container a viewport and let scrollTop be set. */
function fakeLayout() {
  const proto = HTMLElement.prototype;
  const saved = {
    clientHeight: Object.getOwnPropertyDescriptor(proto, "clientHeight"),
    clientWidth: Object.getOwnPropertyDescriptor(proto, "clientWidth"),
  };
  Object.defineProperty(proto, "clientHeight", {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("vt") ? VIEWPORT_HEIGHT : 0;
    },
  });
  Object.defineProperty(proto, "clientWidth", {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("vt") ? 900 : 0;
    },
  });
  proto.scrollTo = function scrollTo(this: HTMLElement, options?: ScrollToOptions | number) {
    if (typeof options === "object" && options.top !== undefined) this.scrollTop = options.top;
  } as HTMLElement["scrollTo"];
  return () => {
    for (const [key, descriptor] of Object.entries(saved)) {
      if (descriptor) Object.defineProperty(proto, key, descriptor);
      else delete (proto as unknown as Record<string, unknown>)[key];
    }
  };
}

let restoreLayout: () => void = () => {};
beforeEach(() => {
  restoreLayout = fakeLayout();
});
afterEach(() => {
  cleanup();
  restoreLayout();
});

const rowIndex = (r: HTMLElement) => Number(r.getAttribute("aria-rowindex"));

/** The body's rows in visual order (the DOM holds them rotated: TableBody.tsx recycles rows). */
function dataRows(): HTMLElement[] {
  return screen
    .getAllByRole("row")
    .filter((r) => rowIndex(r) !== 1)
    .sort((a, b) => rowIndex(a) - rowIndex(b));
}

describe("VirtualTable", () => {
  it("renders only a window's worth of 100k rows, with the scroll height of all of them", () => {
    const onVisibleRangeChange = vi.fn();
    render(
      <VirtualTable
        label="pods"
        columns={columns}
        total={TOTAL}
        rowAt={(i) => (i < 150 ? row(i) : undefined)}
        onVisibleRangeChange={onVisibleRangeChange}
      />,
    );
    const table = screen.getByRole("table", { name: "pods" });
    expect(table.getAttribute("aria-rowcount")).toBe(String(TOTAL + 1));
    const body = table.querySelector<HTMLElement>(".vt-body")!;
    expect(body.style.height).toBe(`${TOTAL * ROW_HEIGHT}px`);

    const rendered = dataRows();
    const onScreen = Math.ceil(VIEWPORT_HEIGHT / ROW_HEIGHT);
    expect(rendered.length).toBeGreaterThanOrEqual(onScreen - 2);
    expect(rendered.length).toBeLessThanOrEqual(onScreen + 2 * 8 + 2 * RENDER_BLOCK);
    expect(rendered[0]!.textContent).toContain("pod-0");
    expect(document.querySelectorAll(".vt-cell[role=cell]").length).toBe(
      rendered.length * columns.length,
    );
    expect(onVisibleRangeChange).toHaveBeenLastCalledWith({ start: 0, end: expect.any(Number) });
    const { end } = onVisibleRangeChange.mock.lastCall![0] as { end: number };
    expect(end).toBeGreaterThan(15);
    expect(end).toBeLessThan(30);
  });

  it("renders placeholders deep in the list until that window's rows arrive", () => {
    const onVisibleRangeChange = vi.fn();
    const rowAt = (i: number) => (i < 150 ? row(i) : undefined);
    const { rerender } = render(
      <VirtualTable
        label="pods"
        columns={columns}
        total={TOTAL}
        rowAt={rowAt}
        onVisibleRangeChange={onVisibleRangeChange}
      />,
    );
    const scroller = screen.getByRole("table");
    act(() => {
      scroller.scrollTop = HEADER_HEIGHT + 50_000 * ROW_HEIGHT;
      fireEvent.scroll(scroller);
    });
    const deep = dataRows();
    // The screen's 20 rows, 8 overscan each side, rounded out to whole blocks.
    expect(deep.length).toBeLessThanOrEqual(20 + 2 * 8 + 2 * RENDER_BLOCK);
    const indexes = deep.map((r) => Number(r.getAttribute("aria-rowindex")) - 2);
    expect(Math.min(...indexes)).toBeGreaterThan(49_980);
    expect(Math.max(...indexes)).toBeLessThan(50_040);
    expect(deep.every((r) => r.classList.contains("vt-placeholder"))).toBe(true);
    expect(onVisibleRangeChange).toHaveBeenLastCalledWith({
      start: expect.any(Number),
      end: expect.any(Number),
    });
    const { start } = onVisibleRangeChange.mock.lastCall![0] as { start: number };
    expect(start).toBeGreaterThanOrEqual(49_990);
    expect(start).toBeLessThanOrEqual(50_001);

    // The frame for that window arrives.
    rerender(
      <VirtualTable
        label="pods"
        columns={columns}
        total={TOTAL}
        rowAt={(i) => (i >= 49_940 && i < 50_090 ? row(i) : undefined)}
        onVisibleRangeChange={onVisibleRangeChange}
      />,
    );
    const filled = dataRows();
    expect(filled.some((r) => r.classList.contains("vt-placeholder"))).toBe(false);
    expect(filled[0]!.getAttribute("data-uid")).toMatch(/^uid-(49|50)\d{3}$/);
  });

  it("emits sort changes from sortable headers only", () => {
    const onSortChange = vi.fn();
    const { rerender } = render(
      <VirtualTable
        label="pods"
        columns={columns}
        total={10}
        rowAt={row}
        sort={null}
        onSortChange={onSortChange}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Name" }));
    expect(onSortChange).toHaveBeenLastCalledWith({ column: "name", desc: false });
    rerender(
      <VirtualTable
        label="pods"
        columns={columns}
        total={10}
        rowAt={row}
        sort={{ column: "name", desc: false }}
        onSortChange={onSortChange}
      />,
    );
    const nameHeader = screen.getAllByRole("columnheader")[0]!;
    expect(nameHeader.getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(screen.getByRole("button", { name: "Name" }));
    expect(onSortChange).toHaveBeenLastCalledWith({ column: "name", desc: true });
    expect(screen.queryByRole("button", { name: /Node/ })).toBeNull();
  });

  it("renders a row again only when it enters the viewport or its object changes", () => {
    const rendered: string[] = [];
    const counted: ColumnDef[] = [
      { id: "name", title: "Name", width: "1fr", render: (r) => (rendered.push(r.uid), r.name) },
    ];
    const rows = Array.from({ length: 300 }, (_, i) => row(i));
    const { rerender } = render(<VirtualTable label="pods" columns={counted} total={300} rowAt={(i) => rows[i]} />);
    const firstPaint = rendered.length;
    expect(firstPaint).toBeGreaterThan(15);

    // Scrolling by three rows stays within the rendered blocks: no row renders, none is added.
    rendered.length = 0;
    const before = dataRows().map((r) => r.getAttribute("data-uid"));
    const scroller = screen.getByRole("table");
    act(() => {
      scroller.scrollTop = 3 * ROW_HEIGHT;
      fireEvent.scroll(scroller);
    });
    expect(rendered).toEqual([]);
    expect(dataRows().map((r) => r.getAttribute("data-uid"))).toEqual(before);

    // Scrolling a block further renders that block's rows only, in the elements of the block
    // that scrolled out: no row element is added, removed or moved.
    const elements = [...document.querySelectorAll(".vt-body > [role='row']")];
    act(() => {
      scroller.scrollTop = HEADER_HEIGHT + 2 * RENDER_BLOCK * ROW_HEIGHT;
      fireEvent.scroll(scroller);
    });
    expect(rendered.length).toBe(RENDER_BLOCK);
    const after = dataRows().map((r) => r.getAttribute("data-uid"));
    expect(after).not.toContain("uid-0");
    expect(after).toContain(`uid-${before.length + RENDER_BLOCK - 1}`);
    expect([...document.querySelectorAll(".vt-body > [role='row']")]).toEqual(elements);
    // Assistive technology reads them in visual order: the rowgroup owns them in that order.
    const owns = document.querySelector(".vt-body")!.getAttribute("aria-owns")!.split(" ");
    expect(owns).toEqual(dataRows().map((r) => r.id));
    expect(new Set(owns).size).toBe(owns.length);
    expect(owns).not.toEqual(elements.map((e) => e.id)); // the DOM order is a rotation of it

    // A new frame (new rowAt) where only row 20 (on screen) is a new object: only row 20 renders.
    rendered.length = 0;
    const next = [...rows];
    next[20] = { ...row(20), name: "pod-20-restarted" };
    rerender(<VirtualTable label="pods" columns={counted} total={300} rowAt={(i) => next[i]} />);
    expect(rendered).toEqual(["uid-20"]);
    expect(screen.getByText("pod-20-restarted")).toBeTruthy();
  });
});

describe("VirtualTable scrolling", () => {
  it("renders a scroll's new rows in a task after the scroll event, not inside it", async () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(i));
    render(<VirtualTable label="pods" columns={columns} total={300} rowAt={(i) => rows[i]} />);
    const scroller = screen.getByRole("table");
    const firstUid = () => dataRows()[0]!.getAttribute("data-uid");
    expect(firstUid()).toBe("uid-0");
    // Outside act(): what the browser does. The frame that dispatched the scroll event renders
    // without the React commit (the overscan covers it); the new rows follow in the next task.
    const warn = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      scroller.scrollTop = HEADER_HEIGHT + 100 * ROW_HEIGHT;
      scroller.dispatchEvent(new Event("scroll")); // not fireEvent: it wraps the event in act()
      expect(firstUid()).toBe("uid-0");
      await waitFor(() => expect(firstUid()).not.toBe("uid-0"));
    } finally {
      warn.mockRestore();
    }
    expect(Number(firstUid()!.slice(4))).toBeGreaterThan(80);
  });
});

describe("VirtualTable cell clipping", () => {
  /** Each cell 100 px wide, its text 10 px a character (jsdom has no layout). */
  function fakeCellWidths(): () => void {
    const proto = HTMLElement.prototype;
    const saved = Object.getOwnPropertyDescriptor(proto, "scrollWidth");
    const clientWidth = Object.getOwnPropertyDescriptor(proto, "clientWidth")!;
    Object.defineProperty(proto, "scrollWidth", {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains("vt-cell") ? (this.textContent ?? "").length * 10 : 0;
      },
    });
    Object.defineProperty(proto, "clientWidth", {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains("vt-cell") ? 100 : (clientWidth.get!.call(this) as number);
      },
    });
    return () => {
      if (saved) Object.defineProperty(proto, "scrollWidth", saved);
      else delete (proto as unknown as Record<string, unknown>).scrollWidth;
      Object.defineProperty(proto, "clientWidth", clientWidth);
    };
  }

  /** The text of each clipped body cell, and of the columns (by header) they are in. */
  const clipped = () => [...document.querySelectorAll(".vt-body .vt-cell.vt-clip")].map((c) => c.textContent);

  it("clips a column's cells once one of them overflows, and starts over on a new grid", () => {
    const restore = fakeCellWidths();
    try {
      const rows = [
        { uid: "a", name: "short", namespace: "default", node: "n1" },
        { uid: "b", name: "a-name-longer-than-ten-chars", namespace: "default", node: "n1" },
      ];
      const { rerender } = render(<VirtualTable label="pods" columns={columns} total={2} rowAt={(i) => rows[i]} />);
      // Row b's name overflows: the name column clips, short names too; the others do not.
      expect(clipped()).toEqual(["short", "a-name-longer-than-ten-chars"]);

      // Row a's namespace grows past its cell: that column clips as well, before any paint.
      const next = [{ ...rows[0]!, namespace: "a-long-namespace" }, rows[1]!];
      rerender(<VirtualTable label="pods" columns={columns} total={2} rowAt={(i) => next[i]} />);
      expect(clipped()).toEqual(["short", "a-long-namespace", "a-name-longer-than-ten-chars", "default"]);

      // Other widths (a new grid): the choice starts over from what these rows need.
      const narrow = columns.map((c) => ({ ...c, width: "100px" }));
      const fitting = [{ ...rows[0]!, namespace: "default" }, { ...rows[1]!, name: "short-too" }];
      rerender(<VirtualTable label="pods" columns={narrow} total={2} rowAt={(i) => fitting[i]} />);
      expect(clipped()).toEqual([]);
    } finally {
      restore();
    }
  });
});
