// @vitest-environment jsdom
// The overview against a fake live server: each card's numbers from small live windows (counts
// are `limit: 0` windows), links that open the filtered views, the metrics state instead of a
// silent 0, a forbidden window that leaves the other cards working, updates pushed by frames,
// and the cards' windows paused with a hidden tab.
import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { Row, SourceFreshness } from "../live/protocol";
import { apiError, json, stubFetch } from "../app/testing/fakeApi";
import { liveHarness, type LiveHarness, type SubscribeOp } from "../app/testing/liveHarness";
import { decodeRoute } from "../app/urlState";
import { OverviewScreen } from "./OverviewScreen";

let live: LiveHarness;
afterEach(() => {
  cleanup();
  live?.dispose();
  vi.unstubAllGlobals();
});

const node = (name: string, status: string, cpu: number | null, requested: number): Row => ({
  uid: name,
  name,
  status,
  cpu_allocatable: 4000,
  memory_allocatable: 8 * 2 ** 30,
  cpu,
  memory: cpu === null ? null : 2 ** 30,
  cpu_requested: requested,
  memory_requested: requested * 2 ** 20,
});

const PODS: Row[] = [
  { uid: "p1", name: "web-1", namespace: "shop", status: "Running", restarts: 0 },
  { uid: "p2", name: "web-2", namespace: "shop", status: "CrashLoopBackOff", restarts: 42 },
  { uid: "p3", name: "batch-1", namespace: "data", status: "Pending", restarts: 0, age: Date.now() / 1000 - 600 },
];

const FAILING = "CrashLoopBackOff,Error,ImagePullBackOff,ErrImagePull,OOMKilled,CreateContainerConfigError,CreateContainerError,InvalidImageName,RunContainerError,ContainerStatusUnknown,Evicted,Failed";

const WARNING_EVENT: Row = {
  uid: "e9",
  name: "web-2.1",
  namespace: "shop",
  type: "Warning",
  reason: "BackOff",
  message: "Back-off restarting failed container",
  object: "pod/web-2",
  object_kind: "Pod",
  count: 7,
  last_seen: Date.now() / 1000 - 30,
};

/** Plays masthead: answers every subscribe op not answered yet with its window's page. */
function fakeCluster(metrics: SourceFreshness, { forbidNodes = false, pods = PODS, podSources = undefined as SourceFreshness[] | undefined } = {}) {
  const answered = new Set<string>();
  const liveSources = (id: string): SourceFreshness[] => (id === "pods" && podSources) || [{ id: `${id}@*`, state: "live", items: 3 }];
  const respond = (op: SubscribeOp) => {
    const status = op.query["facet.status"] as string | undefined;
    const limit = op.window.limit;
    const frame = (rows: Row[], sources: SourceFreshness[]) => live.page(op, { total: rows.length, rows: rows.slice(0, limit), sources });
    switch (op.view) {
      case "nodes":
        if (forbidNodes) {
          live.server.last.receive({ type: "error", sub: op.sub, error: { code: 403, reason: "Forbidden", message: 'nodes is forbidden: User "jane" cannot list resource "nodes"' } });
          return;
        }
        return frame([node("n1", "Ready", 1000, 1500), node("n2", "Ready,SchedulingDisabled", 500, 500), node("n3", "NotReady", null, 0)], [...liveSources("nodes"), metrics]);
      case "pods":
        return frame(status ? pods.filter((p) => status.split(",").includes(String(p.status))) : pods, [...liveSources("pods"), metrics]);
      case "deployments":
        return frame([{ uid: "d1", name: "web", namespace: "shop", desired: 2, ready_replicas: 1 }, { uid: "d2", name: "api", namespace: "shop", desired: 1, ready_replicas: 1 }], liveSources("deployments"));
      case "jobs":
        expect(status).toBe("Failed");
        return frame([{ uid: "j1", name: "etl", namespace: "data", status: "Failed", failed: 3 }], liveSources("jobs"));
      case "events":
        expect(op.query).toEqual({ "facet.type": "Warning", sort: "last_seen", desc: 1 });
        return frame([WARNING_EVENT], liveSources("events"));
      default:
        return frame([], []);
    }
  };
  return {
    answer: () =>
      act(() => {
        for (const op of live.subscribes()) {
          if (answered.has(op.sub + ":" + op.seq)) continue;
          answered.add(op.sub + ":" + op.seq);
          respond(op);
        }
      }),
    respond: (op: SubscribeOp) => act(() => respond(op)),
  };
}

