import { describe, expect, it } from "vitest";
import {
  decodeRoute,
  encodeRoute,
  logsRoute,
  objectKey,
  overviewRoute,
  parseObjectKey,
  routeCluster,
  routeQuery,
  viewRoute,
  type ViewRoute,
} from "./urlState";

describe("URL state", () => {
  it("round-trips a view route with sort, filter, namespaces and open object", () => {
    const route: ViewRoute = {
      screen: "view",
      cluster: "prod/eu 1",
      view: "deployments",
      sort: "age",
      desc: true,
      q: "web & api",
      namespaces: ["team-a", "team-b"],
      open: "team-a/web-1",
    };
    const hash = encodeRoute(route);
    expect(hash.startsWith("#/c/prod%2Feu%201/deployments?")).toBe(true);
    expect(decodeRoute(hash)).toEqual(route);
  });

  it("keeps a bare view short and decodes it with defaults", () => {
    expect(encodeRoute(viewRoute("admin", "pods"))).toBe("#/c/admin/pods");
    expect(decodeRoute("#/c/admin/pods")).toEqual({ screen: "view", cluster: "admin", view: "pods", namespaces: [] });
  });

  it("opens a cluster on its overview; knows diagnostics and the kinds screen", () => {
    expect(encodeRoute(overviewRoute("prod eu"))).toBe("#/c/prod%20eu");
    expect(decodeRoute("#/c/prod%20eu")).toEqual({ screen: "overview", cluster: "prod eu" });
    expect(decodeRoute("#/c/admin/")).toEqual({ screen: "overview", cluster: "admin" });
    expect(encodeRoute({ screen: "diagnostics" })).toBe("#/diagnostics");
    expect(decodeRoute("#/diagnostics")).toEqual({ screen: "diagnostics" });
    expect(encodeRoute({ screen: "kinds", cluster: "a" })).toBe("#/c/a/~kinds");
    expect(decodeRoute("#/c/a/~kinds")).toEqual({ screen: "kinds", cluster: "a" });
    expect(routeCluster({ screen: "kinds", cluster: "a" })).toBe("a");
    expect(routeCluster({ screen: "diagnostics" })).toBe("");
    expect(routeCluster(null)).toBe("");
  });

  it("keeps a browse view name (with its slashes) in one path segment", () => {
    const route = viewRoute("a", "browse/apps/v1/deployments");
    expect(encodeRoute(route)).toBe("#/c/a/browse%2Fapps%2Fv1%2Fdeployments");
    expect(decodeRoute(encodeRoute(route))).toEqual(route);
  });

  it("round-trips selector and facet filters and turns them into the live query", () => {
    const route = viewRoute("a", "pods", { selector: "app=web,tier!=db", facets: { status: "CrashLoopBackOff,Error", qos: "Burstable" } });
    const hash = encodeRoute(route);
    expect(hash).toContain("facet.status=CrashLoopBackOff%2CError");
    expect(decodeRoute(hash)).toEqual(route);
    expect(routeQuery(route)).toEqual({ selector: "app=web,tier!=db", "facet.status": "CrashLoopBackOff,Error", "facet.qos": "Burstable" });
    expect(decodeRoute("#/c/a/pods?facet.=x&facet.status=")).not.toHaveProperty("facets");
  });

  it("drops desc without sort and ignores empty namespaces", () => {
    expect(encodeRoute({ ...viewRoute("a", "pods"), desc: true })).toBe("#/c/a/pods");
    expect(decodeRoute("#/c/a/pods?ns=,x,,")).toMatchObject({ namespaces: ["x"] });
    expect(decodeRoute("#/c/a/pods?sort=name")).toMatchObject({ sort: "name", desc: false });
  });

  it("knows the clusters screen and rejects unknown hashes", () => {
    expect(encodeRoute({ screen: "clusters" })).toBe("#/clusters");
    expect(decodeRoute("#/clusters")).toEqual({ screen: "clusters" });
    expect(decodeRoute("")).toBeNull();
    expect(decodeRoute("#/whatever")).toBeNull();
    expect(decodeRoute("#/c/%E0%A4%A/pods")).toMatchObject({ cluster: "%E0%A4%A" });
  });

  it("routes the audit and logs pages, with their cluster", () => {
    const logs = { screen: "logs", cluster: "prod eu", target: { namespace: "shop", kind: "Deployment", name: "web" } } as const;
    expect(encodeRoute(logs)).toBe("#/logs/prod%20eu/shop/Deployment/web");
    expect(decodeRoute("#/logs/prod%20eu/shop/Deployment/web")).toEqual(logs);
    expect(routeCluster(logs)).toBe("prod eu");
    expect(decodeRoute("#/audit")).toEqual({ screen: "audit" });
    expect(routeCluster({ screen: "audit" })).toBe("");
    expect(encodeRoute({ screen: "audit", cluster: "admin" })).toBe("#/audit/admin");
    expect(routeCluster(decodeRoute("#/audit/admin"))).toBe("admin");
    // A logs page of a kind without logs names no screen (the shell picks its default).
    expect(decodeRoute("#/logs/admin/shop/Service/web")).toBeNull();
    expect(logsRoute("admin", "daemonsets", { namespace: "kube-system", name: "proxy" })).toEqual({
      screen: "logs",
      cluster: "admin",
      target: { namespace: "kube-system", kind: "DaemonSet", name: "proxy" },
    });
    expect(logsRoute("admin", "services", { namespace: "shop", name: "web" })).toBeNull();
  });

  it("turns a route into the live query", () => {
    expect(routeQuery(viewRoute("a"))).toEqual({});
    expect(
      routeQuery({ ...viewRoute("a"), sort: "age", desc: true, q: "x", namespaces: ["n1", "n2"] }),
    ).toEqual({ sort: "age", desc: 1, q: "x", namespace: "n1,n2" });
  });

  it("identifies objects by namespace/name", () => {
    expect(objectKey({ namespace: "ns", name: "p" })).toBe("ns/p");
    expect(objectKey({ name: "node-1" })).toBe("node-1");
    expect(parseObjectKey("ns/p")).toEqual({ namespace: "ns", name: "p" });
    expect(parseObjectKey("node-1")).toEqual({ name: "node-1" });
  });
});
