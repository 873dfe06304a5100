// A scripted stand-in for the browser WebSocket: the test plays the server (accept, receive,
// close, fail) and reads what the client sent.

import type { WebSocketLike } from "../connection";
import type { ClientMessage } from "../protocol";

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: string[] = [];
  closedByClient: { code?: number; reason?: string } | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("InvalidStateError: socket is not open");
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  /** The client's messages, decoded. */
  get messages(): ClientMessage[] {
    return this.sent.map((data) => JSON.parse(data) as ClientMessage);
  }

  // ---- the server's side ----

  accept(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  receive(message: object | string): void {
    const data = typeof message === "string" ? message : JSON.stringify(message);
    this.onmessage?.(new MessageEvent("message", { data }));
  }

  serverClose(code = 1006, reason = ""): void {
    this.readyState = 3;
    const event = Object.assign(new Event("close"), { code, reason, wasClean: code === 1000 });
    this.onclose?.(event as CloseEvent);
  }

  fail(): void {
    this.onerror?.(new Event("error"));
    this.serverClose(1006);
  }
}

/** Opens FakeSockets and remembers them, newest last. */
export class FakeSocketServer {
  readonly sockets: FakeSocket[] = [];

  readonly open = (url: string): FakeSocket => {
    const socket = new FakeSocket(url);
    this.sockets.push(socket);
    return socket;
  };

  get last(): FakeSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) throw new Error("no socket opened yet");
    return socket;
  }
}
