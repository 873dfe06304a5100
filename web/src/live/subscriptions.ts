// View subscriptions over the live connection (protocol.md §3): subscribe / window / query /
// unsubscribe ops out, whole-window `page` frames in.
//
// Each WindowSubscription holds what the UI wants (cluster, view, query, window) and the latest
// page the server sent for it. Because frames are idempotent whole windows, recovering from
// anything — a reconnect, a hidden tab coming back — is simply "subscribe again with what the UI
// wants now"; there is nothing to resume or repair.

import { systemClock, Timer, type Clock } from "./clock";
import type { ReadonlyObservable } from "./observable";
import type {
  ClientMessage,
  ErrorBody,
  PageFrame,
  RowWindow,
  ServerMessage,
  ViewQuery,
} from "./protocol";
import { alwaysVisible, type VisibilitySource } from "./visibility";
import { SCROLL_HOLD_POLICY, ScrollHold, type ScrollHoldPolicy } from "./scrollHold";
import { keepEqual, keepUnchangedRows } from "./stableRows";
import { planWindow, windowAround, WINDOW_POLICY, type VisibleRange, type WindowPolicy } from "./window";

/** What Subscriptions needs from the connection; `Connection` implements it. */
export interface LiveTransport {
  send(message: ClientMessage): boolean;
  onOpen(listener: () => void): () => void;
  onMessage(listener: (message: ServerMessage) => void): () => void;
  /** The socket's state (`Connection.state`): while it is not `open`, pages are marked offline. */
  readonly state?: ReadonlyObservable<{ status: string }>;
}

export interface SubscriptionsOptions {
  clock?: Clock;
  visibility?: VisibilitySource;
  window?: WindowPolicy;
  /** Typing in a filter box sends one `query` op after the typing pauses this long. */
  queryDebounceMs?: number;
  /** At most one `window` op per this interval while scrolling; the last position always wins. */
  windowThrottleMs?: number;
  /** A tab hidden this long unsubscribes; a quick alt-tab keeps its streams. */
  pauseHiddenAfterMs?: number;
  /** How long change frames wait while the user scrolls (scrollHold.ts). */
  scrollHold?: ScrollHoldPolicy;
}

export const QUERY_DEBOUNCE_MS = 250;
export const WINDOW_THROTTLE_MS = 50;
export const PAUSE_HIDDEN_AFTER_MS = 5_000;

export interface SubscriptionSpec {
  cluster: string;
  view: string;
  query?: ViewQuery;
  window?: RowWindow;
  /** Milliseconds between change frames, for windows that need fewer than the server's
   * default 10/s (the server answers ops at once regardless). */
  interval?: number;
}

export interface SubscriptionSnapshot {
  sub: string;
  cluster: string;
  view: string;
  /** The query the UI asked for (possibly still waiting for its debounce). */
  query: ViewQuery;
  /** The window the UI asked for. */
  window: RowWindow;
  /** The latest frame accepted; rows of an older query are never kept over a newer one's. */
  page: PageFrame | null;
  /** The latest `error` frame for this subscription; cleared by the next page. */
  error: ErrorBody | null;
  /** True between a query change (or a (re)subscribe) and the first frame built for it. */
  loading: boolean;
  /** Unsubscribed because the tab is hidden; `page` is the last one seen. */
  paused: boolean;
  /** The socket to masthead is down: `page` is the last one seen and nothing in it is live. */
  offline: boolean;
}

export class Subscriptions {
  private readonly subs = new Map<string, WindowSubscription>();
  private readonly clock: Clock;
  private readonly visibility: VisibilitySource;
  private readonly pauseTimer: Timer;
  private readonly detachers: Array<() => void>;
  private nextId = 0;
  private hiddenPaused = false;
  private offline: boolean;
  readonly options: Required<Omit<SubscriptionsOptions, "clock" | "visibility">>;

