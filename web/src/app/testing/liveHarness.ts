// The live client as component tests use it: a real Connection + Subscriptions over a fake
// socket (the test plays the server), and jsdom given the layout a virtual table needs.

import { afterEach, beforeEach } from "vitest";
import { Connection } from "../../live/connection";
import type { ClientMessage, PageFrame } from "../../live/protocol";
import { Subscriptions, type SubscriptionsOptions } from "../../live/subscriptions";
import { FakeClock } from "../../live/testing/fakeClock";
import { FakeSocketServer } from "../../live/testing/fakeSocket";

export type SubscribeOp = Extract<ClientMessage, { op: "subscribe" }>;

export interface LiveHarness {
  clock: FakeClock;
  server: FakeSocketServer;
  connection: Connection;
  subscriptions: Subscriptions;
  /** What the client sent on the current socket, heartbeats left out. */
  ops(): ClientMessage[];
  /** The subscribe ops sent, in order. */
  subscribes(): SubscribeOp[];
  /** Plays a `page` frame for `op`'s subscription (its seq echoed). */
  page(op: SubscribeOp, frame: Partial<Omit<PageFrame, "type" | "sub">>): void;
  dispose(): void;
}

/** A connected live client (the socket already accepted). Call `dispose()` after the test. */
export function liveHarness(options: Omit<SubscriptionsOptions, "clock"> = {}): LiveHarness {
  const clock = new FakeClock();
  const server = new FakeSocketServer();
  const connection = new Connection({ url: "ws://t/api/v1/live", openSocket: server.open, clock });
  const subscriptions = new Subscriptions(connection, { clock, ...options });
  connection.start();
  server.last.accept();
  const ops = () => server.last.messages.filter((m) => m.op !== "ping");
  return {
    clock,
    server,
    connection,
    subscriptions,
    ops,
    subscribes: () => ops().filter((m): m is SubscribeOp => m.op === "subscribe"),
    page: (op, frame) =>
      server.last.receive({ type: "page", sub: op.sub, seq: op.seq, version: "v1", total: 0, offset: 0, rows: [], sources: [], warnings: [], ...frame }),
    dispose: () => {
      subscriptions.dispose();
      connection.stop();
    },
  };
}

/** jsdom has no layout: give the table's scroller a height and `scrollTo`, for every test of
 * the file (call at module level). */
export function useTableLayout(height = 560): void {
  let undo: (() => void) | null = null;
  beforeEach(() => {
    const proto = HTMLElement.prototype;
    Object.defineProperty(proto, "clientHeight", {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains("vt") ? height : 0;
      },
    });
    proto.scrollTo = function scrollTo(this: HTMLElement, options?: ScrollToOptions | number) {
      if (typeof options === "object" && options.top !== undefined) this.scrollTop = options.top;
    } as HTMLElement["scrollTo"];
    undo = () => {
      delete (proto as unknown as Record<string, unknown>).clientHeight;
    };
  });
  afterEach(() => {
    undo?.();
    undo = null;
  });
}
