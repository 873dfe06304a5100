// @vitest-environment jsdom
// The palette against a fake API: fuzzy jumps to views, clusters and namespaces from the
// keyboard, objects found by name with `q=`, views that could not be searched named.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { ClusterInfo } from "../app/api";
import type { ViewDef } from "../app/catalogue";
import { apiError, json, stubFetch } from "../app/testing/fakeApi";
import type { Route } from "../app/urlState";
import { CommandPalette, isPaletteShortcut } from "./CommandPalette";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const CLUSTERS: ClusterInfo[] = [
  { id: "admin", name: "admin", state: "ready" },
  { id: "prod-eu", name: "prod-eu", state: "idle" },
];
const view = (name: string, title: string): ViewDef => ({ name, title, columns: [], resource: { group: "", resource: name } });
const CATALOGUE: ViewDef[] = [view("pods", "Pods"), view("deployments", "Deployments"), view("nodes", "Nodes"), { ...view("browse", "Browse"), path: "browse/{group|core}/{version}/{resource}" }];

function fakeApi() {
  return stubFetch((url) => {
    const [, , , , , , viewName] = url.pathname.split("/");
    if (viewName === "namespaces") return json({ total: 2, offset: 0, rows: [{ uid: "n1", name: "kube-system" }, { uid: "n2", name: "team-a" }], sources: [], warnings: [] });
    const q = url.searchParams.get("q");
    if (viewName === "pods") return json({ total: 1, offset: 0, rows: [{ uid: "p1", name: `${q}-7d9f8-x2k4p`, namespace: "shop" }], sources: [], warnings: [] });
    if (viewName === "nodes") return apiError(403, "Forbidden", "nodes is forbidden");
    return json({ total: 0, offset: 0, rows: [], sources: [], warnings: [] });
  });
}

function open(route: Route | null = { screen: "view", cluster: "admin", view: "deployments", namespaces: [], q: "x" }) {
  const navigate = vi.fn();
  const close = vi.fn();
  render(<CommandPalette clusters={CLUSTERS} catalogue={CATALOGUE} cluster="admin" route={route} onNavigate={navigate} onClose={close} />);
  const input = screen.getByRole("combobox", { name: "jump to" });
  return { navigate, close, input };
}

const labels = () => screen.getAllByRole("option").map((o) => o.querySelector(".palette-label")?.textContent);

it("recognises Ctrl-K and Cmd-K only", () => {
  expect(isPaletteShortcut({ key: "k", ctrlKey: true, metaKey: false, altKey: false })).toBe(true);
  expect(isPaletteShortcut({ key: "K", ctrlKey: false, metaKey: true, altKey: false })).toBe(true);
  expect(isPaletteShortcut({ key: "k", ctrlKey: false, metaKey: false, altKey: false })).toBe(false);
  expect(isPaletteShortcut({ key: "k", ctrlKey: true, metaKey: false, altKey: true })).toBe(false);
});

it("fuzzy-jumps to a view with arrows and Enter; Esc closes", () => {
  fakeApi();
  const { navigate, close, input } = open();
  expect(document.activeElement).toBe(input);
  fireEvent.change(input, { target: { value: "dep" } });
  expect(labels()[0]).toBe("Deployments");
  fireEvent.change(input, { target: { value: "o" } });
  const all = labels();
  expect(all).toContain("Overview");
  expect(all).not.toContain("Browse"); // the template view is not a jump target
  fireEvent.change(input, { target: { value: "nod" } });
  expect(labels()[0]).toBe("Nodes");
  fireEvent.keyDown(input, { key: "Enter" });
  expect(navigate).toHaveBeenCalledWith({ screen: "view", cluster: "admin", view: "nodes", namespaces: [] });
  expect(close).toHaveBeenCalledTimes(1);
  fireEvent.keyDown(input, { key: "Escape" });
  expect(close).toHaveBeenCalledTimes(2);
});

it("jumps to a cluster's overview and sets the namespace filter of the current view", async () => {
  fakeApi();
  const { navigate, input } = open();
  fireEvent.change(input, { target: { value: "prod" } });
  expect(labels()[0]).toBe("prod-eu");
  fireEvent.keyDown(input, { key: "Enter" });
  expect(navigate).toHaveBeenLastCalledWith({ screen: "overview", cluster: "prod-eu" });

  fireEvent.change(input, { target: { value: "team" } });
  await waitFor(() => expect(labels()).toContain("team-a"));
  const options = screen.getAllByRole("option");
  const index = options.findIndex((o) => o.textContent?.startsWith("team-a"));
  for (let i = 0; i < index; i += 1) fireEvent.keyDown(input, { key: "ArrowDown" });
  expect(options[index]!.getAttribute("aria-selected")).toBe("true");
  fireEvent.keyDown(input, { key: "Enter" });
  // The current view (deployments, with its text filter) narrowed to the namespace.
  expect(navigate).toHaveBeenLastCalledWith({ screen: "view", cluster: "admin", view: "deployments", namespaces: ["team-a"], q: "x", open: undefined });
});

it("finds objects by name with q= (debounced) and names views it could not search", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const calls = fakeApi();
  const { navigate, input } = open(null);
  fireEvent.change(input, { target: { value: "w" } });
  fireEvent.change(input, { target: { value: "web" } });
  await act(async () => {
    await vi.advanceTimersByTimeAsync(250);
  });
  await waitFor(() => expect(labels()).toContain("web-7d9f8-x2k4p"));
  const searches = calls.filter((c) => c.url.searchParams.has("q"));
  expect(new Set(searches.map((c) => c.url.searchParams.get("q")))).toEqual(new Set(["web"]));
  expect(searches.every((c) => c.url.searchParams.get("limit") === "5")).toBe(true);
  expect(screen.getByText(/Not searched: nodes/)).toBeTruthy();
  const found = (kind: string) => screen.getAllByRole("option").filter((o) => o.getAttribute("data-kind") === kind);
  expect(found("object").map((o) => o.textContent)).toEqual(["web-7d9f8-x2k4ppod · shop"]);
  fireEvent.click(found("object")[0]!);
  expect(navigate).toHaveBeenLastCalledWith({ screen: "view", cluster: "admin", view: "pods", namespaces: [], open: "shop/web-7d9f8-x2k4p" });
  // A pod found is also a jump to its logs page.
  expect(found("logs").map((o) => o.textContent)).toEqual(["web-7d9f8-x2k4plogs · pod · shop"]);
  fireEvent.click(found("logs")[0]!);
  expect(navigate).toHaveBeenLastCalledWith({ screen: "logs", cluster: "admin", target: { namespace: "shop", pod: "web-7d9f8-x2k4p" } });
});

it("jumps to the audit log of all clusters or of the current one", () => {
  fakeApi();
  const { navigate, input } = open();
  fireEvent.change(input, { target: { value: "audit" } });
  const audit = screen.getAllByRole("option").filter((o) => o.querySelector(".palette-label")?.textContent === "Audit log");
  expect(audit.map((o) => o.querySelector(".palette-detail")?.textContent)).toEqual(["actions taken, all clusters", "actions taken on admin"]);
  fireEvent.click(audit[1]!);
  expect(navigate).toHaveBeenLastCalledWith({ screen: "audit", cluster: "admin" });
});