const card = (name: string) => screen.getByRole("region", { name });
const hrefRoute = (link: HTMLElement) => decodeRoute(link.getAttribute("href") ?? "");

it("summarises nodes, pods, capacity, workloads, problems and warning events with links to filtered views", async () => {
  live = liveHarness();
  const cluster = fakeCluster({ id: "metrics", state: "ok" });
  render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" />);
  cluster.answer();

  await waitFor(() => expect(within(card("Nodes")).queryByText("Loading…")).toBeNull());
  const nodes = card("Nodes");
  expect(nodes.querySelector('[data-stat="ready"] dd')?.textContent).toBe("2");
  expect(nodes.querySelector('[data-stat="cordoned"] dd')?.textContent).toBe("1");
  const notReady = within(nodes).getByRole("link", { name: "1" });
  expect(hrefRoute(notReady)).toMatchObject({ screen: "view", view: "nodes", facets: { status: "NotReady" } });

  await waitFor(() => expect(card("Pods").querySelector('[data-stat="failing"] dd')?.textContent).toBe("1"));
  const pods = card("Pods");
  expect(pods.querySelector('[data-stat="total"] dd')?.textContent).toBe("3");
  expect(pods.querySelector('[data-stat="running"] dd')?.textContent).toBe("1");
  expect(pods.querySelector('[data-stat="pending"] dd')?.textContent).toBe("1");
  expect(pods.querySelector('[data-stat="other"] dd')?.textContent).toBe("0");
  expect(hrefRoute(within(pods.querySelector('[data-stat="failing"]') as HTMLElement).getByRole("link"))).toMatchObject({ view: "pods", facets: { status: FAILING } });
  // Counts are limit=0 windows (no rows travel); the nodes window is shared by three cards.
  const subscribes = live.subscribes();
  expect(subscribes.filter((op) => op.view === "pods" && op.window.limit === 0).length).toBe(6);
  expect(subscribes.filter((op) => op.view === "nodes").length).toBe(1);
  expect(subscribes.every((op) => op.window.offset === 0 && op.window.limit <= 1000)).toBe(true);
  expect(within(pods).getByTestId("freshness-pods").textContent).toBe("live");

  await waitFor(() => expect(card("CPU and memory").querySelector('[data-resource="cpu"] [data-value="used"]')?.textContent).toBe("1.5 cores (13%)"));
  const cpu = card("CPU and memory").querySelector('[data-resource="cpu"]')!;
  expect(cpu.querySelector('[data-value="requests"]')?.textContent).toBe("2 cores (17%)");
  expect(card("CPU and memory").querySelector('[data-resource="memory"] [data-value="requests"]')?.textContent).toBe("2Gi (8%)");
  expect(cpu.querySelector('[data-value="allocatable"]')?.textContent).toBe("12 cores");
  expect(screen.queryByTestId("metrics-state")).toBeNull();

  await waitFor(() => expect(screen.getByTestId("degraded-count").textContent).toBe("1 below desired replicas"));
  expect(hrefRoute(within(card("Workloads")).getByRole("link", { name: "shop/web" }))).toMatchObject({ view: "deployments", open: "shop/web" });
  expect(hrefRoute(within(card("Workloads")).getByRole("link", { name: "logs" }))).toEqual({
    screen: "logs",
    cluster: "c1",
    target: { namespace: "shop", kind: "Deployment", name: "web" },
  });

  await waitFor(() => expect(card("Problems").querySelector('[data-problem="failed-jobs"]')).not.toBeNull());
  const problems = card("Problems");
  expect(hrefRoute(within(problems).getByRole("link", { name: "shop/web-2" }))).toMatchObject({ view: "pods", open: "shop/web-2" });
  expect(problems.querySelector('[data-problem="failing-pods"]')?.textContent).toContain("42 restarts");
  expect(hrefRoute(within(problems).getByRole("link", { name: /Pending pods/ }))).toMatchObject({ view: "pods", facets: { status: "Pending" } });
  expect(hrefRoute(within(problems).getByRole("link", { name: "n3" }))).toMatchObject({ view: "nodes", open: "n3" });
  expect(hrefRoute(within(problems).getByRole("link", { name: "data/etl" }))).toMatchObject({ view: "jobs", open: "data/etl" });
  // Failing pods and failed jobs link to their logs; pending pods (nothing ran yet) do not.
  const logsLinks = within(problems).getAllByRole("link", { name: "logs" }).map(hrefRoute);
  expect(logsLinks).toContainEqual({ screen: "logs", cluster: "c1", target: { namespace: "shop", pod: "web-2" } });
  expect(logsLinks).toContainEqual({ screen: "logs", cluster: "c1", target: { namespace: "data", kind: "Job", name: "etl" } });
  expect(within(problems.querySelector('[data-problem="pending-pods"]') as HTMLElement).queryByRole("link", { name: "logs" })).toBeNull();

  await waitFor(() => expect(card("Recent warning events").textContent).toContain("Back-off restarting failed container"));
  expect(card("Recent warning events").textContent).toContain("Pod/shop/web-2");
  expect(card("Recent warning events").textContent).toContain("×7");
  expect(within(card("Recent warning events")).getByTestId("freshness-events").textContent).toBe("live");
});

