import { expect, it } from "vitest";
import { kindResolver } from "./kinds";
import { objectUrl, parseObjectPath, refOfOwner, resourceOfKind } from "./refs";

it("parses an object URL and builds it back", () => {
  const path = "/api/v1/clusters/admin/objects/apps/v1/deployments/shop/web";
  const parsed = parseObjectPath(path);
  expect(parsed).toEqual({
    cluster: "admin",
    ref: { group: "apps", version: "v1", resource: "deployments", kind: "", namespace: "shop", name: "web", uid: "" },
  });
  expect(objectUrl("admin", parsed!.ref)).toBe(path);
  expect(objectUrl("admin", parsed!.ref, "history")).toBe(`${path}/history`);
});

it("maps core and cluster-scoped markers", () => {
  const parsed = parseObjectPath("/api/v1/clusters/c%201/objects/core/v1/nodes/_/node-1");
  expect(parsed?.cluster).toBe("c 1");
  expect(parsed?.ref).toMatchObject({ group: "", namespace: "", name: "node-1" });
  expect(objectUrl("c 1", parsed!.ref)).toBe("/api/v1/clusters/c%201/objects/core/v1/nodes/_/node-1");
  expect(parseObjectPath("/api/v1/clusters/a/views/pods")).toBeNull();
});

it("turns ownerReferences into refs", () => {
  expect(refOfOwner({ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u" }, "shop")).toEqual({
    group: "apps",
    version: "v1",
    resource: "replicasets",
    kind: "ReplicaSet",
    namespace: "shop",
    name: "web-1",
    uid: "u",
  });
  expect(refOfOwner({ apiVersion: "v1", kind: "Node", name: "n1", uid: "u" }, "kube-system")).toMatchObject({ group: "", namespace: "", resource: "nodes" });
  expect(resourceOfKind("Gadget")).toBe("gadgets");
  expect(resourceOfKind("Policy")).toBe("policies");
  expect(resourceOfKind("Ingress")).toBe("ingresses");
});

it("resolves owner kinds through the kinds list when the server has one", () => {
  const resolve = kindResolver([{ group: "example.com", version: "v1", kind: "Octopus", resource: "octopi", namespaced: true }]);
  const owner = { apiVersion: "example.com/v1", kind: "Octopus", name: "o", uid: "u" };
  expect(refOfOwner(owner, "sea", resolve)).toMatchObject({ group: "example.com", resource: "octopi", namespace: "sea" });
  expect(refOfOwner(owner, "sea", kindResolver(null)).resource).toBe("octopuses");
  const scoped = kindResolver([{ group: "example.com", version: "v1", kind: "Reef", resource: "reefs", namespaced: false }]);
  expect(refOfOwner({ apiVersion: "example.com/v1", kind: "Reef", name: "r", uid: "u" }, "sea", scoped).namespace).toBe("");
});
