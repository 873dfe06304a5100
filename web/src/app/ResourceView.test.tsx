// @vitest-environment jsdom
// The generic view end to end at unit level over a fake socket: catalogue columns, the initial
// query from the URL, freshness badge and warnings, `/` + typing → debounced query op, arrow keys
// + Enter → object panel (YAML tab), Esc closes.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, expect, it, vi } from "vitest";
import type { ClientMessage, Row } from "../live/protocol";
import type { ViewDef } from "./catalogue";
import { NavList } from "./NavList";
import { ResourceView } from "./ResourceView";
import { encodeRoute, type ViewRoute } from "./urlState";
import { liveHarness, useTableLayout } from "./testing/liveHarness";

const PODS: ViewDef = {
  name: "pods",
  title: "Pods",
  resource: { group: "", resource: "pods" },
  namespaced: true,
  columns: [
    { id: "name", title: "Name", type: "string", sortable: true },
    { id: "namespace", title: "Namespace", type: "string", sortable: true },
    { id: "status", title: "Status", type: "string", sortable: true },
    { id: "qos", title: "QoS", type: "string", sortable: false },
    { id: "age", title: "Age", type: "time", sortable: true },
  ],
  sort: { column: "name", desc: false },
};

let restore: Array<() => void> = [];
useTableLayout();
afterEach(() => {
  cleanup();
  for (const undo of restore) undo();
  restore = [];
  vi.unstubAllGlobals();
});

function rows(count: number): Row[] {
  const now = Date.now() / 1000;
  return Array.from({ length: count }, (_, i) => ({
    uid: `u${i}`,
    name: `pod-${i}`,
    namespace: "team-a",
    status: i === 1 ? "CrashLoopBackOff" : "Running",
    qos: "Burstable",
    age: now - 3 * 3600 - 90,
  }));
}

it("shows a catalogue view live, filters, and opens objects from the keyboard", async () => {
  const fetched: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      fetched.push(url);
      return new Response("kind: Pod\nmetadata:\n  name: pod-1\n", { status: 200 });
    }),
  );
  const live = liveHarness();
  restore.push(live.dispose);
  const { clock, server, subscriptions } = live;

  const routes: ViewRoute[] = [];
  function Harness() {
    const [route, setRoute] = useState<ViewRoute>({ screen: "view", cluster: "c1", view: "pods", namespaces: ["team-a"] });
    return (
      <ResourceView
        subscriptions={subscriptions}
        view={PODS}
        route={route}
        onRouteChange={(next) => {
          routes.push(next);
          setRoute(next);
        }}
      />
    );
  }
  render(<Harness />);

  const ops = () => server.last.messages.filter((m) => m.op !== "ping");
  const subscribe = ops().find((m) => m.op === "subscribe" && m.view === "pods") as Extract<ClientMessage, { op: "subscribe" }>;
  expect(subscribe.query).toEqual({ namespace: "team-a", sort: "name", desc: 0 });
  expect(ops().some((m) => m.op === "subscribe" && m.view === "namespaces")).toBe(true);

  act(() => {
    server.last.receive({
      type: "page",
      sub: subscribe.sub,
      seq: subscribe.seq,
      version: "v1",
      total: 3,
      offset: 0,
      rows: rows(3),
      sources: [
        { id: "pods@team-a", state: "syncing", synced: 3, total: 10 },
        { id: "pods@kube-system", state: "live", items: 0 },
      ],
      warnings: [{ code: "PartialAccess", message: "no access to namespace kube-system" }],
    });
  });
  // Columns from the catalogue, sortable only where it says so, ages and coloured status.
  expect(screen.getByRole("button", { name: "Name" })).toBeTruthy();
  expect(screen.queryByRole("button", { name: /QoS/ })).toBeNull();
  expect(screen.getAllByText("3h1m").length).toBe(3);
  expect(screen.getByText("CrashLoopBackOff").className).toBe("status status-bad");
  expect(screen.getByTestId("freshness").textContent).toBe("syncing 3 of 10");
  expect(document.querySelector(".view-bar .total")?.textContent).toBe(`3 ${PODS.title.toLowerCase()}`);
  expect(screen.getByRole("note").textContent).toContain("no access to namespace kube-system");
  // The partial-access warning offers the namespaces editor (one, however many warnings).
  expect(screen.getAllByRole("button", { name: "Add namespaces…" }).length).toBe(1);

  // `/` focuses the filter; typing is debounced into one query op and lands in the URL.
  fireEvent.keyDown(document.body, { key: "/" });
  const filter = screen.getByRole("searchbox", { name: "filter" });
  expect(document.activeElement).toBe(filter);
  fireEvent.change(filter, { target: { value: "pod-1" } });
  expect(routes.at(-1)).toMatchObject({ q: "pod-1" });
  expect(ops().at(-1)?.op).not.toBe("query");
  act(() => clock.advance(300));
  expect(ops().at(-1)).toMatchObject({ op: "query", query: { q: "pod-1", namespace: "team-a" } });
  fireEvent.keyDown(filter, { key: "Escape" });
  expect(document.activeElement).not.toBe(filter);

  // Arrow keys move the selection, Enter opens the panel with the YAML.
  fireEvent.keyDown(document.body, { key: "ArrowDown" });
  fireEvent.keyDown(document.body, { key: "ArrowDown" });
  expect(document.querySelector(".vt-selected")?.getAttribute("data-uid")).toBe("u1");
  fireEvent.keyDown(document.body, { key: "Enter" });
  expect(routes.at(-1)).toMatchObject({ open: "team-a/pod-1" });
  const panel = await screen.findByRole("complementary", { name: "object" });
  expect(panel.textContent).toContain("Burstable");
  fireEvent.click(within(panel).getByRole("tab", { name: "YAML" }));
  await waitFor(() => expect(panel.querySelector(".yaml")?.textContent).toContain("kind: Pod"));
  expect(fetched).toContain("/api/v1/clusters/c1/objects/core/v1/pods/team-a/pod-1?format=yaml");

  // Esc closes the panel (and clears it from the URL).
  fireEvent.keyDown(document.body, { key: "Escape" });
  expect(screen.queryByRole("complementary", { name: "object" })).toBeNull();
  expect(routes.at(-1)?.open).toBeUndefined();

  // A click opens too.
  fireEvent.click(screen.getByText("pod-2"));
  expect(routes.at(-1)).toMatchObject({ open: "team-a/pod-2" });
});