it("updates when the server pushes a frame, without asking again", async () => {
  live = liveHarness();
  const cluster = fakeCluster({ id: "metrics", state: "ok" });
  render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" />);
  cluster.answer();
  await waitFor(() => expect(card("Pods").querySelector('[data-stat="total"] dd')?.textContent).toBe("3"));
  const sent = live.ops().length;
  const total = live.subscribes().find((op) => op.view === "pods" && op.window.limit === 0 && !op.query["facet.status"])!;
  const failing = live.subscribes().find((op) => op.view === "pods" && op.query["facet.status"] === FAILING && op.window.limit === 10)!;
  const more: Row[] = [...PODS, { uid: "p4", name: "web-3", namespace: "shop", status: "Error", restarts: 3 }];
  act(() => {
    live.page(total, { version: "v2", total: 4 });
    live.page(failing, { version: "v2", total: 2, rows: more.filter((p) => p.status !== "Running" && p.status !== "Pending"), sources: [{ id: "pods@*", state: "live" }] });
  });
  expect(card("Pods").querySelector('[data-stat="total"] dd')?.textContent).toBe("4");
  expect(within(card("Problems")).getByRole("link", { name: "shop/web-3" })).toBeTruthy();
  expect(live.ops().length).toBe(sent);
});

it("pauses its windows while the tab is hidden and resubscribes when it is back", async () => {
  let hidden = false;
  const listeners = new Set<() => void>();
  const visibility = {
    get hidden() {
      return hidden;
    },
    onChange: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  live = liveHarness({ visibility });
  const cluster = fakeCluster({ id: "metrics", state: "ok" });
  render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" />);
  cluster.answer();
  await waitFor(() => expect(card("Pods").querySelector('[data-stat="total"] dd')?.textContent).toBe("3"));
  const open = live.subscribes().length;

  act(() => {
    hidden = true;
    for (const listener of listeners) listener();
    live.clock.advance(10_000);
  });
  const unsubscribed = live.ops().filter((op) => op.op === "unsubscribe").length;
  expect(unsubscribed).toBe(open);
  expect(within(card("Pods")).getByTestId("freshness-pods").textContent).toBe("paused (tab hidden)");
  // The last numbers stay on screen meanwhile.
  expect(card("Pods").querySelector('[data-stat="total"] dd')?.textContent).toBe("3");

  act(() => {
    hidden = false;
    for (const listener of listeners) listener();
  });
  expect(live.subscribes().length).toBe(open * 2);
  cluster.answer();
  expect(within(card("Pods")).getByTestId("freshness-pods").textContent).toBe("live");
});

it("says why usage is missing when metrics are not ok, and keeps other cards when nodes are forbidden", async () => {
  live = liveHarness();
  const { unmount } = render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" />);
  fakeCluster({ id: "metrics", state: "absent", message: "metrics.k8s.io is not served" }).answer();
  const state = await screen.findByTestId("metrics-state");
  expect(state.textContent).toBe("Usage not shown — metrics absent: metrics.k8s.io is not served");
  expect(card("CPU and memory").querySelector('[data-resource="cpu"] [data-value="used"]')?.textContent).toBe("—");
  unmount();

  const forbidden = fakeCluster({ id: "metrics", state: "ok" }, { forbidNodes: true });
  const before = live.subscribes().length;
  render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" />);
  for (const op of live.subscribes().slice(before)) forbidden.respond(op);
  await waitFor(() => expect(within(card("Nodes")).getByRole("alert").textContent).toContain('nodes is forbidden: User "jane"'));
  await waitFor(() => expect(card("Pods").querySelector('[data-stat="total"] dd')?.textContent).toBe("3"));
  // Problems: what could be read is listed; unreadable nodes are an unknown, not "no problems".
  await waitFor(() => expect(card("Problems").querySelector('[data-problem="nodes-unknown"]')?.textContent).toContain("nodes is forbidden"));
  expect(card("Problems").querySelector('[data-problem="failing-pods"]')).not.toBeNull();
  expect(within(card("Problems")).queryByRole("alert")).toBeNull();
});

it("waits for an idle cluster: a banner with Connect instead of cards that would all fail", async () => {
  const calls = stubFetch((url, call) => {
    if (url.pathname === "/api/v1/clusters/c1/connect" && call.method === "POST") return json({}, 202);
    return apiError(503, "ClusterNotConnected", "cluster c1 is idle");
  });
  const changed = vi.fn();
  live = liveHarness();
  const { rerender } = render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" info={{ id: "c1", name: "c1", state: "idle", message: "closed" }} onClusterChanged={changed} />);
  const banner = screen.getByTestId("cluster-banner");
  expect(banner.textContent).toContain("idle");
  expect(banner.textContent).toContain("closed");
  expect(screen.queryByRole("region", { name: "Nodes" })).toBeNull();
  expect(calls.length).toBe(0);
  expect(live.subscribes()).toEqual([]);
  within(banner).getByRole("button", { name: "Connect" }).click();
  await waitFor(() => expect(changed).toHaveBeenCalled());
  expect(calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual(["POST /api/v1/clusters/c1/connect"]);

  rerender(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" info={{ id: "c1", name: "c1", state: "ready" }} onClusterChanged={changed} />);
  expect(screen.queryByTestId("cluster-banner")).toBeNull();
  expect(screen.getByRole("region", { name: "Nodes" })).toBeTruthy();
});

it("shows how far a syncing source got instead of counts that read as 0, then the counts", async () => {
  live = liveHarness();
  const syncing: SourceFreshness[] = [{ id: "pods@*", state: "syncing", synced: 1200, total: 100_000 }];
  render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" />);
  fakeCluster({ id: "metrics", state: "ok" }, { pods: [], podSources: syncing }).answer();
  await waitFor(() => expect(within(card("Pods")).getByTestId("syncing-placeholder").textContent).toBe("syncing 1,200 of ~100,000 — counts appear when the sync is done"));
  expect(card("Pods").querySelector('[data-stat="total"]')).toBeNull();
  expect(within(card("Pods")).getByTestId("freshness-pods").textContent).toBe("syncing 1200 of 100000");

  act(() => {
    for (const op of live.subscribes().filter((o) => o.view === "pods" && o.window.limit === 0)) {
      live.page(op, { version: "v2", total: op.query["facet.status"] ? 0 : 100_000, rows: [], sources: [{ id: "pods@*", state: "live", items: 100_000 }] });
    }
  });
  expect(within(card("Pods")).queryByTestId("syncing-placeholder")).toBeNull();
  expect(card("Pods").querySelector('[data-stat="total"] dd')?.textContent).toBe("100,000");
  expect(within(card("Pods")).getByTestId("freshness-pods").textContent).toBe("live");
});

it("a denied namespace leaves a card live, naming the namespace; polled sources say when they were listed", async () => {
  live = liveHarness();
  const podSources: SourceFreshness[] = [
    { id: "pods@team-a", state: "live", items: 3 },
    { id: "pods@kube-system", state: "forbidden", message: 'pods is forbidden: User "jane" cannot list resource "pods" in the namespace "kube-system"' },
  ];
  render(<OverviewScreen subscriptions={live.subscriptions} cluster="c1" />);
  fakeCluster({ id: "metrics", state: "ok" }, { podSources }).answer();
  await waitFor(() => expect(card("Pods").querySelector('[data-stat="total"] dd')?.textContent).toBe("3"));
  const badge = within(card("Pods")).getByTestId("freshness-pods");
  expect(badge.textContent).toBe("live (partial)");
  expect(badge.className).toContain("tone-ok");
  expect(within(card("Pods")).getByTestId("freshness-pods-denied").textContent).toBe("no access: kube-system");

  const lastPoll = new Date(Date.now() - 12_000).toISOString();
  const nextRetry = new Date(Date.now() + 18_000).toISOString();
  act(() => {
    for (const op of live.subscribes().filter((o) => o.view === "pods" && o.window.limit === 0)) {
      live.page(op, { version: "v3", sources: [{ id: "pods@team-a", state: "polled", items: 3, lastPoll, nextRetry }] });
    }
  });
  const polled = within(card("Pods")).getByTestId("freshness-pods");
  expect(polled.textContent).toBe("polled every ~30 s, last poll 12s ago");
  expect(polled.className).toContain("badge-polled");
  expect(within(card("Pods")).queryByTestId("freshness-pods-denied")).toBeNull();
});
