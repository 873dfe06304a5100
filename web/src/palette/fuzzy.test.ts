import { describe, expect, it } from "vitest";
import { fuzzyFilter, fuzzyMatch } from "./fuzzy";

describe("fuzzy matching", () => {
  it("matches characters in order, case-insensitively, and reports their positions", () => {
    expect(fuzzyMatch("dpl", "Deployments")?.positions).toEqual([0, 2, 3]);
    expect(fuzzyMatch("DEP", "deployments")).not.toBeNull();
    expect(fuzzyMatch("pld", "Deployments")).toBeNull();
    expect(fuzzyMatch("", "anything")).toEqual({ score: 0, positions: [] });
  });

  it("ranks prefixes, word starts and runs above scattered matches", () => {
    const items = ["PersistentVolumes", "Pods", "PodDisruptionBudgets", "ReplicaSets", "team-pods"];
    expect(fuzzyFilter(items, "pod", (s) => s, 10).map((r) => r.item)).toEqual(["Pods", "PodDisruptionBudgets", "team-pods"]);
    expect(fuzzyFilter(["configmaps", "cronjobs"], "cj", (s) => s, 10).map((r) => r.item)).toEqual(["cronjobs"]);
    expect(fuzzyFilter(["kube-system", "team-a", "system"], "sys", (s) => s, 10).map((r) => r.item)).toEqual(["system", "kube-system"]);
    // A word start beats the same letter mid-word.
    expect(fuzzyMatch("s", "x-s")!.score).toBeGreaterThan(fuzzyMatch("s", "xxs")!.score);
  });

  it("keeps the original order for equal scores and honours the limit", () => {
    const items = ["a1", "a2", "a3"];
    expect(fuzzyFilter(items, "", (s) => s, 2).map((r) => r.item)).toEqual(["a1", "a2"]);
  });
});
