// The tab's one WebSocket to `GET /api/v1/live`: keeps it open for the life of the tab.
//
//   start → connecting ─open→ open ─(close | error | 45 s of silence)→ reconnecting ─(backoff)→ connecting …
//
// Reconnects wait per FullJitterBackoff (1 s → 30 s ceilings), and the backoff resets only after a
// socket stayed open for a while, so a server that accepts and drops at once is not hammered.
// A watchdog drops the socket when nothing (frame or heartbeat, sent every 15 s) arrived for 45 s:
// a sleeping laptop or a dead VPN leaves sockets that never report closing. Re-sending the
// subscriptions after a reconnect is the job of `Subscriptions`, which listens to `onOpen`.

import { FullJitterBackoff, RECONNECT_BACKOFF, type BackoffPolicy } from "./backoff";
import { systemClock, Timer, type Clock } from "./clock";
import { ObservableValue, type ReadonlyObservable } from "./observable";
import { parseServerMessage, type ClientMessage, type ServerMessage } from "./protocol";

/** The part of the browser's WebSocket the client uses; `new WebSocket(url)` satisfies it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

const SOCKET_OPEN = 1;
/** Close code for sockets the client gives up on (application range 4000–4999). */
const CLOSE_CODE_CLIENT_GAVE_UP = 4000;

export type ConnectionStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface ConnectionState {
  status: ConnectionStatus;
  /** When the current status began (clock ms). */
  since: number;
  /** Failed attempts since the connection was last healthy; 0 on the first connect. */
  attempt: number;
  /** While `reconnecting`: when the next attempt starts (clock ms). */
  retryAt: number | null;
  /** Why the previous socket ended, for the indicator's tooltip. */
  reason: string | null;
}

export interface ConnectionOptions {
  url: string;
  openSocket?: (url: string) => WebSocketLike;
  clock?: Clock;
  /** Jitter source, uniform in [0, 1). */
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Drop and reconnect after this long without any message: 3 missed 15 s heartbeats. */
  silenceTimeoutMs?: number;
  /** Send a `ping` after this long without any message, so a half-dead socket errors sooner. */
  pingAfterSilenceMs?: number;
  /** A socket open this long counts as healthy and resets the backoff. */
  healthyAfterMs?: number;
}

export const SILENCE_TIMEOUT_MS = 45_000;
export const PING_AFTER_SILENCE_MS = 20_000;
export const HEALTHY_AFTER_MS = 10_000;

type MessageListener = (message: ServerMessage) => void;
type OpenListener = () => void;

export class Connection {
  private readonly url: string;
  private readonly openSocket: (url: string) => WebSocketLike;
  private readonly clock: Clock;
  private readonly backoff: FullJitterBackoff;
  private readonly silenceTimeoutMs: number;
  private readonly pingAfterSilenceMs: number;
  private readonly healthyAfterMs: number;

  private socket: WebSocketLike | null = null;
  private readonly retryTimer: Timer;
  private readonly silenceTimer: Timer;
  private readonly pingTimer: Timer;
  private readonly healthyTimer: Timer;
  private readonly messageListeners = new Set<MessageListener>();
  private readonly openListeners = new Set<OpenListener>();
  private readonly stateValue: ObservableValue<ConnectionState>;

  constructor(options: ConnectionOptions) {
    this.url = options.url;
    this.openSocket = options.openSocket ?? ((url) => new WebSocket(url));
    this.clock = options.clock ?? systemClock;
    this.backoff = new FullJitterBackoff(options.backoff ?? RECONNECT_BACKOFF, options.random);
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? SILENCE_TIMEOUT_MS;
    this.pingAfterSilenceMs = options.pingAfterSilenceMs ?? PING_AFTER_SILENCE_MS;
    this.healthyAfterMs = options.healthyAfterMs ?? HEALTHY_AFTER_MS;
    this.retryTimer = new Timer(this.clock, () => this.connect());
    this.silenceTimer = new Timer(this.clock, () =>
      this.drop(`no message for ${Math.round(this.silenceTimeoutMs / 1000)} s`),
    );
    this.pingTimer = new Timer(this.clock, () => this.ping());
    this.healthyTimer = new Timer(this.clock, () => {
      this.backoff.reset();
      this.update({ attempt: 0 });
    });
    this.stateValue = new ObservableValue<ConnectionState>({
      status: "idle",
      since: this.clock.now(),
      attempt: 0,
      retryAt: null,
      reason: null,
    });
  }

