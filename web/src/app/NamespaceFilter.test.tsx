// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import { Connection } from "../live/connection";
import type { ClientMessage } from "../live/protocol";
import { Subscriptions } from "../live/subscriptions";
import { FakeClock } from "../live/testing/fakeClock";
import { FakeSocketServer } from "../live/testing/fakeSocket";
import { NamespaceFilter } from "./NamespaceFilter";

afterEach(cleanup);

it("offers the namespaces view's rows and toggles a multi-selection", () => {
  const clock = new FakeClock();
  const server = new FakeSocketServer();
  const connection = new Connection({ url: "ws://t/api/v1/live", openSocket: server.open, clock });
  const subscriptions = new Subscriptions(connection, { clock });
  connection.start();
  server.last.accept();
  const onChange = vi.fn();
  const { rerender } = render(<NamespaceFilter subscriptions={subscriptions} cluster="c1" value={[]} onChange={onChange} />);
  const subscribe = server.last.messages.find((m) => m.op === "subscribe") as Extract<ClientMessage, { op: "subscribe" }>;
  expect(subscribe).toMatchObject({ view: "namespaces", cluster: "c1" });
  // It asks for every namespace, not a screenful.
  expect(server.last.messages.some((m) => m.op === "window" && m.window.limit >= 1000)).toBe(true);
  act(() => {
    server.last.receive({
      type: "page",
      sub: subscribe.sub,
      version: "v",
      total: 3,
      offset: 0,
      rows: ["alpha", "beta", "gamma"].map((name) => ({ uid: name, name })),
      sources: [],
      warnings: [],
    });
  });
  fireEvent.click(screen.getByRole("button", { name: /All namespaces/ }));
  expect(screen.getAllByRole("checkbox").length).toBe(3);
  fireEvent.click(screen.getByLabelText("beta"));
  expect(onChange).toHaveBeenLastCalledWith(["beta"]);
  rerender(<NamespaceFilter subscriptions={subscriptions} cluster="c1" value={["beta"]} onChange={onChange} />);
  expect(screen.getByRole("button", { name: /ns: beta/ })).toBeTruthy();
  fireEvent.click(screen.getByLabelText("gamma"));
  expect(onChange).toHaveBeenLastCalledWith(["beta", "gamma"]);
  fireEvent.click(screen.getByLabelText("beta"));
  expect(onChange).toHaveBeenLastCalledWith([]);
  subscriptions.dispose();
  connection.stop();
});
