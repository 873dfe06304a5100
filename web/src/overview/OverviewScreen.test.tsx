// @vitest-environment jsdom
// The overview against a fake API: each card's numbers, links that open the filtered views,
// the metrics state instead of a silent 0, and a forbidden card that leaves the others working.
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { Row, SourceFreshness } from "../live/protocol";
import { apiError, json, stubFetch } from "../app/testing/fakeApi";
import { decodeRoute } from "../app/urlState";
import { OverviewScreen } from "./OverviewScreen";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const node = (name: string, status: string, cpu: number | null): Row => ({
  uid: name,
  name,
  status,
  cpu_allocatable: 4000,
  memory_allocatable: 8 * 2 ** 30,
  cpu,
  memory: cpu === null ? null : 2 ** 30,
});

const PODS: Row[] = [
  { uid: "p1", name: "web-1", namespace: "shop", status: "Running", restarts: 0, cpu_request: 1000, memory_request: 2 ** 30 },
  { uid: "p2", name: "web-2", namespace: "shop", status: "CrashLoopBackOff", restarts: 42, cpu_request: 500, memory_request: 2 ** 29 },
  { uid: "p3", name: "batch-1", namespace: "data", status: "Pending", restarts: 0, cpu_request: 500, memory_request: 0, age: Date.now() / 1000 - 600 },
];

const FAILING = "CrashLoopBackOff,Error,ImagePullBackOff,ErrImagePull,OOMKilled,CreateContainerConfigError,CreateContainerError,InvalidImageName,RunContainerError,ContainerStatusUnknown,Evicted,Failed";

function page(rows: Row[], sources: SourceFreshness[], total = rows.length) {
  return json({ view: "", cluster: "c1", version: "v", total, offset: 0, rows, sources, warnings: [] });
}

function fakeCluster(metrics: SourceFreshness, forbidNodes = false) {
  return stubFetch((url) => {
    const path = url.pathname;
    const status = url.searchParams.get("facet.status");
    const limit = url.searchParams.get("limit");
    const live = (id: string): SourceFreshness[] => [{ id: `${id}@*`, state: "live", items: 3 }];
    if (path === "/api/v1/clusters/c1/views/nodes") {
      if (forbidNodes) return apiError(403, "Forbidden", 'nodes is forbidden: User "jane" cannot list resource "nodes"');
      return page([node("n1", "Ready", 1000), node("n2", "Ready,SchedulingDisabled", 500), node("n3", "NotReady", null)], [...live("nodes"), metrics]);
    }
    if (path === "/api/v1/clusters/c1/views/pods") {
      const rows = status ? PODS.filter((p) => status.split(",").includes(String(p.status))) : PODS;
      if (limit === "0") return page([], [...live("pods"), metrics], rows.length);
      return page(rows, [...live("pods"), metrics]);
    }
    if (path === "/api/v1/clusters/c1/views/deployments") {
      return page([{ uid: "d1", name: "web", namespace: "shop", desired: 2, ready_replicas: 1 }, { uid: "d2", name: "api", namespace: "shop", desired: 1, ready_replicas: 1 }], live("deployments"));
    }
    if (path === "/api/v1/clusters/c1/views/statefulsets" || path === "/api/v1/clusters/c1/views/daemonsets") return page([], []);
    if (path === "/api/v1/clusters/c1/views/jobs") {
      expect(status).toBe("Failed");
      return page([{ uid: "j1", name: "etl", namespace: "data", status: "Failed", failed: 3 }], live("jobs"));
    }
    if (path === "/api/v1/clusters/c1/events") {
      expect(url.searchParams.get("type")).toBe("Warning");
      return json({
        cluster: "c1",
        items: [{ id: 9, namespace: "shop", type: "Warning", reason: "BackOff", message: "Back-off restarting failed container", object_kind: "Pod", object_name: "web-2", count: 7, last_seen: new Date().toISOString() }],
        next: null,
      });
    }
    return apiError(404, "NotFound", `no route ${path}`);
  });
}

const card = (name: string) => screen.getByRole("region", { name });
const hrefRoute = (link: HTMLElement) => decodeRoute(link.getAttribute("href") ?? "");

it("summarises nodes, pods, capacity, workloads, problems and warning events with links to filtered views", async () => {
  const calls = fakeCluster({ id: "metrics", state: "ok" });
  render(<OverviewScreen cluster="c1" />);

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
  // Counts are limit=0 pages (no rows travel).
  expect(calls.filter((c) => c.url.pathname.endsWith("/views/pods") && c.url.searchParams.get("limit") === "0").length).toBe(6);
  expect(within(pods).getByTestId("freshness-pods").textContent).toBe("live");

  await waitFor(() => expect(card("CPU and memory").querySelector('[data-resource="cpu"] [data-value="used"]')?.textContent).toBe("1.5 cores (13%)"));
  const cpu = card("CPU and memory").querySelector('[data-resource="cpu"]')!;
  expect(cpu.querySelector('[data-value="requests"]')?.textContent).toBe("2 cores (17%)");
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
});

it("says why usage is missing when metrics are not ok, and keeps other cards when nodes are forbidden", async () => {
  fakeCluster({ id: "metrics", state: "absent", message: "metrics.k8s.io is not served" });
  const { unmount } = render(<OverviewScreen cluster="c1" />);
  const state = await screen.findByTestId("metrics-state");
  expect(state.textContent).toBe("Usage not shown — metrics absent: metrics.k8s.io is not served");
  expect(card("CPU and memory").querySelector('[data-resource="cpu"] [data-value="used"]')?.textContent).toBe("—");
  unmount();

  fakeCluster({ id: "metrics", state: "ok" }, true);
  render(<OverviewScreen cluster="c1" />);
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
  const { rerender } = render(<OverviewScreen cluster="c1" info={{ id: "c1", name: "c1", state: "idle", message: "closed" }} onClusterChanged={changed} />);
  const banner = screen.getByTestId("cluster-banner");
  expect(banner.textContent).toContain("idle");
  expect(banner.textContent).toContain("closed");
  expect(screen.queryByRole("region", { name: "Nodes" })).toBeNull();
  expect(calls.length).toBe(0);
  within(banner).getByRole("button", { name: "Connect" }).click();
  await waitFor(() => expect(changed).toHaveBeenCalled());
  expect(calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual(["POST /api/v1/clusters/c1/connect"]);

  rerender(<OverviewScreen cluster="c1" info={{ id: "c1", name: "c1", state: "ready" }} onClusterChanged={changed} />);
  expect(screen.queryByTestId("cluster-banner")).toBeNull();
  expect(screen.getByRole("region", { name: "Nodes" })).toBeTruthy();
});