it("reopens the object named in the URL and keeps it while the first frame arrives", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response("kind: Node\n", { status: 200 })));
  const live = liveHarness();
  restore.push(live.dispose);
  const { server, subscriptions } = live;
  const nodes: ViewDef = { ...PODS, name: "nodes", title: "Nodes", namespaced: false, resource: { group: "", resource: "nodes" } };
  const onRouteChange = vi.fn();
  render(
    <ResourceView
      subscriptions={subscriptions}
      view={nodes}
      route={{ screen: "view", cluster: "c1", view: "nodes", namespaces: [], sort: "age", desc: true, open: "node-7" }}
      onRouteChange={onRouteChange}
    />,
  );
  const subscribe = server.last.messages.find((m) => m.op === "subscribe") as Extract<ClientMessage, { op: "subscribe" }>;
  expect(subscribe.query).toEqual({ sort: "age", desc: 1 });
  // Cluster-scoped: no namespace filter.
  expect(screen.queryByRole("button", { name: /namespaces/ })).toBeNull();
  act(() => {
    server.last.receive({ type: "page", sub: subscribe.sub, seq: subscribe.seq, version: "v", total: 0, offset: 0, rows: [], sources: [], warnings: [] });
  });
  const panel = await screen.findByRole("complementary", { name: "object" });
  fireEvent.click(within(panel).getByRole("tab", { name: "YAML" }));
  await waitFor(() => expect(panel.querySelector(".yaml")?.textContent).toContain("kind: Node"));
  expect(onRouteChange).not.toHaveBeenCalled();
});

it("lists the overview, every catalogue view and browse in the nav, marking the current one", () => {
  const views: ViewDef[] = [PODS, { ...PODS, name: "nodes", title: "Nodes" }, { ...PODS, name: "events", title: "Events" }];
  const nav = (current: string) => (
    <NavList
      catalogue={views}
      current={current}
      hrefFor={(view) => encodeRoute({ screen: "view", cluster: "c1", view, namespaces: [] })}
      overviewHref="#/c/c1"
      kindsHref="#/c/c1/~kinds"
    />
  );
  const { rerender } = render(nav("nodes"));
  const links = screen.getAllByRole("link");
  expect(links.map((a) => a.textContent)).toEqual(["Overview", "Nodes", "Events", "Pods", "Browse all kinds"]);
  expect(links[1]!.getAttribute("aria-current")).toBe("page");
  expect(links[3]!.getAttribute("href")).toBe("#/c/c1/pods");
  expect(links[4]!.getAttribute("href")).toBe("#/c/c1/~kinds");
  rerender(nav("~overview"));
  expect(screen.getByRole("link", { name: "Overview" }).getAttribute("aria-current")).toBe("page");
  expect(screen.getByRole("link", { name: "Nodes" }).getAttribute("aria-current")).toBeNull();
});

