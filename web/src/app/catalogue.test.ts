import { isValidElement, type ReactElement } from "react";
import { describe, expect, it } from "vitest";
import {
  columnsFor,
  formatBytes,
  formatQuantity,
  navGroups,
  objectPath,
  resolveView,
  statusTone,
  type ViewDef,
} from "./catalogue";

const pods: ViewDef = {
  name: "pods",
  title: "Pods",
  resource: { group: "", resource: "pods" },
  namespaced: true,
  columns: [
    { id: "name", title: "Name", type: "string", sortable: true },
    { id: "status", title: "Status", type: "string", sortable: true, facet: true },
    { id: "restarts", title: "Restarts", type: "int", sortable: true },
    { id: "qos", title: "QoS", type: "string", sortable: false },
    { id: "cpu_request", title: "CPU request", type: "quantity", sortable: true },
    { id: "memory_request", title: "Memory request", type: "quantity", sortable: true },
    { id: "age", title: "Age", type: "time", sortable: true },
  ],
  sort: { column: "name", desc: false },
};

describe("catalogue → columns", () => {
  const now = 1_000_000_000_000;
  const columns = columnsFor(pods, now);
  const byId = Object.fromEntries(columns.map((c) => [c.id, c]));
  const row = {
    uid: "u",
    name: "web-1",
    status: "CrashLoopBackOff",
    restarts: 7,
    cpu_request: 250,
    memory_request: 805306368,
    age: now / 1000 - 3 * 3600 - 25 * 60,
  };

  it("keeps order, titles and sortability from the catalogue", () => {
    expect(columns.map((c) => c.id)).toEqual(pods.columns.map((c) => c.id));
    expect(columns.map((c) => c.title)).toEqual(pods.columns.map((c) => c.title));
    expect(byId.qos!.sortable).toBe(false);
    expect(byId.age!.sortable).toBe(true);
  });

  it("renders time columns as kubectl ages and aligns numbers right", () => {
    expect(byId.age!.render!(row)).toBe("3h25m");
    expect(byId.age!.align).toBe("end");
    expect(byId.restarts!.align).toBe("end");
    expect(byId.name!.align).toBeUndefined();
  });

  it("formats quantities", () => {
    expect(byId.cpu_request!.render!(row)).toBe("250m");
    expect(byId.memory_request!.render!(row)).toBe("768Mi");
    expect(formatQuantity("cpu", 2000)).toBe("2");
    expect(formatQuantity("cpu", 33.693368)).toBe("34m");
    expect(formatQuantity("cpu", 1999.6)).toBe("2");
    expect(formatQuantity("cpu", 0)).toBe("0m");
    expect(formatQuantity("capacity", 107374182400)).toBe("100Gi");
    expect(formatQuantity("capacity", null)).toBe("");
    expect(formatBytes(512)).toBe("512");
    expect(formatBytes(1536)).toBe("1.5Ki");
  });

  it("colours status text", () => {
    const cell = byId.status!.render!(row) as ReactElement<{ className: string; children: string }>;
    expect(isValidElement(cell)).toBe(true);
    expect(cell.props.className).toBe("status status-bad");
    expect(cell.props.children).toBe("CrashLoopBackOff");
    expect(statusTone("Running")).toBe("ok");
    expect(statusTone("Bound")).toBe("ok");
    expect(statusTone("Pending")).toBe("warn");
    expect(statusTone("Init:0/2")).toBe("warn");
    expect(statusTone("Failed")).toBe("bad");
    expect(statusTone("")).toBe("");
  });

  it("renders durations and booleans", () => {
    const view: ViewDef = {
      name: "x",
      title: "X",
      columns: [
        { id: "duration", title: "Duration", type: "duration" },
        { id: "suspend", title: "Suspend", type: "bool" },
      ],
    };
    const [duration, suspend] = columnsFor(view, 0);
    expect(duration!.render!({ uid: "u", name: "n", duration: 150 })).toBe("2m30s");
    expect(duration!.render!({ uid: "u", name: "n", duration: null })).toBe("");
    expect(suspend!.render!({ uid: "u", name: "n", suspend: false })).toBe("False");
  });
});

describe("nav and object paths", () => {
  const view = (name: string, extra: Partial<ViewDef> = {}): ViewDef => ({ name, title: name, columns: [], ...extra });

  it("groups known views, puts new ones under Other and skips path templates", () => {
    const groups = navGroups([view("pods"), view("nodes"), view("widgets"), view("browse", { path: "browse/{g}" })]);
    expect(groups.map((g) => [g.title, g.views.map((v) => v.name)])).toEqual([
      ["Cluster", ["nodes"]],
      ["Workloads", ["pods"]],
      ["Other", ["widgets"]],
    ]);
  });

  it("builds object URLs for namespaced and cluster-scoped rows", () => {
    expect(objectPath("c1", pods, { uid: "u", namespace: "ns", name: "p 1" })).toBe(
      "/api/v1/clusters/c1/objects/core/v1/pods/ns/p%201",
    );
    const nodes = view("nodes", { resource: { group: "", resource: "nodes" } });
    expect(objectPath("c1", nodes, { uid: "u", name: "n1" })).toBe("/api/v1/clusters/c1/objects/core/v1/nodes/_/n1");
    const deploys = view("deployments", { resource: { group: "apps", resource: "deployments" } });
    expect(objectPath("c1", deploys, { uid: "u", namespace: "a", name: "d" })).toBe(
      "/api/v1/clusters/c1/objects/apps/v1/deployments/a/d",
    );
    expect(objectPath("c1", view("browse"), { uid: "u", name: "x" })).toBeNull();
  });

  it("resolves catalogue views and concrete browse views (with their version for object URLs)", () => {
    const generic = view("browse", { path: "browse/{group|core}/{version}/{resource}", columns: [{ id: "name", title: "Name", type: "string" }] });
    const catalogue = [view("pods", { resource: { group: "", resource: "pods" } }), generic];
    expect(resolveView(catalogue, "pods")?.name).toBe("pods");
    expect(resolveView(catalogue, "browse")).toBeNull(); // the template itself is not a view
    expect(resolveView(catalogue, "widgets")).toBeNull();
    const gadgets = resolveView(catalogue, "browse/example.com/v1alpha1/gadgets");
    expect(gadgets).toMatchObject({
      name: "browse/example.com/v1alpha1/gadgets",
      title: "gadgets (example.com/v1alpha1)",
      resource: { group: "example.com", resource: "gadgets", version: "v1alpha1" },
      columns: generic.columns,
    });
    expect(gadgets).not.toHaveProperty("path");
    expect(objectPath("c1", gadgets!, { uid: "u", namespace: "ns", name: "g" })).toBe("/api/v1/clusters/c1/objects/example.com/v1alpha1/gadgets/ns/g");
    expect(resolveView(catalogue, "browse/core/v1/configmaps")?.resource).toEqual({ group: "", resource: "configmaps", version: "v1" });
    expect(resolveView(catalogue, "browse/core/v1")).toBeNull();
    expect(resolveView([], "browse/core/v1/pods")).toBeNull();
  });
});
