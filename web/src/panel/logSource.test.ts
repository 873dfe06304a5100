import { expect, it } from "vitest";
import { DEFAULT_LOG_OPTIONS, logStreamUrl, logTargetFor } from "./logSource";

it("builds the logs stream query for a pod and for a workload", () => {
  const pod = new URL(logStreamUrl("admin", { namespace: "shop", pod: "web-0", container: "app" }, DEFAULT_LOG_OPTIONS), "http://x");
  expect(pod.pathname).toBe("/api/v1/clusters/admin/logs/stream");
  expect(Object.fromEntries(pod.searchParams)).toEqual({ namespace: "shop", pod: "web-0", container: "app", tail: "500", follow: "1" });

  const workload = new URL(
    logStreamUrl(
      "admin",
      { namespace: "shop", kind: "Deployment", name: "web" },
      { tail: "all", follow: false, include: ["GET", "POST"], exclude: ["healthz"], regex: "5\\d\\d", since: "2026-01-01T00:00:00Z" },
    ),
    "http://x",
  );
  expect(Object.fromEntries(workload.searchParams)).toEqual({
    namespace: "shop",
    kind: "Deployment",
    name: "web",
    tail: "all",
    follow: "0",
    include: "GET,POST",
    exclude: "healthz",
    regex: "5\\d\\d",
    since: "2026-01-01T00:00:00Z",
  });
});

it("names what to follow for pods and workloads only, checking the group when known", () => {
  expect(logTargetFor({ resource: "pods", namespace: "shop", name: "web-0" })).toEqual({ namespace: "shop", pod: "web-0" });
  expect(logTargetFor({ group: "apps", resource: "statefulsets", namespace: "shop", name: "db" })).toEqual({ namespace: "shop", kind: "StatefulSet", name: "db" });
  expect(logTargetFor({ resource: "jobs", namespace: "ops", name: "backup" })).toEqual({ namespace: "ops", kind: "Job", name: "backup" });
  // A custom resource reusing a built-in plural, a kind without logs, a cluster-scoped name.
  expect(logTargetFor({ group: "example.com", resource: "deployments", namespace: "shop", name: "web" })).toBeNull();
  expect(logTargetFor({ group: "", resource: "services", namespace: "shop", name: "web" })).toBeNull();
  expect(logTargetFor({ resource: "pods", namespace: "", name: "web-0" })).toBeNull();
});
