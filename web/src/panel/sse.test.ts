import { afterEach, expect, it, vi } from "vitest";
import { ApiError } from "../app/api";
import { readSse, SseParser, type SseEvent } from "./sse";
import { FakeApi, problem, sseStream } from "./testing/fakeApi";

afterEach(() => vi.unstubAllGlobals());

it("parses events split across arbitrary chunks, skipping comments and retry", () => {
  const parser = new SseParser();
  const text = 'retry: 2000\n\nid: 1\nevent: line\ndata: {"a":1}\n\n: keepalive\n\nevent: end\ndata: {}\r\n\r\n';
  const events: SseEvent[] = [];
  for (let i = 0; i < text.length; i += 3) events.push(...parser.push(text.slice(i, i + 3)));
  expect(events).toEqual([
    { event: "line", data: '{"a":1}', id: "1" },
    { event: "end", data: "{}", id: "1" },
  ]);
});

it("joins multi-line data and defaults the event name", () => {
  const events = new SseParser().push("data: a\ndata: b\n\n");
  expect(events).toEqual([{ event: "message", data: "a\nb", id: null }]);
});

it("readSse delivers events until the body ends", async () => {
  const stream = sseStream([{ event: "line", data: { n: 1 }, id: 1 }]);
  const api = new FakeApi().on("GET", "/s", stream.response);
  vi.stubGlobal("fetch", api.fetch);
  const seen: string[] = [];
  const done = readSse("/s", (e) => seen.push(`${e.event}:${e.data}`), new AbortController().signal);
  stream.push("end", {});
  stream.end();
  await done;
  expect(seen).toEqual(['line:{"n":1}', "end:{}"]);
});

it("readSse rejects with the server's error envelope", async () => {
  const api = new FakeApi().on("GET", "/s", problem(400, "BadRequest", "tail must be an integer", { parameter: "tail" }));
  vi.stubGlobal("fetch", api.fetch);
  const error = await readSse("/s", () => {}, new AbortController().signal).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).body?.details?.parameter).toBe("tail");
  expect((error as ApiError).message).toBe("BadRequest: tail must be an integer");
});
