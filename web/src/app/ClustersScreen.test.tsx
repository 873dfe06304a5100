// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { ServerMessage } from "../live/protocol";
import type { ClusterInfo } from "./api";
import { useClusters } from "./clusters";
import { ClustersScreen } from "./ClustersScreen";

afterEach(cleanup);

const LIST: ClusterInfo[] = [
  { id: "prod", name: "prod", state: "ready", message: "", readOnly: true, server: "https://prod" },
  { id: "dev", name: "dev", state: "idle", message: "", confirm: true },
  { id: "lab", name: "lab", state: "auth-failed", message: "token expired" },
];

function Harness({ source, onOpen }: { source: { onMessage(l: (m: ServerMessage) => void): () => void }; onOpen: (id: string) => void }) {
  const { clusters, error, refresh } = useClusters(source, 0);
  return <ClustersScreen clusters={clusters} error={error} current="prod" onOpen={onOpen} onChanged={refresh} />;
}

it("lists contexts with state, message and read-only marker; connects, and follows cluster frames", async () => {
  const calls: Array<[string, string]> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push([init?.method ?? "GET", url]);
      if (url === "/api/v1/clusters") return new Response(JSON.stringify(LIST), { status: 200 });
      return new Response(null, { status: 204 });
    }),
  );
  let listener: ((m: ServerMessage) => void) | null = null;
  const source = {
    onMessage(l: (m: ServerMessage) => void) {
      listener = l;
      return () => {
        listener = null;
      };
    },
  };
  const onOpen = vi.fn();
  render(<Harness source={source} onOpen={onOpen} />);

  await screen.findByText("token expired");
  const rows = screen.getAllByRole("row").slice(1);
  expect(rows.map((r) => r.getAttribute("data-cluster"))).toEqual(["prod", "dev", "lab"]);
  expect(rows[0]!.textContent).toContain("read-only");
  expect(rows[0]!.textContent).toContain("ready");
  expect(rows[2]!.textContent).toContain("auth-failed");
  expect(rows[1]!.textContent).toContain("confirm");
  expect(rows[0]!.textContent).not.toContain("confirm");
  // Connected clusters offer the namespaces editor; an idle one has nothing to try yet.
  expect(within(rows[0]!).getByRole("button", { name: "Add namespaces…" })).toBeTruthy();
  expect(within(rows[1]!).queryByRole("button", { name: "Add namespaces…" })).toBeNull();
  // Each context carries its accent swatch.
  expect(rows.map((r) => r.querySelector("[data-cluster-swatch]")?.getAttribute("data-cluster-swatch"))).toEqual(["prod", "dev", "lab"]);

  fireEvent.click(screen.getByRole("button", { name: "Connect" }));
  await waitFor(() => expect(calls).toContainEqual(["POST", "/api/v1/clusters/dev/connect"]));
  // The list is fetched again after the action.
  await waitFor(() => expect(calls.filter(([, u]) => u === "/api/v1/clusters").length).toBe(2));

  act(() => listener?.({ type: "cluster", cluster: "prod", state: "unreachable", message: "dial tcp: connection refused" }));
  expect(screen.getByText("dial tcp: connection refused")).toBeTruthy();
  expect(screen.getAllByRole("row")[1]!.textContent).toContain("unreachable");

  fireEvent.click(screen.getByRole("button", { name: "prod" }));
  expect(onOpen).toHaveBeenCalledWith("prod");
  vi.unstubAllGlobals();
});
