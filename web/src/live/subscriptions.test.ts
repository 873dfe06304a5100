import { afterEach, describe, expect, it } from "vitest";
import { Connection } from "./connection";
import type { ClientMessage, PageFrame, Row } from "./protocol";
import { Subscriptions, type SubscriptionsOptions } from "./subscriptions";
import { FakeClock } from "./testing/fakeClock";
import { FakeSocketServer, type FakeSocket } from "./testing/fakeSocket";
import { FakeVisibility } from "./testing/fakeVisibility";

const teardown: Array<() => void> = [];
afterEach(() => {
  while (teardown.length) teardown.pop()!();
});

function setup(options: SubscriptionsOptions = {}) {
  const clock = new FakeClock();
  const server = new FakeSocketServer();
  const visibility = new FakeVisibility();
  const connection = new Connection({
    url: "ws://masthead.test/api/v1/live",
    openSocket: server.open,
    clock,
    random: () => 0.5,
  });
  const subscriptions = new Subscriptions(connection, { clock, visibility, ...options });
  teardown.push(() => subscriptions.dispose(), () => connection.stop());
  connection.start();
  server.last.accept();
  return { clock, server, visibility, connection, subscriptions };
}

/** Messages sent on a socket, without the watchdog's pings. */
function ops(socket: FakeSocket): ClientMessage[] {
  return socket.messages.filter((m) => m.op !== "ping");
}

function rows(offset: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({ uid: `u${offset + i}`, name: `pod-${offset + i}` }));
}

function page(sub: string, fields: Partial<PageFrame> = {}): PageFrame {
  return {
    type: "page",
    sub,
    version: "c1:pods:1:q",
    total: 100_000,
    offset: 0,
    rows: rows(0, 3),
    sources: [{ id: "pods@*", state: "live" }],
    warnings: [],
    ...fields,
  };
}

