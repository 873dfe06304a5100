import { describe, expect, it } from "vitest";
import { actionBody, actionPlan, actionsFor, defaultInput, dryRunOutcome } from "./actions";
import type { Ref } from "./refs";

const ref = (group: string, resource: string, namespace = "shop", name = "web"): Ref => ({
  group,
  version: "v1",
  resource,
  kind: "",
  namespace,
  name,
  uid: "",
});

describe("actionsFor", () => {
  it("offers what each kind supports", () => {
    expect(actionsFor(ref("apps", "deployments"), null)).toEqual(["scale", "restart", "rollback", "delete"]);
    expect(actionsFor(ref("apps", "daemonsets"), null)).toEqual(["restart", "rollback", "delete"]);
    expect(actionsFor(ref("apps", "replicasets"), null)).toEqual(["scale", "delete"]);
    expect(actionsFor(ref("", "pods"), null)).toEqual(["delete"]);
    expect(actionsFor(ref("", "nodes", ""), { spec: { unschedulable: true } })).toEqual(["uncordon", "drain", "delete"]);
    expect(actionsFor(ref("", "nodes", ""), { spec: {} })).toEqual(["cordon", "drain", "delete"]);
    expect(actionsFor(ref("batch", "cronjobs"), { spec: { suspend: true } })).toEqual(["resume", "trigger", "delete"]);
    expect(actionsFor(ref("batch", "cronjobs"), { spec: { suspend: false } })).toEqual(["suspend", "trigger", "delete"]);
  });

  it("adds remove-finalizers only when finalizers are set", () => {
    expect(actionsFor(ref("", "configmaps"), { metadata: { finalizers: ["x/y"] } })).toEqual(["delete", "remove-finalizers"]);
  });
});

describe("actionBody", () => {
  it("builds the documented bodies", () => {
    expect(actionBody("scale", ref("apps", "statefulsets"), { replicas: 4 })).toEqual({ resource: "statefulsets", namespace: "shop", name: "web", replicas: 4 });
    expect(actionBody("cordon", ref("", "nodes", "", "n1"), {})).toEqual({ name: "n1" });
    expect(actionBody("rollback", ref("apps", "deployments"), { revision: 2 })).toEqual({ resource: "deployments", namespace: "shop", name: "web", revision: 2 });
    expect(actionBody("remove-finalizers", ref("", "configmaps"), {})).toEqual({ group: "", version: "v1", resource: "configmaps", namespace: "shop", name: "web" });
  });

  it("delete carries propagation and grace, and force replaces grace", () => {
    const pod = ref("", "pods");
    expect(actionBody("delete", pod, { propagationPolicy: "Foreground", gracePeriodSeconds: 5 })).toEqual({
      group: "",
      version: "v1",
      resource: "pods",
      namespace: "shop",
      name: "web",
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 5,
    });
    expect(actionBody("delete", pod, { ...defaultInput("delete", null), gracePeriodSeconds: 5, force: true })).toMatchObject({ force: true });
    expect(actionBody("delete", pod, { gracePeriodSeconds: 5, force: true })).not.toHaveProperty("gracePeriodSeconds");
  });

  it("drain sends only the options set", () => {
    expect(actionBody("drain", ref("", "nodes", "", "n1"), defaultInput("drain", null))).toEqual({ name: "n1", timeoutSeconds: 300 });
    expect(actionBody("drain", ref("", "nodes", "", "n1"), { gracePeriodSeconds: 0, force: true, deleteEmptyDirData: true, timeoutSeconds: 60 })).toEqual({
      name: "n1",
      timeoutSeconds: 60,
      gracePeriodSeconds: 0,
      force: true,
      deleteEmptyDirData: true,
    });
  });
});

it("plans and dry-run outcomes say what will happen", () => {
  const deployment = { ...ref("apps", "deployments"), kind: "Deployment" };
  expect(actionPlan("scale", deployment, { spec: { replicas: 3 } }, { replicas: 5 })).toBe("Scale Deployment shop/web from 3 to 5 replicas.");
  expect(actionPlan("delete", ref("", "pods"), null, { force: true })).toMatch(/^Force-delete pods shop\/web now/);
  expect(dryRunOutcome("scale", { kind: "Scale", spec: { replicas: 5 } })).toBe("The API server accepts: spec.replicas = 5.");
  expect(dryRunOutcome("trigger", { metadata: { name: "nightly-manual-abc123" } })).toContain("nightly-manual-abc123");
  expect(dryRunOutcome("delete", { metadata: { deletionTimestamp: "t", finalizers: ["a/b"] } })).toContain("a/b");
});