  get state(): ReadonlyObservable<ConnectionState> {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue.get().status === "open";
  }

  start(): void {
    const { status } = this.stateValue.get();
    if (status === "idle" || status === "closed") this.connect();
  }

  /** Closes for good (tab teardown, tests); `start()` opens again. */
  stop(): void {
    this.retryTimer.cancel();
    this.detach("stopped");
    this.setStatus("closed", { retryAt: null, reason: "stopped" });
  }

  /** Skips the remaining backoff wait (a "retry now" button, the browser going online). */
  retryNow(): void {
    if (this.stateValue.get().status !== "reconnecting") return;
    this.retryTimer.cancel();
    this.connect();
  }

  /** Sends when open; returns false otherwise (callers re-send their state on `onOpen`). */
  send(message: ClientMessage): boolean {
    if (!this.socket || !this.isOpen || this.socket.readyState !== SOCKET_OPEN) return false;
    try {
      this.socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  ping(): boolean {
    return this.send({ op: "ping", t: this.clock.now() });
  }

  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Called after every successful (re)connect, before any frame of the new socket. */
  onOpen(listener: OpenListener): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  private connect(): void {
    this.detach("replaced");
    this.setStatus("connecting", { retryAt: null });
    let socket: WebSocketLike;
    try {
      socket = this.openSocket(this.url);
    } catch (error) {
      this.scheduleReconnect(`cannot open socket: ${String(error)}`);
      return;
    }
    this.socket = socket;
    // A socket stuck in CONNECTING (blackholed network) is caught by the same watchdog.
    this.armWatchdog();
    socket.onopen = () => {
      this.setStatus("open", { retryAt: null });
      this.healthyTimer.arm(this.healthyAfterMs);
      this.armWatchdog();
      notifyAll(this.openListeners, (listener) => listener());
    };
    socket.onmessage = (event) => {
      this.armWatchdog();
      const message = parseServerMessage(event.data);
      if (message) notifyAll(this.messageListeners, (listener) => listener(message));
    };
    socket.onclose = (event) => {
      this.drop(`closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`);
    };
    socket.onerror = () => {
      this.drop("socket error");
    };
  }

  private armWatchdog(): void {
    this.silenceTimer.arm(this.silenceTimeoutMs);
    this.pingTimer.arm(this.pingAfterSilenceMs);
  }

  /** Gives up on the current socket and schedules the next attempt. */
  private drop(reason: string): void {
    if (!this.socket) return;
    this.detach(reason);
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    const delay = this.backoff.next();
    this.setStatus("reconnecting", {
      attempt: this.backoff.attempts,
      retryAt: this.clock.now() + delay,
      reason,
    });
    this.retryTimer.arm(delay);
  }

  private detach(reason: string): void {
    this.silenceTimer.cancel();
    this.pingTimer.cancel();
    this.healthyTimer.cancel();
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close(CLOSE_CODE_CLIENT_GAVE_UP, reason.slice(0, 120));
    } catch {
      // Already closed or never opened: nothing to release.
    }
  }

  private setStatus(status: ConnectionStatus, changes: Partial<ConnectionState>): void {
    const current = this.stateValue.get();
    const since = status === current.status ? current.since : this.clock.now();
    this.stateValue.set({ ...current, ...changes, status, since });
  }

  private update(changes: Partial<ConnectionState>): void {
    this.stateValue.set({ ...this.stateValue.get(), ...changes });
  }
}

/** Calls every listener; one that throws does not starve the others or break the socket. */
function notifyAll<L>(listeners: Set<L>, call: (listener: L) => void): void {
  for (const listener of [...listeners]) {
    try {
      call(listener);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
