import { afterEach, describe, expect, it } from "vitest";
import { Connection, type ConnectionOptions } from "./connection";
import type { ServerMessage } from "./protocol";
import { FakeClock } from "./testing/fakeClock";
import { FakeSocketServer } from "./testing/fakeSocket";

let connection: Connection | null = null;

function setup(options: Partial<ConnectionOptions> = {}) {
  const clock = new FakeClock();
  const server = new FakeSocketServer();
  connection = new Connection({
    url: "ws://masthead.test/api/v1/live",
    openSocket: server.open,
    clock,
    random: () => 0.5,
    ...options,
  });
  return { clock, server, connection };
}

afterEach(() => {
  connection?.stop();
  connection = null;
});

describe("Connection", () => {
  it("opens one socket and reports open", () => {
    const { server, connection } = setup();
    connection.start();
    connection.start();
    expect(server.sockets).toHaveLength(1);
    expect(server.last.url).toBe("ws://masthead.test/api/v1/live");
    expect(connection.state.get().status).toBe("connecting");
    server.last.accept();
    expect(connection.state.get()).toMatchObject({ status: "open", attempt: 0 });
  });

  it("delivers decoded messages and skips malformed ones", () => {
    const { server, connection } = setup();
    const received: ServerMessage[] = [];
    connection.onMessage((message) => received.push(message));
    connection.start();
    server.last.accept();
    server.last.receive({ type: "heartbeat", t: 1 });
    server.last.receive("{broken");
    server.last.receive({ type: "cluster", cluster: "c1", state: "ready" });
    expect(received.map((m) => m.type)).toEqual(["heartbeat", "cluster"]);
  });

  it("reconnects after a close with exponential backoff and full jitter", () => {
    const { clock, server, connection } = setup({ random: () => 0.5 });
    connection.start();
    server.last.accept();
    server.last.serverClose(1006);
    // attempt 1: ceiling 1 s, jitter 0.5 → 500 ms
    expect(connection.state.get()).toMatchObject({ status: "reconnecting", attempt: 1 });
    expect(connection.state.get().retryAt).toBe(clock.now() + 500);
    clock.advance(499);
    expect(server.sockets).toHaveLength(1);
    clock.advance(1);
    expect(server.sockets).toHaveLength(2);
    // Failures before the socket opens keep doubling the ceiling: 2 s, 4 s, ... capped at 30 s.
    const waits: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      server.last.fail();
      const { retryAt } = connection.state.get();
      waits.push((retryAt ?? 0) - clock.now());
      clock.advance(retryAt! - clock.now());
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
    expect(server.sockets).toHaveLength(9);
  });

  it("keeps every reconnect delay under the current ceiling for any jitter", () => {
    for (const r of [0, 0.3, 0.999]) {
      const { clock, server, connection } = setup({ random: () => r });
      connection.start();
      for (let attempt = 0; attempt < 10; attempt += 1) {
        server.last.fail();
        const wait = connection.state.get().retryAt! - clock.now();
        const ceiling = Math.min(30_000, 1_000 * 2 ** attempt);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(ceiling);
        expect(wait).toBe(Math.floor(r * ceiling));
        clock.advance(wait);
      }
      connection.stop();
    }
  });

  it("resets the backoff only after the socket stayed healthy", () => {
    const { clock, server, connection } = setup({ random: () => 0.999 });
    connection.start();
    server.last.fail(); // attempt 1: < 1 s
    clock.advance(1_000);
    server.last.fail(); // attempt 2: < 2 s
    clock.advance(2_000);
    server.last.accept();
    server.last.serverClose(); // dropped at once: the backoff keeps growing
    expect(connection.state.get().attempt).toBe(3);
    clock.advance(4_000);
    server.last.accept();
    clock.advance(10_000); // open long enough to count as healthy
    expect(connection.state.get().attempt).toBe(0);
    server.last.serverClose();
    expect(connection.state.get().retryAt! - clock.now()).toBe(999);
  });

  it("drops a silent socket after 45 s and reconnects", () => {
    const { clock, server, connection } = setup();
    connection.start();
    server.last.accept();
    const first = server.last;
    for (let i = 0; i < 4; i += 1) {
      clock.advance(15_000);
      first.receive({ type: "heartbeat", t: i }); // heartbeats keep it alive
    }
    expect(connection.state.get().status).toBe("open");
    clock.advance(44_999);
    expect(connection.state.get().status).toBe("open");
    clock.advance(1);
    expect(first.closedByClient?.code).toBe(4000);
    expect(connection.state.get()).toMatchObject({ status: "reconnecting" });
    expect(connection.state.get().reason).toMatch(/no message for 45 s/);
    clock.advance(1_000);
    expect(server.sockets).toHaveLength(2);
    expect(connection.state.get().status).toBe("connecting");
  });

  it("gives up on a socket stuck connecting by the same watchdog", () => {
    const { clock, server, connection } = setup();
    connection.start();
    clock.advance(45_000);
    expect(server.sockets[0]!.closedByClient).not.toBeNull();
    expect(connection.state.get().status).toBe("reconnecting");
  });

  it("pings after 20 s of silence and sends ping on demand", () => {
    const { clock, server, connection } = setup();
    connection.start();
    server.last.accept();
    clock.advance(20_000);
    expect(server.last.messages).toEqual([{ op: "ping", t: clock.now() }]);
    expect(connection.ping()).toBe(true);
    expect(server.last.messages).toHaveLength(2);
  });

  it("ignores events from a socket it already gave up on", () => {
    const { clock, server, connection } = setup();
    const received: ServerMessage[] = [];
    connection.onMessage((m) => received.push(m));
    connection.start();
    const old = server.last;
    old.accept();
    clock.advance(45_000);
    old.receive({ type: "heartbeat", t: 1 });
    old.serverClose();
    expect(received).toEqual([]);
    expect(connection.state.get().attempt).toBe(1);
  });

  it("does not send while disconnected", () => {
    const { server, connection } = setup();
    connection.start();
    expect(connection.send({ op: "ping", t: 1 })).toBe(false);
    server.last.accept();
    expect(connection.send({ op: "ping", t: 1 })).toBe(true);
  });

  it("calls onOpen after every (re)connect", () => {
    const { clock, server, connection } = setup();
    let opens = 0;
    connection.onOpen(() => {
      opens += 1;
    });
    connection.start();
    server.last.accept();
    server.last.serverClose();
    clock.advance(30_000);
    server.last.accept();
    expect(opens).toBe(2);
  });

  it("retries at once on retryNow and stays closed after stop", () => {
    const { clock, server, connection } = setup();
    connection.start();
    server.last.fail();
    connection.retryNow();
    expect(server.sockets).toHaveLength(2);
    connection.stop();
    expect(server.sockets[1]!.closedByClient).not.toBeNull();
    expect(connection.state.get().status).toBe("closed");
    clock.advance(120_000);
    expect(server.sockets).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it("survives a socket factory that throws", () => {
    let calls = 0;
    const server = new FakeSocketServer();
    const { clock, connection } = setup({
      openSocket: (url) => {
        calls += 1;
        if (calls === 1) throw new Error("SecurityError");
        return server.open(url);
      },
    });
    connection.start();
    expect(connection.state.get()).toMatchObject({ status: "reconnecting", attempt: 1 });
    clock.advance(1_000);
    expect(server.sockets).toHaveLength(1);
  });
});
