import { expect, it } from "vitest";
import { namespaceRestricted, parseNamespaceList } from "./namespaceAccess";

it("parses names separated by commas, spaces and new lines, dropping duplicates", () => {
  expect(parseNamespaceList(" team-b,kube-system\nteam-b  a1 ,,", 10)).toEqual({ names: ["team-b", "kube-system", "a1"], error: null });
  expect(parseNamespaceList("   ", 10)).toEqual({ names: [], error: null });
});

it("names the first bad entry and refuses more than the cap", () => {
  expect(parseNamespaceList("team-b, Team_C, -x", 10).error).toMatch(/^"Team_C" is not a valid namespace name/);
  expect(parseNamespaceList("ok " + "x".repeat(64), 10).error).toMatch(/^"x{64}" is not a valid/);
  expect(parseNamespaceList("a-", 10).error).toMatch(/^"a-" is not/);
  expect(parseNamespaceList("a b c", 2)).toEqual({ names: null, error: "at most 2 namespaces, got 3" });
});

it("a page mirrored per namespace, or with a partial-access warning, is restricted", () => {
  const everywhere = [{ id: "pods@*", state: "live" }, { id: "metrics", state: "ok" }];
  expect(namespaceRestricted({ sources: everywhere, warnings: [] })).toBe(false);
  expect(namespaceRestricted({ sources: [{ id: "pods@team-a", state: "live" }], warnings: [] })).toBe(true);
  expect(namespaceRestricted({ sources: everywhere, warnings: [{ code: "PartialJoin", message: "x" }] })).toBe(false);
  expect(namespaceRestricted({ sources: everywhere, warnings: [{ code: "PartialAccess", message: 'no access in namespace "x"' }] })).toBe(true);
});
