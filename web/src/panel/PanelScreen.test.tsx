// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { PanelScreen } from "./PanelScreen";
import { FakeApi, json, sseStream } from "./testing/fakeApi";

let api: FakeApi;
beforeEach(() => {
  api = new FakeApi();
  vi.stubGlobal("fetch", api.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const item = (id: number, action: string, code: number, dryRun = false) => ({
  id,
  at: `2026-01-01T00:00:0${id}Z`,
  who: "alice (token)",
  cluster: "c1",
  action,
  object: { group: "apps", resource: "deployments", namespace: "shop", name: "web" },
  parameters: { replicas: 3 },
  dryRun,
  result: { code, reason: code === 403 ? "Forbidden" : "", message: code === 403 ? "no" : "" },
});

it("the audit screen lists entries with export links and pages to older ones", async () => {
  api
    .on("GET", "/api/v1/audit?limit=100&cluster=c1", json({ items: [item(3, "scale", 200), item(2, "scale", 200, true)], next: 2 }))
    .on("GET", "/api/v1/audit?limit=100&cluster=c1&before=2", json({ items: [item(1, "delete", 403)], next: null }));
  render(<PanelScreen route={{ screen: "audit", cluster: "c1" }} />);
  const rows = await screen.findAllByTestId("audit-row");
  expect(rows.map((r) => within(r).getAllByRole("cell")[2]!.textContent)).toEqual(["scale", "scale (dry run)"]);
  expect(rows[0]!.textContent).toContain('{"replicas":3}');
  expect(screen.getByRole("link", { name: "JSON lines" }).getAttribute("href")).toBe("/api/v1/audit/export?format=jsonl");
  fireEvent.click(screen.getByRole("button", { name: "Older" }));
  await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(1));
  const refused = screen.getByTestId("audit-row");
  expect(refused.querySelector(".tone-bad")?.textContent).toBe("403 Forbidden no");
});

it("the logs screen follows the workload it names", async () => {
  api.on("GET", "/api/v1/clusters/c1/logs/stream?", sseStream([]).response);
  render(<PanelScreen route={{ screen: "logs", cluster: "c1", target: { namespace: "shop", kind: "StatefulSet", name: "db" } }} />);
  expect(screen.getByRole("heading").textContent).toBe("Logs — StatefulSet shop/db");
  await waitFor(() => expect(api.requests.some((r) => r.url.includes("kind=StatefulSet&name=db"))).toBe(true));
});