  constructor(
    private readonly transport: LiveTransport,
    options: SubscriptionsOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.visibility = options.visibility ?? alwaysVisible;
    this.options = {
      window: options.window ?? WINDOW_POLICY,
      queryDebounceMs: options.queryDebounceMs ?? QUERY_DEBOUNCE_MS,
      windowThrottleMs: options.windowThrottleMs ?? WINDOW_THROTTLE_MS,
      pauseHiddenAfterMs: options.pauseHiddenAfterMs ?? PAUSE_HIDDEN_AFTER_MS,
      scrollHold: options.scrollHold ?? SCROLL_HOLD_POLICY,
    };
    this.pauseTimer = new Timer(this.clock, () => this.pauseAll());
    const state = transport.state;
    this.offline = state !== undefined && state.get().status !== "open";
    this.detachers = [
      transport.onOpen(() => this.resubscribeAll()),
      transport.onMessage((message) => this.dispatch(message)),
      this.visibility.onChange(() => this.visibilityChanged()),
      ...(state ? [state.subscribe(() => this.connectionChanged(state.get().status !== "open"))] : []),
    ];
    if (this.visibility.hidden) this.pauseTimer.arm(this.options.pauseHiddenAfterMs);
  }

  get size(): number {
    return this.subs.size;
  }

  get(sub: string): WindowSubscription | undefined {
    return this.subs.get(sub);
  }

  open(spec: SubscriptionSpec): WindowSubscription {
    this.nextId += 1;
    const sub = new WindowSubscription(`s${this.nextId}`, spec, {
      clock: this.clock,
      policy: this.options,
      send: (message) => this.transport.send(message),
      release: (id) => this.subs.delete(id),
      paused: this.hiddenPaused,
      offline: this.offline,
    });
    this.subs.set(sub.id, sub);
    return sub;
  }

  /** Closes every subscription and stops listening (app teardown, tests). */
  dispose(): void {
    for (const sub of [...this.subs.values()]) sub.close();
    for (const detach of this.detachers) detach();
    this.pauseTimer.cancel();
  }

  private resubscribeAll(): void {
    for (const sub of this.subs.values()) sub.resubscribe();
  }

  private connectionChanged(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    for (const sub of this.subs.values()) sub.setOffline(offline);
  }

  private dispatch(message: ServerMessage): void {
    if (message.type === "page") this.subs.get(message.sub)?.acceptPage(message);
    else if (message.type === "error" && message.sub !== undefined)
      this.subs.get(message.sub)?.acceptError(message.error);
  }

  private visibilityChanged(): void {
    if (this.visibility.hidden) {
      if (!this.hiddenPaused && !this.pauseTimer.pending)
        this.pauseTimer.arm(this.options.pauseHiddenAfterMs);
      return;
    }
    this.pauseTimer.cancel();
    if (!this.hiddenPaused) return;
    this.hiddenPaused = false;
    for (const sub of this.subs.values()) sub.resume();
  }

  private pauseAll(): void {
    this.hiddenPaused = true;
    for (const sub of this.subs.values()) sub.pause();
  }
}

interface SubscriptionContext {
  clock: Clock;
  policy: Required<Omit<SubscriptionsOptions, "clock" | "visibility">>;
  send(message: ClientMessage): boolean;
  release(id: string): void;
  paused: boolean;
  offline: boolean;
}

/** One live view window (`sub`): what the UI asks for and the latest page answering it. */
export class WindowSubscription implements ReadonlyObservable<SubscriptionSnapshot> {
  readonly id: string;
  private snapshot: SubscriptionSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly queryTimer: Timer;
  private readonly windowTimer: Timer;
  /** Change frames wait while the user scrolls (scrollHold.ts); this applies the held one. */
  private readonly scrollHold: ScrollHold;
  private readonly holdTimer: Timer;
  /** A window change arrived while the throttle was closed; send it when it opens. */
  private windowDirty = false;
  /** Sequence number of the last op sent (client extension, see protocol.ts). */
  private seq = 0;
  /** Sequence number of the last subscribe/query op: frames older than it show an old query. */
  private querySeq = 0;
  /** The query the server was last told about. */
  private sentQuery: ViewQuery;
  private closed = false;
  private readonly interval: number | undefined;