describe("Subscriptions", () => {
  it("subscribes with cluster, view, query and window", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({
      cluster: "c1",
      view: "pods",
      query: { sort: "name" },
      window: { offset: 0, limit: 120 },
    });
    expect(ops(server.last)).toEqual([
      {
        op: "subscribe",
        sub: sub.id,
        cluster: "c1",
        view: "pods",
        query: { sort: "name" },
        window: { offset: 0, limit: 120 },
        seq: 1,
      },
    ]);
    expect(sub.get()).toMatchObject({ loading: true, page: null, paused: false });
  });

  it("asks for a slower cadence only when given one, and again on resubscribe", () => {
    const { server, subscriptions } = setup();
    const slow = subscriptions.open({ cluster: "c1", view: "nodes", window: { offset: 0, limit: 10 }, interval: 2_000 });
    const fast = subscriptions.open({ cluster: "c1", view: "pods", window: { offset: 0, limit: 10 } });
    const sent = ops(server.last);
    expect(sent.find((m) => m.op === "subscribe" && m.sub === slow.id)).toMatchObject({ interval: 2_000 });
    expect(sent.find((m) => m.op === "subscribe" && m.sub === fast.id)).not.toHaveProperty("interval");
    slow.resubscribe();
    const again = ops(server.last).filter((m) => m.op === "subscribe" && m.sub === slow.id);
    expect(again).toHaveLength(2);
    expect(again[1]).toMatchObject({ interval: 2_000, seq: 2 });
  });

  it("gives distinct ids and unsubscribes on close", () => {
    const { server, subscriptions } = setup();
    const a = subscriptions.open({ cluster: "c1", view: "pods" });
    const b = subscriptions.open({ cluster: "c1", view: "nodes" });
    expect(a.id).not.toBe(b.id);
    a.close();
    expect(ops(server.last).at(-1)).toEqual({ op: "unsubscribe", sub: a.id });
    expect(subscriptions.size).toBe(1);
  });

  it("keeps the latest page and notifies listeners", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    let notified = 0;
    sub.subscribe(() => {
      notified += 1;
    });
    server.last.receive(page(sub.id, { version: "v1", seq: 1 }));
    server.last.receive(page(sub.id, { version: "v2", seq: 1, rows: rows(0, 2) }));
    expect(sub.get()).toMatchObject({ loading: false, page: { version: "v2", total: 100_000 } });
    expect(sub.get().page?.rows).toHaveLength(2);
    expect(notified).toBe(2);
  });

  it("keeps a page's sources and warnings objects while a new frame repeats them", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    server.last.receive(page(sub.id, { version: "v1", seq: 1, warnings: [{ code: "PartialAccess", message: "x" }] }));
    const first = sub.get().page!;
    server.last.receive(page(sub.id, { version: "v2", seq: 1, warnings: [{ code: "PartialAccess", message: "x" }] }));
    const second = sub.get().page!;
    expect(second.version).toBe("v2");
    expect(second.sources).toBe(first.sources);
    expect(second.warnings).toBe(first.warnings);
    server.last.receive(page(sub.id, { version: "v3", seq: 1, sources: [{ id: "pods@*", state: "stale" }] }));
    const third = sub.get().page!;
    expect(third.sources).not.toBe(first.sources);
    expect(third.sources[0]!.state).toBe("stale");
    expect(third.warnings).toEqual([]);
  });

  it("treats a repeated frame as a no-op (frames are idempotent)", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    server.last.receive(page(sub.id, { version: "v1" }));
    const before = sub.get();
    let notified = 0;
    sub.subscribe(() => {
      notified += 1;
    });
    server.last.receive(page(sub.id, { version: "v1" }));
    expect(notified).toBe(0);
    expect(sub.get()).toBe(before);
  });

  it("drops frames built for an older query (stale seq)", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods", query: { sort: "name" } });
    server.last.receive(page(sub.id, { version: "by-name", seq: 1 }));
    sub.setQuery({ sort: "age", desc: 1 }, { immediate: true });
    expect(ops(server.last).at(-1)).toEqual({
      op: "query",
      sub: sub.id,
      query: { sort: "age", desc: 1 },
      seq: 2,
    });
    expect(sub.get()).toMatchObject({ loading: true, query: { sort: "age", desc: 1 } });
    // A frame the server coalesced before it read the query op: still sorted by name.
    server.last.receive(page(sub.id, { version: "by-name-2", seq: 1 }));
    expect(sub.get().page?.version).toBe("by-name");
    server.last.receive(page(sub.id, { version: "by-age", seq: 2 }));
    expect(sub.get()).toMatchObject({ loading: false, page: { version: "by-age" } });
  });

  it("takes frames of an older window of the same query (their rows are still true)", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    sub.setWindow({ offset: 5_000, limit: 150 });
    server.last.receive(page(sub.id, { version: "v1", seq: 1, offset: 0 }));
    expect(sub.get().page?.offset).toBe(0);
    server.last.receive(page(sub.id, { version: "v1", seq: 2, offset: 5_000 }));
    expect(sub.get().page?.offset).toBe(5_000);
  });

  it("takes frames in arrival order from a server that does not echo seq", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    sub.setQuery({ sort: "age" }, { immediate: true });
    server.last.receive(page(sub.id, { version: "v9" }));
    expect(sub.get()).toMatchObject({ loading: false, page: { version: "v9" } });
  });

  it("ignores frames for unknown or closed subscriptions", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    sub.close();
    server.last.receive(page(sub.id));
    server.last.receive(page("nope"));
    expect(sub.get().page).toBeNull();
  });

  it("records error frames and clears them with the next page", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    const error = { code: 403, reason: "Forbidden", message: "pods is forbidden" };
    server.last.receive({ type: "error", sub: sub.id, error });
    expect(sub.get()).toMatchObject({ error, loading: false });
    server.last.receive(page(sub.id));
    expect(sub.get().error).toBeNull();
  });

  it("debounces query changes: one op after typing stops", () => {
    const { clock, server, subscriptions } = setup({ queryDebounceMs: 250 });
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    for (const q of ["w", "we", "web"]) {
      sub.setQuery({ q });
      clock.advance(100);
    }
    expect(ops(server.last).filter((m) => m.op === "query")).toEqual([]);
    expect(sub.get().query).toEqual({ q: "web" });
    clock.advance(250);
    expect(ops(server.last).filter((m) => m.op === "query")).toEqual([
      { op: "query", sub: sub.id, query: { q: "web" }, seq: 2 },
    ]);
  });

  it("sends nothing when a debounced query ends where it started", () => {
    const { clock, server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods", query: { q: "a" } });
    server.last.receive(page(sub.id, { seq: 1 }));
    sub.setQuery({ q: "ab" });
    sub.setQuery({ q: "a" });
    clock.advance(1_000);
    expect(ops(server.last).filter((m) => m.op === "query")).toEqual([]);
    expect(sub.get().loading).toBe(false);
  });

  it("moves the window with the scroll position, with overscan", () => {
    const { clock, server, subscriptions } = setup({ window: { overscan: 60, maxLimit: 1000 } });
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    expect(sub.get().window).toEqual({ offset: 0, limit: 120 }); // overscan only, before layout
    const windowOps = () => ops(server.last).filter((m) => m.op === "window");
    sub.setVisibleRange({ start: 0, end: 30 });
    sub.setVisibleRange({ start: 40, end: 70 }); // still inside the window
    expect(sub.get().window).toEqual({ offset: 0, limit: 120 });
    expect(windowOps()).toHaveLength(0);
    clock.advance(1_000);
    sub.setVisibleRange({ start: 4_000, end: 4_030 });
    expect(ops(server.last).at(-1)).toMatchObject({
      op: "window",
      sub: sub.id,
      window: { offset: 3_940, limit: 150 },
    });
  });

  it("throttles window ops while scrolling and always sends the last position", () => {
    const { clock, server, subscriptions } = setup({ windowThrottleMs: 50 });
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    const windowOps = () => ops(server.last).filter((m) => m.op === "window");
    for (let start = 1_000; start <= 10_000; start += 1_000) {
      sub.setVisibleRange({ start, end: start + 30 });
      clock.advance(10);
    }
    // 100 ms of scrolling through 10 positions: leading op + one per throttle interval.
    expect(windowOps().length).toBeLessThanOrEqual(3);
    clock.advance(50);
    const last = windowOps().at(-1);
    expect(last).toMatchObject({ window: { offset: 9_940, limit: 150 } });
    clock.advance(500);
    expect(windowOps().at(-1)).toEqual(last);
  });

  it("re-sends every subscription with its current query and window after a reconnect", () => {
    const { clock, server, subscriptions } = setup({ queryDebounceMs: 5_000 });
    const pods = subscriptions.open({ cluster: "c1", view: "pods" });
    const nodes = subscriptions.open({ cluster: "c2", view: "nodes" });
    pods.setWindow({ offset: 2_000, limit: 150 });
    nodes.setQuery({ q: "gpu" }); // still debouncing when the socket dies
    server.last.receive(page(pods.id, { version: "old", seq: 2 }));
    server.last.serverClose(1012);
    clock.advance(1_000);
    expect(server.sockets).toHaveLength(2);
    server.last.accept();
    const resent = ops(server.last);
    expect(resent).toEqual([
      {
        op: "subscribe",
        sub: pods.id,
        cluster: "c1",
        view: "pods",
        query: {},
        window: { offset: 2_000, limit: 150 },
        seq: 3,
      },
      {
        op: "subscribe",
        sub: nodes.id,
        cluster: "c2",
        view: "nodes",
        query: { q: "gpu" },
        window: expect.any(Object),
        seq: 2,
      },
    ]);
    // The last page stays on screen until the new socket's first frame replaces it.
    expect(pods.get().page?.version).toBe("old");
    server.last.receive(page(pods.id, { version: "new", seq: 3 }));
    expect(pods.get().page?.version).toBe("new");
    // No debounced query op follows: the subscribe already carried it.
    clock.advance(10_000);
    expect(ops(server.last).filter((m) => m.op === "query")).toEqual([]);
  });

  it("marks pages offline while the socket is down (the last page stays, nothing in it is live)", () => {
    const { clock, server, subscriptions } = setup();
    const pods = subscriptions.open({ cluster: "c1", view: "pods" });
    expect(pods.get().offline).toBe(false);
    server.last.receive(page(pods.id, { version: "before" }));
    const seen: boolean[] = [];
    pods.subscribe(() => seen.push(pods.get().offline));
    server.last.serverClose(1006);
    expect(pods.get()).toMatchObject({ offline: true, page: { version: "before" } });
    // Opened while down: offline from the start.
    expect(subscriptions.open({ cluster: "c1", view: "nodes" }).get().offline).toBe(true);
    clock.advance(1_000);
    server.last.accept();
    expect(pods.get().offline).toBe(false);
    expect(seen.filter((offline, i) => offline !== seen[i - 1])).toEqual([true, false]);
  });

  it("re-subscribes after a watchdog reconnect too", () => {
    const { clock, server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    clock.advance(45_000);
    clock.advance(1_000);
    server.last.accept();
    expect(ops(server.last)).toMatchObject([{ op: "subscribe", sub: sub.id }]);
  });

  it("pauses (unsubscribes) when the tab stays hidden and resumes when it returns", () => {
    const { clock, server, visibility, subscriptions } = setup({ pauseHiddenAfterMs: 5_000 });
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    server.last.receive(page(sub.id, { version: "v1", seq: 1 }));
    visibility.set(true);
    clock.advance(4_999);
    expect(sub.get().paused).toBe(false);
    clock.advance(1);
    expect(sub.get()).toMatchObject({ paused: true, page: { version: "v1" } });
    expect(ops(server.last).at(-1)).toEqual({ op: "unsubscribe", sub: sub.id });
    // While paused: frames in flight are ignored, scrolling only records the wish.
    server.last.receive(page(sub.id, { version: "v2", seq: 1 }));
    expect(sub.get().page?.version).toBe("v1");
    const sentWhilePaused = ops(server.last).length;
    sub.setWindow({ offset: 500, limit: 150 });
    sub.setQuery({ q: "api" }, { immediate: true });
    expect(ops(server.last)).toHaveLength(sentWhilePaused);
    visibility.set(false);
    expect(sub.get().paused).toBe(false);
    expect(ops(server.last).at(-1)).toEqual({
      op: "subscribe",
      sub: sub.id,
      cluster: "c1",
      view: "pods",
      query: { q: "api" },
      window: { offset: 500, limit: 150 },
      seq: 2,
    });
  });

  it("keeps streaming through a short hide (alt-tab)", () => {
    const { clock, server, visibility, subscriptions } = setup({ pauseHiddenAfterMs: 5_000 });
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    visibility.set(true);
    clock.advance(2_000);
    visibility.set(false);
    clock.advance(10_000);
    expect(sub.get().paused).toBe(false);
    expect(ops(server.last).filter((m) => m.op === "unsubscribe")).toEqual([]);
  });

  it("does not re-subscribe paused subscriptions on reconnect, and opens new ones paused", () => {
    const { clock, server, visibility, subscriptions } = setup({ pauseHiddenAfterMs: 0 });
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    visibility.set(true);
    clock.advance(0);
    const late = subscriptions.open({ cluster: "c1", view: "nodes" });
    expect(late.get().paused).toBe(true);
    server.last.serverClose();
    clock.advance(1_000);
    server.last.accept();
    expect(ops(server.last)).toEqual([]);
    visibility.set(false);
    expect(ops(server.last).map((m) => (m.op === "subscribe" ? m.sub : m.op))).toEqual([
      sub.id,
      late.id,
    ]);
  });

  it("sends nothing for changes while disconnected but keeps them for the reconnect", () => {
    const { clock, server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods" });
    server.last.serverClose();
    sub.setQuery({ sort: "restarts", desc: 1 }, { immediate: true });
    sub.setWindow({ offset: 300, limit: 150 });
    clock.advance(1_000);
    server.last.accept();
    expect(ops(server.last)).toEqual([
      expect.objectContaining({
        op: "subscribe",
        query: { sort: "restarts", desc: 1 },
        window: { offset: 300, limit: 150 },
      }),
    ]);
  });
});

describe("Subscriptions while the user scrolls (scrollHold.ts)", () => {
  // A window of rows 0..199 of 100k on screen; the user looks at rows 60..90 (covered with 60+
  // rows to spare on each side).
  function scrolledSetup() {
    const env = setup();
    const sub = env.subscriptions.open({ cluster: "c1", view: "pods", window: { offset: 0, limit: 200 } });
    env.server.last.receive(page(sub.id, { version: "v1", seq: 1, rows: rows(0, 200) }));
    sub.setVisibleRange({ start: 0, end: 30 }); // the table's first layout: not a scroll
    const frame = (version: string, fields: Partial<PageFrame> = {}) =>
      env.server.last.receive(page(sub.id, { version, seq: 1, rows: rows(0, 200), ...fields }));
    return { ...env, sub, frame };
  }

  it("holds change frames while the visible range moves and applies the newest when it stops", () => {
    const { clock, sub, frame } = scrolledSetup();
    let notified = 0;
    sub.subscribe(() => {
      notified += 1;
    });
    sub.setVisibleRange({ start: 60, end: 90 });
    frame("v2", { total: 100_001 });
    frame("v3", { total: 100_002 });
    expect(sub.get().page).toMatchObject({ version: "v1", total: 100_000 });
    expect(notified).toBe(0);
    clock.advance(100);
    sub.setVisibleRange({ start: 61, end: 91 });
    clock.advance(149);
    expect(sub.get().page?.version).toBe("v1");
    clock.advance(1);
    // 150 ms after the last move: only the newest frame is applied, in one notification.
    expect(sub.get().page).toMatchObject({ version: "v3", total: 100_002 });
    expect(notified).toBe(1);
    expect(sub.framesSuperseded).toBe(1); // v2, never applied
  });

  it("applies a held frame after 500 ms however long the scrolling goes on", () => {
    const { clock, sub, frame } = scrolledSetup();
    sub.setVisibleRange({ start: 60, end: 90 });
    frame("v2");
    for (let step = 1; step <= 9; step++) {
      clock.advance(50);
      sub.setVisibleRange({ start: 60 + step, end: 90 + step });
    }
    expect(sub.get().page?.version).toBe("v1");
    clock.advance(50);
    expect(sub.get().page?.version).toBe("v2");
    // The next frame waits again, from its own arrival.
    sub.setVisibleRange({ start: 80, end: 110 });
    frame("v3");
    expect(sub.get().page?.version).toBe("v2");
  });

  it("applies the held frame at once when the page on screen no longer covers the visible rows", () => {
    const { sub, frame } = scrolledSetup();
    sub.setVisibleRange({ start: 100, end: 130 });
    frame("v2", { offset: 40, rows: rows(40, 200) });
    expect(sub.get().page?.offset).toBe(0);
    // 19 rows below the visible range are fewer than the 20 the table may render.
    sub.setVisibleRange({ start: 151, end: 181 });
    expect(sub.get().page).toMatchObject({ version: "v2", offset: 40 });
    // And a frame arriving when the page on screen falls short is applied as it comes.
    sub.setVisibleRange({ start: 200, end: 230 });
    frame("v3", { offset: 140, rows: rows(140, 200) });
    expect(sub.get().page).toMatchObject({ version: "v3", offset: 140 });
  });

  it("takes the table's first visible range for its layout, not a scroll", () => {
    const { server, subscriptions } = setup();
    const sub = subscriptions.open({ cluster: "c1", view: "pods", window: { offset: 0, limit: 200 } });
    server.last.receive(page(sub.id, { version: "v1", seq: 1, rows: rows(0, 200) }));
    sub.setVisibleRange({ start: 0, end: 30 });
    server.last.receive(page(sub.id, { version: "v2", seq: 1, rows: rows(0, 200) }));
    expect(sub.get().page?.version).toBe("v2");
  });

  it("applies frames at once while the view stands still or waits for a query's first frame", () => {
    const { clock, server, sub, frame } = scrolledSetup();
    sub.setVisibleRange({ start: 60, end: 90 });
    clock.advance(150);
    frame("v2");
    expect(sub.get().page?.version).toBe("v2");
    sub.setVisibleRange({ start: 61, end: 91 });
    sub.setQuery({ sort: "age" }, { immediate: true });
    server.last.receive(page(sub.id, { version: "by-age", seq: 2, rows: rows(0, 200) }));
    expect(sub.get()).toMatchObject({ loading: false, page: { version: "by-age" } });
  });

  it("drops a held frame of the old query when the query changes", () => {
    const { clock, sub, frame } = scrolledSetup();
    sub.setVisibleRange({ start: 60, end: 90 });
    frame("v2");
    sub.setQuery({ sort: "age" }, { immediate: true });
    clock.advance(1_000);
    expect(sub.get()).toMatchObject({ loading: true, page: { version: "v1" } });
  });
});
