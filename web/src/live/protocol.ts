// Typed model of the live WebSocket protocol (shared/design/protocol.md §3, `GET /api/v1/live`).
// Only the shapes the client relies on are spelled out; unknown fields pass through untouched.

/** A view query: the same parameters as the page endpoint (`GET .../views/{view}?...`). */
export interface ViewQuery {
  /** Comma-separated namespaces; absent = every accessible namespace. */
  namespace?: string;
  /** Label selector, upstream syntax (`app=web,tier!=db`). */
  selector?: string;
  /** Free-text search. */
  q?: string;
  /** Column id to sort by; absent = the view's default sort. */
  sort?: string;
  /** 1 = descending. */
  desc?: 0 | 1;
  /** Facet filters, e.g. `facet.status: "Running"`. */
  [facet: `facet.${string}`]: string | undefined;
}

export interface RowWindow {
  offset: number;
  limit: number;
}

/** A row as the server projects it; `uid` identifies it across frames. */
export interface Row {
  uid: string;
  namespace?: string;
  name: string;
  [column: string]: unknown;
}

export type SourceStateName =
  | "live"
  | "syncing"
  | "reconnecting"
  | "stale"
  | "forbidden"
  | "unavailable"
  | "absent";

export interface SourceFreshness {
  id: string;
  state: SourceStateName | string;
  since?: string;
  items?: number;
  message?: string;
  [detail: string]: unknown;
}

export interface Warning {
  code: string;
  message: string;
}

export interface ErrorBody {
  code: number;
  reason: string;
  message: string;
  cluster?: string;
  source?: string;
  details?: Record<string, unknown>;
}

// ---- client → server -------------------------------------------------------------------------

// `seq` is a client extension of protocol.md §3 (see web/README.md): every op that changes what
// a subscription shows carries the subscription's next sequence number, and a server that echoes
// the last applied `seq` in `page` frames lets the client drop frames built for an older query.
// A server that ignores it loses nothing: frames without `seq` are taken in arrival order.

export interface SubscribeOp {
  op: "subscribe";
  sub: string;
  cluster: string;
  view: string;
  query: ViewQuery;
  window: RowWindow;
  seq: number;
  /** Milliseconds between change frames (default and minimum: the server's 100). */
  interval?: number;
}

export interface WindowOp {
  op: "window";
  sub: string;
  window: RowWindow;
  seq: number;
}

export interface QueryOp {
  op: "query";
  sub: string;
  query: ViewQuery;
  seq: number;
}

export interface UnsubscribeOp {
  op: "unsubscribe";
  sub: string;
}

export interface LogsOp {
  op: "logs";
  sub: string;
  cluster: string;
  target: Record<string, unknown>;
  options: { tail?: number; follow?: boolean; [option: string]: unknown };
}

export interface PingOp {
  op: "ping";
  t: number;
}

export type ClientMessage = SubscribeOp | WindowOp | QueryOp | UnsubscribeOp | LogsOp | PingOp;

// ---- server → client -------------------------------------------------------------------------

export interface PageFrame {
  type: "page";
  sub: string;
  version: string;
  total: number;
  offset: number;
  rows: Row[];
  sources: SourceFreshness[];
  warnings: Warning[];
  /** Echo of the last op `seq` the server applied (client extension, optional). */
  seq?: number;
  truncated?: boolean;
}

export interface ClusterFrame {
  type: "cluster";
  cluster: string;
  state: string;
  since?: string;
  message?: string;
}

export interface LogLine {
  t: string;
  pod: string;
  container: string;
  line: string;
}

export interface LogsFrame {
  type: "logs";
  sub: string;
  lines: LogLine[];
  dropped: number;
}

export interface ErrorFrame {
  type: "error";
  sub?: string;
  error: ErrorBody;
}

export interface HeartbeatFrame {
  type: "heartbeat";
  t: number;
}

export type ServerMessage = PageFrame | ClusterFrame | LogsFrame | ErrorFrame | HeartbeatFrame;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value);

/**
 * Decodes one WebSocket text frame. Returns null for anything that is not a well-formed message
 * of a known type: the client must survive a newer server, so unknown frames are skipped.
 */
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  switch (value.type) {
    case "page":
      return isString(value.sub) &&
        isString(value.version) &&
        isNumber(value.total) &&
        isNumber(value.offset) &&
        Array.isArray(value.rows) &&
        (value.seq === undefined || isNumber(value.seq))
        ? ({
            ...value,
            sources: Array.isArray(value.sources) ? value.sources : [],
            warnings: Array.isArray(value.warnings) ? value.warnings : [],
          } as PageFrame)
        : null;
    case "cluster":
      return isString(value.cluster) && isString(value.state)
        ? (value as unknown as ClusterFrame)
        : null;
    case "logs":
      return isString(value.sub) && Array.isArray(value.lines)
        ? ({ ...value, dropped: isNumber(value.dropped) ? value.dropped : 0 } as LogsFrame)
        : null;
    case "error":
      return isObject(value.error) && (value.sub === undefined || isString(value.sub))
        ? (value as unknown as ErrorFrame)
        : null;
    case "heartbeat":
      return isNumber(value.t) ? (value as unknown as HeartbeatFrame) : null;
    default:
      return null;
  }
}