  constructor(
    id: string,
    spec: SubscriptionSpec,
    private readonly context: SubscriptionContext,
  ) {
    this.id = id;
    this.interval = spec.interval;
    const query = { ...(spec.query ?? {}) };
    this.sentQuery = query;
    this.snapshot = {
      sub: id,
      cluster: spec.cluster,
      view: spec.view,
      query,
      window: spec.window ?? windowAround({ start: 0, end: 0 }, context.policy.window),
      page: null,
      error: null,
      loading: true,
      paused: context.paused,
      offline: context.offline,
    };
    this.queryTimer = new Timer(context.clock, () => this.flushQuery());
    this.windowTimer = new Timer(context.clock, () => this.windowThrottleOpened());
    this.scrollHold = new ScrollHold(context.clock, context.policy.scrollHold);
    this.holdTimer = new Timer(context.clock, () => this.heldFrameDue());
    if (!context.paused) this.sendSubscribe();
  }

  get = (): SubscriptionSnapshot => this.snapshot;

  /** Frames held while the user scrolled and replaced by a newer one before being applied. */
  get framesSuperseded(): number {
    return this.scrollHold.superseded;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** The rows on screen changed (scrolling, resizing); moves the window when needed. */
  setVisibleRange(visible: VisibleRange): void {
    if (this.closed) return;
    this.scrollHold.scrolled(visible);
    const next = planWindow(this.snapshot.window, visible, this.context.policy.window);
    if (next) this.setWindow(next);
    // Scrolled out of what the page on screen covers: a held frame is due now.
    if (this.scrollHold.dueIn(this.snapshot.page) === 0) this.heldFrameDue();
  }

  setWindow(window: RowWindow): void {
    if (this.closed) return;
    const current = this.snapshot.window;
    if (current.offset === window.offset && current.limit === window.limit) return;
    this.publish({ window: { ...window } });
    if (this.snapshot.paused) return;
    if (this.windowTimer.pending) {
      this.windowDirty = true;
      return;
    }
    this.sendWindow();
    this.windowTimer.arm(this.context.policy.windowThrottleMs);
  }

  /**
   * Changes filter or sort. Debounced (typing); `immediate` for discrete changes such as a click
   * on a column header, which should not wait.
   */
  setQuery(query: ViewQuery, options: { immediate?: boolean } = {}): void {
    if (this.closed) return;
    this.publish({ query: { ...query }, loading: true });
    if (this.snapshot.paused) return;
    if (options.immediate) this.flushQuery();
    else this.queryTimer.arm(this.context.policy.queryDebounceMs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queryTimer.cancel();
    this.windowTimer.cancel();
    this.dropHeld();
    if (!this.snapshot.paused) this.context.send({ op: "unsubscribe", sub: this.id });
    this.context.release(this.id);
    this.listeners.clear();
  }

  /** @internal Subscriptions: the connection (re)opened. */
  resubscribe(): void {
    if (!this.closed && !this.snapshot.paused) this.sendSubscribe();
  }

  /** @internal Subscriptions: the socket closed (true) or opened again (false). */
  setOffline(offline: boolean): void {
    if (this.closed || this.snapshot.offline === offline) return;
    this.publish({ offline });
  }

  /** @internal Subscriptions: the tab has been hidden for a while. */
  pause(): void {
    if (this.closed || this.snapshot.paused) return;
    this.queryTimer.cancel();
    this.windowTimer.cancel();
    this.dropHeld();
    this.windowDirty = false;
    this.context.send({ op: "unsubscribe", sub: this.id });
    this.publish({ paused: true });
  }

  /** @internal Subscriptions: the tab is visible again. */
  resume(): void {
    if (this.closed || !this.snapshot.paused) return;
    this.publish({ paused: false });
    this.sendSubscribe();
  }

  /** @internal Subscriptions: a `page` frame for this subscription. */
  acceptPage(frame: PageFrame): void {
    if (this.closed || this.snapshot.paused) return;
    if (frame.seq !== undefined && frame.seq < this.querySeq) return;
    const current = this.snapshot.page;
    const duplicate =
      current !== null &&
      current.version === frame.version &&
      current.offset === frame.offset &&
      current.total === frame.total &&
      current.rows.length === frame.rows.length;
    const settled = !this.snapshot.loading && this.snapshot.error === null;
    if (duplicate && settled) {
      this.dropHeld();
      return;
    }
    if (settled && this.scrollHold.hold(frame, current)) {
      const due = this.scrollHold.dueIn(current);
      if (due !== null && !this.holdTimer.pending) this.holdTimer.arm(due);
      return;
    }
    this.dropHeld();
    this.apply(frame);
  }

  /** The held frame, when the scrolling paused, it waited long enough or the rows ran out. */
  private heldFrameDue(): void {
    const due = this.scrollHold.dueIn(this.snapshot.page);
    if (due === null) return;
    if (due > 0) {
      this.holdTimer.arm(due);
      return;
    }
    this.holdTimer.cancel();
    const frame = this.scrollHold.take();
    if (frame && !this.closed && (frame.seq === undefined || frame.seq >= this.querySeq)) this.apply(frame);
  }

  private dropHeld(): void {
    this.holdTimer.cancel();
    this.scrollHold.take();
  }

  private apply(frame: PageFrame): void {
    const current = this.snapshot.page;
    const rows = keepUnchangedRows(current?.rows, frame.rows);
    const sources = keepEqual(current?.sources, frame.sources);
    const warnings = keepEqual(current?.warnings, frame.warnings);
    const fresh = rows === frame.rows && sources === frame.sources && warnings === frame.warnings;
    const page = fresh ? frame : { ...frame, rows, sources, warnings };
    this.publish({ page, error: null, loading: this.queryTimer.pending });
  }

  /** @internal Subscriptions: an `error` frame for this subscription. */
  acceptError(error: ErrorBody): void {
    if (this.closed) return;
    this.publish({ error, loading: false });
  }

  private sendSubscribe(): void {
    this.queryTimer.cancel();
    this.windowTimer.cancel();
    this.dropHeld();
    this.windowDirty = false;
    const { cluster, view, query, window } = this.snapshot;
    this.sentQuery = query;
    this.seq += 1;
    this.querySeq = this.seq;
    const paced = this.interval === undefined ? {} : { interval: this.interval };
    this.context.send({ op: "subscribe", sub: this.id, cluster, view, query, window, seq: this.seq, ...paced });
    if (!this.snapshot.loading) this.publish({ loading: true });
  }

  private flushQuery(): void {
    this.queryTimer.cancel();
    const { query } = this.snapshot;
    if (sameQuery(query, this.sentQuery)) {
      if (this.snapshot.loading && this.snapshot.page) this.publish({ loading: false });
      return;
    }
    this.sentQuery = query;
    this.seq += 1;
    this.querySeq = this.seq;
    this.dropHeld();
    this.context.send({ op: "query", sub: this.id, query, seq: this.seq });
  }

  private sendWindow(): void {
    this.seq += 1;
    this.context.send({ op: "window", sub: this.id, window: this.snapshot.window, seq: this.seq });
  }

  private windowThrottleOpened(): void {
    if (!this.windowDirty) return;
    this.windowDirty = false;
    this.sendWindow();
    this.windowTimer.arm(this.context.policy.windowThrottleMs);
  }

  private publish(changes: Partial<SubscriptionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...changes };
    for (const listener of [...this.listeners]) listener();
  }
}

function sameQuery(a: ViewQuery, b: ViewQuery): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if ((a as Record<string, unknown>)[key] !== (b as Record<string, unknown>)[key]) return false;
  }
  return true;
}