it("starts with the URL's facet and selector filters, removes a facet chip, and sends a typed selector", () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response("", { status: 200 })));
  const live = liveHarness();
  restore.push(live.dispose);
  const { clock, server, subscriptions } = live;
  const routes: ViewRoute[] = [];
  function Harness() {
    const [route, setRoute] = useState<ViewRoute>({
      screen: "view",
      cluster: "c1",
      view: "pods",
      namespaces: [],
      selector: "app=web",
      facets: { status: "CrashLoopBackOff,Error" },
    });
    return (
      <ResourceView
        subscriptions={subscriptions}
        view={PODS}
        route={route}
        onRouteChange={(next) => {
          routes.push(next);
          setRoute(next);
        }}
      />
    );
  }
  render(<Harness />);
  const ops = () => server.last.messages.filter((m) => m.op !== "ping");
  const subscribe = ops().find((m) => m.op === "subscribe" && m.view === "pods") as Extract<ClientMessage, { op: "subscribe" }>;
  expect(subscribe.query).toEqual({ selector: "app=web", "facet.status": "CrashLoopBackOff,Error", sort: "name", desc: 0 });

  const chip = screen.getByRole("button", { name: /status: CrashLoopBackOff, Error/ });
  fireEvent.click(chip);
  expect(ops().at(-1)).toMatchObject({ op: "query", query: { selector: "app=web", sort: "name", desc: 0 } });
  expect((ops().at(-1) as Extract<ClientMessage, { op: "query" }>).query).not.toHaveProperty("facet.status");
  expect(routes.at(-1)?.facets).toBeUndefined();
  expect(screen.queryByRole("button", { name: /status:/ })).toBeNull();

  const selector = screen.getByRole("searchbox", { name: "label selector" });
  expect((selector as HTMLInputElement).value).toBe("app=web");
  fireEvent.change(selector, { target: { value: "tier in (db, cache) " } });
  expect(routes.at(-1)).toMatchObject({ selector: "tier in (db, cache)" });
  act(() => clock.advance(300));
  expect(ops().at(-1)).toMatchObject({ op: "query", query: { selector: "tier in (db, cache)" } });

  // The server names a bad selector: the box is marked and the error shown.
  const lastQuery = ops().at(-1) as Extract<ClientMessage, { op: "query" }>;
  act(() => {
    server.last.receive({
      type: "error",
      sub: subscribe.sub,
      error: { code: 400, reason: "BadRequest", message: "selector: unexpected end", details: { parameter: "selector" } },
    });
  });
  expect(lastQuery.seq).toBeGreaterThan(0);
  expect(screen.getByRole("alert").textContent).toContain("selector: unexpected end");
  expect(selector.getAttribute("aria-invalid")).toBe("true");
});

it("shows status facets with counts, toggles values into the filter, and hides columns per view", async () => {
  window.localStorage.clear();
  const counts: Record<string, number> = { Running: 40, Pending: 2, CrashLoopBackOff: 1 };
  const countCalls: URL[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string) => {
      const url = new URL(input, "http://127.0.0.1");
      countCalls.push(url);
      const value = url.searchParams.get("facet.status") ?? "";
      return new Response(JSON.stringify({ total: counts[value] ?? 0, offset: 0, rows: [], sources: [], warnings: [] }), { status: 200 });
    }),
  );
  const live = liveHarness();
  restore.push(() => {
    live.dispose();
    window.localStorage.clear();
  });
  const { server, subscriptions } = live;
  const faceted: ViewDef = { ...PODS, columns: PODS.columns.map((c) => (c.id === "status" ? { ...c, facet: true } : c)) };
  const routes: ViewRoute[] = [];
  function Harness() {
    const [route, setRoute] = useState<ViewRoute>({ screen: "view", cluster: "c1", view: "pods", namespaces: ["team-a"] });
    return (
      <ResourceView
        subscriptions={subscriptions}
        view={faceted}
        route={route}
        onRouteChange={(next) => {
          routes.push(next);
          setRoute(next);
        }}
      />
    );
  }
  const { unmount } = render(<Harness />);
  const ops = () => server.last.messages.filter((m) => m.op !== "ping");

  const running = await screen.findByRole("button", { name: "Running 40" });
  expect(screen.getByRole("button", { name: "CrashLoopBackOff 1" })).toBeTruthy();
  expect(screen.queryByRole("button", { name: /^Evicted/ })).toBeNull(); // zero counts are not offered
  const sample = countCalls.find((u) => u.searchParams.get("facet.status") === "Running")!;
  expect(sample.pathname).toBe("/api/v1/clusters/c1/views/pods");
  expect(sample.searchParams.get("limit")).toBe("0");
  expect(sample.searchParams.get("namespace")).toBe("team-a");

  fireEvent.click(running);
  expect(ops().at(-1)).toMatchObject({ op: "query", query: { namespace: "team-a", "facet.status": "Running" } });
  expect(routes.at(-1)?.facets).toEqual({ status: "Running" });
  fireEvent.click(screen.getByRole("button", { name: "Pending 2" }));
  expect(routes.at(-1)?.facets).toEqual({ status: "Running,Pending" });
  expect(screen.getByRole("button", { name: "Pending 2" }).getAttribute("aria-pressed")).toBe("true");
  fireEvent.click(screen.getByRole("button", { name: "Running 40" }));
  fireEvent.click(screen.getByRole("button", { name: "Pending 2" }));
  expect(routes.at(-1)?.facets).toBeUndefined();
  expect((ops().at(-1) as Extract<ClientMessage, { op: "query" }>).query).not.toHaveProperty("facet.status");

  // Columns: hide QoS; the header loses it, and the choice survives a remount (per view).
  const headers = () => screen.getAllByRole("columnheader").map((h) => h.textContent?.replace(/[▲▼]/g, ""));
  expect(headers()).toContain("QoS");
  fireEvent.click(screen.getByRole("button", { name: /^Columns/ }));
  fireEvent.click(within(screen.getByRole("group", { name: "columns" })).getByRole("checkbox", { name: "QoS" }));
  expect(headers()).not.toContain("QoS");
  expect((within(screen.getByRole("group", { name: "columns" })).getByRole("checkbox", { name: "Name" }) as HTMLInputElement).disabled).toBe(true);
  expect(window.localStorage.getItem("masthead.columns.pods")).toBe('["qos"]');
  unmount();
  render(<Harness />);
  expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).not.toContain("QoS");
  expect(screen.getByRole("button", { name: /^Columns \(4\/5\)/ })).toBeTruthy();
});

