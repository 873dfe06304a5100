// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { groupKinds, KindsScreen, parseResourcePath, type KindInfo } from "./KindsScreen";
import { apiError, json, stubFetch } from "./testing/fakeApi";
import { decodeRoute } from "./urlState";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const kind = (group: string, version: string, k: string, resource: string, extra: Partial<KindInfo> = {}): KindInfo => ({
  group,
  version,
  kind: k,
  resource,
  namespaced: true,
  verbs: ["get", "list", "watch"],
  allowed: { list: true, watch: true, get: true },
  count: null,
  ...extra,
});

const KINDS = [
  kind("apps", "v1", "Deployment", "deployments", { count: 66 }),
  kind("", "v1", "Pod", "pods"),
  kind("", "v1", "Node", "nodes", { namespaced: false, allowed: { list: false, watch: false, get: false } }),
  kind("example.com", "v1alpha1", "Gadget", "gadgets"),
  kind("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", { verbs: ["create"] }),
];

describe("kinds", () => {
  it("groups listable kinds by API group, core first, and filters by text", () => {
    const groups = groupKinds(KINDS, "");
    expect(groups.map((g) => g.group)).toEqual(["", "apps", "example.com"]);
    expect(groups[0]!.kinds.map((k) => k.kind)).toEqual(["Node", "Pod"]);
    expect(groupKinds(KINDS, "gadg").map((g) => g.kinds.map((k) => k.kind))).toEqual([["Gadget"]]);
  });

  it("parses a typed resource path", () => {
    expect(parseResourcePath("apps/v1/deployments")).toBe("browse/apps/v1/deployments");
    expect(parseResourcePath("v1/pods")).toBe("browse/core/v1/pods");
    expect(parseResourcePath(" core/v1/configmaps ")).toBe("browse/core/v1/configmaps");
    expect(parseResourcePath("pods")).toBeNull();
  });

  it("links every kind to its browse view and marks kinds the user cannot list", async () => {
    const calls = stubFetch(() => json({ items: KINDS }));
    render(<KindsScreen cluster="c1" onOpen={vi.fn()} />);
    const gadget = await screen.findByRole("link", { name: "Gadget" });
    expect(calls[0]!.url.pathname).toBe("/api/v1/clusters/c1/kinds");
    expect(decodeRoute(gadget.getAttribute("href")!)).toEqual({ screen: "view", cluster: "c1", view: "browse/example.com/v1alpha1/gadgets", namespaces: [] });
    expect(decodeRoute(screen.getByRole("link", { name: "Pod" }).getAttribute("href")!)).toMatchObject({ view: "browse/core/v1/pods" });
    const node = screen.getByRole("link", { name: "Node" }).closest("li")!;
    expect(node.textContent).toContain("no list access");
    expect(node.textContent).toContain("cluster-scoped");
    expect(screen.getByRole("link", { name: "Deployment" }).closest("li")!.textContent).toContain("66");
    expect(screen.queryByRole("link", { name: "SelfSubjectAccessReview" })).toBeNull();
    fireEvent.change(screen.getByRole("searchbox", { name: "filter kinds" }), { target: { value: "deploy" } });
    expect(screen.getAllByRole("link").map((a) => a.textContent)).toEqual(["Deployment"]);
  });

  it("falls back to a message and a path box when the server has no kinds endpoint", async () => {
    stubFetch(() => apiError(404, "NotFound", "no such API"));
    const onOpen = vi.fn();
    render(<KindsScreen cluster="c1" onOpen={onOpen} />);
    const note = await screen.findByRole("note");
    expect(note.textContent).toContain("does not list kinds yet");
    const box = screen.getByRole("textbox", { name: "resource path" });
    fireEvent.change(box, { target: { value: "pods" } });
    fireEvent.submit(box.closest("form")!);
    expect(onOpen).not.toHaveBeenCalled();
    expect(within(box.closest("form")!).getByText(/Type group\/version\/resource/)).toBeTruthy();
    fireEvent.change(box, { target: { value: "batch/v1/jobs" } });
    fireEvent.submit(box.closest("form")!);
    expect(onOpen).toHaveBeenCalledWith("browse/batch/v1/jobs");
  });

  it("shows other errors as errors, not as a missing endpoint", async () => {
    stubFetch(() => apiError(503, "ClusterNotConnected", "cluster c1 is idle"));
    render(<KindsScreen cluster="c1" onOpen={vi.fn()} />);
    expect((await screen.findByRole("alert")).textContent).toBe("ClusterNotConnected: cluster c1 is idle");
    expect(screen.queryByRole("note")).toBeNull();
  });
});
