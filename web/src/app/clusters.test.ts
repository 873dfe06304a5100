import { describe, expect, it } from "vitest";
import { applyClusterFrame, clusterTone } from "./clusters";

describe("cluster frames", () => {
  const list = [
    { id: "a", name: "a", state: "ready", message: "" },
    { id: "b", name: "b", state: "idle" },
  ];
  it("update the matching cluster's state and message", () => {
    const next = applyClusterFrame(list, { type: "cluster", cluster: "a", state: "unreachable", since: "t1", message: "dial tcp: refused" });
    expect(next[0]).toMatchObject({ state: "unreachable", stateSince: "t1", message: "dial tcp: refused" });
    expect(next[1]).toBe(list[1]);
    expect(applyClusterFrame(list, { type: "cluster", cluster: "zz", state: "ready" })).toBe(list);
  });
  it("tones", () => {
    expect(clusterTone("ready")).toBe("ok");
    expect(clusterTone("syncing")).toBe("warn");
    expect(clusterTone("auth-failed")).toBe("bad");
    expect(clusterTone("idle")).toBe("muted");
  });
});