it("says why usage is missing while metrics are not ok, and stops once they are; offline is not live", () => {
  const live = liveHarness();
  restore.push(live.dispose);
  const { server, subscriptions } = live;
  render(
    <ResourceView
      subscriptions={subscriptions}
      view={PODS}
      route={{ screen: "view", cluster: "c1", view: "pods", namespaces: [] }}
      onRouteChange={() => {}}
    />,
  );
  const subscribe = server.last.messages.find((m) => m.op === "subscribe" && m.view === "pods") as Extract<ClientMessage, { op: "subscribe" }>;
  const page = (metrics: { id: string; state: string; message?: string }) => ({
    type: "page" as const,
    sub: subscribe.sub,
    seq: subscribe.seq,
    version: `v-${metrics.state}`,
    total: 2,
    offset: 0,
    rows: rows(2),
    sources: [{ id: "pods@*", state: "live", items: 2 }, metrics],
    warnings: [],
  });
  act(() => server.last.receive(page({ id: "metrics", state: "absent", message: "404 page not found" })));
  expect(screen.getByTestId("metrics-state").textContent).toBe("Usage not shown — metrics absent: 404 page not found");
  // The rows themselves are live: an absent feed does not make the badge lie about them.
  expect(screen.getByTestId("freshness").textContent).toBe("live");
  act(() => server.last.receive(page({ id: "metrics", state: "ok" })));
  expect(screen.queryByTestId("metrics-state")).toBeNull();
  // The socket to masthead drops: the rows stay, but the badge no longer claims they are live.
  act(() => server.last.serverClose(1006));
  expect(screen.getByTestId("freshness").textContent).toBe("reconnecting");
  expect(screen.getByText("pod-1")).toBeTruthy();
});

it("follows the URL when it changes under the view (back/forward, a followed link)", () => {
  const live = liveHarness();
  restore.push(live.dispose);
  const { clock, server, subscriptions } = live;
  let navigate: (route: ViewRoute) => void = () => {};
  function Harness() {
    const [route, setRoute] = useState<ViewRoute>({ screen: "view", cluster: "c1", view: "pods", namespaces: [] });
    navigate = setRoute;
    return <ResourceView subscriptions={subscriptions} view={PODS} route={route} onRouteChange={setRoute} />;
  }
  render(<Harness />);
  const ops = () => server.last.messages.filter((m) => m.op !== "ping");
  const before = ops().length;
  act(() => navigate({ screen: "view", cluster: "c1", view: "pods", namespaces: ["team-b"], q: "web", selector: "app=web" }));
  expect(ops().slice(before)).toEqual([
    expect.objectContaining({ op: "query", query: { namespace: "team-b", q: "web", selector: "app=web", sort: "name", desc: 0 } }),
  ]);
  expect((screen.getByRole("searchbox", { name: "filter" }) as HTMLInputElement).value).toBe("web");
  expect((screen.getByRole("searchbox", { name: "label selector" }) as HTMLInputElement).value).toBe("app=web");
  // The view's own change goes out once (debounced), not again when it comes back as the URL.
  fireEvent.change(screen.getByRole("searchbox", { name: "filter" }), { target: { value: "api" } });
  act(() => clock.advance(300));
  expect(ops().filter((m) => m.op === "query").map((m) => (m as { query: { q?: string } }).query.q)).toEqual(["web", "api"]);
});
