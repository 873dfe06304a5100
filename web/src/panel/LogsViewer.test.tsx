// @vitest-environment jsdom
// The logs viewer over a fake SSE stream: merged pods with colours, options sent to the server,
// highlights, ANSI, the dropped-lines notices (server and client cap), pause and download.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { logsAsText, LogsViewer } from "./LogsViewer";
import { FakeApi, problem, sseStream } from "./testing/fakeApi";

const STREAM = "/api/v1/clusters/c1/logs/stream?";
let api: FakeApi;
let restore: () => void = () => {};
beforeEach(() => {
  api = new FakeApi();
  vi.stubGlobal("fetch", api.fetch);
  // jsdom has no layout: give the scroll box a viewport so the virtual list renders rows.
  const proto = HTMLElement.prototype;
  Object.defineProperty(proto, "clientHeight", {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("logs-scroll") ? 400 : 0;
    },
  });
  proto.scrollTo = function scrollTo() {} as HTMLElement["scrollTo"];
  restore = () => delete (proto as unknown as Record<string, unknown>).clientHeight;
});
afterEach(() => {
  cleanup();
  restore();
  vi.unstubAllGlobals();
});

const line = (pod: string, text: string, t = "2026-01-01T00:00:00Z") => ({ event: "line", data: { t, pod, container: "app", line: text } });
const lastUrl = () => new URL(api.requests.filter((r) => r.url.startsWith(STREAM)).at(-1)!.url, "http://x");
const shownLines = () => [...document.querySelectorAll(".log-line .log-text")].map((el) => el.textContent);

it("merges a workload's pods, colours each source and sends the options", async () => {
  const stream = sseStream([line("web-a", "GET /a 200"), line("web-b", "\u001b[31mERROR\u001b[0m boom")]);
  api.on("GET", STREAM, stream.response);
  render(<LogsViewer cluster="c1" target={{ namespace: "shop", kind: "Deployment", name: "web" }} />);
  await waitFor(() => expect(shownLines()).toEqual(["GET /a 200", "ERROR boom"]));
  expect(Object.fromEntries(lastUrl().searchParams)).toEqual({ namespace: "shop", kind: "Deployment", name: "web", tail: "500", follow: "1" });
  const sources = [...document.querySelectorAll(".log-src")];
  expect(sources.map((s) => s.textContent)).toEqual(["web-a/app", "web-b/app"]);
  expect(sources.every((s) => /log-src-[0-7]/.test(s.className))).toBe(true);
  const red = [...document.querySelectorAll<HTMLElement>(".log-text span[style]")].find((s) => s.textContent === "ERROR");
  expect(red?.style.color).toBe("rgb(205, 49, 49)");

  fireEvent.change(screen.getByLabelText("include"), { target: { value: "GET, POST" } });
  fireEvent.change(screen.getByLabelText("regex"), { target: { value: "\\d{3}" } });
  api.on("GET", STREAM, sseStream([line("web-a", "GET /a 200")]).response);
  fireEvent.click(screen.getByRole("button", { name: "Apply" }));
  await waitFor(() => expect(lastUrl().searchParams.get("include")).toBe("GET,POST"));
  expect(lastUrl().searchParams.get("regex")).toBe("\\d{3}");
  await waitFor(() => expect([...document.querySelectorAll(".log-line mark")].map((m) => m.textContent)).toEqual(["GET", "200"]));

  fireEvent.change(screen.getByLabelText("tail"), { target: { value: "all" } });
  await waitFor(() => expect(lastUrl().searchParams.get("tail")).toBe("all"));
});

it("refuses an invalid regex before sending it", async () => {
  api.on("GET", STREAM, sseStream([]).response);
  render(<LogsViewer cluster="c1" target={{ namespace: "shop", pod: "web-0" }} />);
  fireEvent.change(screen.getByLabelText("regex"), { target: { value: "(" } });
  expect((await screen.findByRole("alert")).textContent).toMatch(/^regex: /);
  expect(screen.getByRole("button", { name: "Apply" })).toHaveProperty("disabled", true);
});

it("shows the server's error verbatim", async () => {
  api.on("GET", STREAM, problem(429, "TooManyRequests", "too many log streams open"));
  render(<LogsViewer cluster="c1" target={{ namespace: "shop", pod: "web-0" }} />);
  expect((await screen.findByRole("alert")).textContent).toBe("TooManyRequests: too many log streams open");
});

it("counts lines dropped by the server and by the client cap", async () => {
  const stream = sseStream([{ event: "dropped", data: { dropped: 12 } }, line("p", "1"), line("p", "2"), line("p", "3"), line("p", "4")]);
  api.on("GET", STREAM, stream.response);
  render(<LogsViewer cluster="c1" target={{ namespace: "shop", pod: "p" }} cap={3} />);
  const notice = await screen.findByTestId("logs-dropped");
  await waitFor(() => expect(notice.textContent).toContain("1 oldest lines dropped from this view (kept 3)"));
  expect(notice.textContent).toContain("12 lines dropped by the server");
  expect(shownLines()).toEqual(["2", "3", "4"]);
});

it("pauses the display while lines keep arriving, and pretty-prints JSON lines", async () => {
  const stream = sseStream([line("p", '{"level":"info","msg":"hi"}')]);
  api.on("GET", STREAM, stream.response);
  render(<LogsViewer cluster="c1" target={{ namespace: "shop", pod: "p" }} />);
  await waitFor(() => expect(shownLines()).toHaveLength(1));
  fireEvent.click(screen.getByRole("button", { name: "Pause" }));
  act(() => stream.push("line", { t: "t", pod: "p", container: "app", line: "later" }));
  await screen.findByText(/paused; newer lines waiting/);
  expect(shownLines()).toHaveLength(1);
  fireEvent.click(screen.getByRole("button", { name: "Resume" }));
  await waitFor(() => expect(shownLines()).toHaveLength(2));

  fireEvent.click(screen.getByLabelText("json"));
  await waitFor(() => expect(document.querySelector(".log-json")?.textContent).toBe('{\n  "level": "info",\n  "msg": "hi"\n}'));
  fireEvent.click(screen.getByLabelText("timestamps"));
  expect(document.querySelector(".log-time")?.textContent).toBe("2026-01-01T00:00:00Z");
});

it("downloads the buffer as plain text", async () => {
  api.on("GET", STREAM, sseStream([line("p", "\u001b[1mbold\u001b[0m text")]).response);
  const created: Blob[] = [];
  // jsdom has no object URLs: add them for this test only.
  Object.assign(URL, { createObjectURL: (b: Blob) => (created.push(b), "blob:x"), revokeObjectURL: () => {} });
  const previous = restore;
  restore = () => {
    previous();
    delete (URL as unknown as Record<string, unknown>).createObjectURL;
    delete (URL as unknown as Record<string, unknown>).revokeObjectURL;
  };
  const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
  render(<LogsViewer cluster="c1" target={{ namespace: "shop", pod: "p" }} />);
  await waitFor(() => expect(shownLines()).toHaveLength(1));
  fireEvent.click(screen.getByRole("button", { name: "Download" }));
  expect(click).toHaveBeenCalledOnce();
  expect(await created[0]!.text()).toBe("2026-01-01T00:00:00Z bold text\n");
  expect(logsAsText([{ seq: 0, t: "t", pod: "p", container: "c", line: "x" }], true)).toBe("t p/c x\n");
});

it("a pod with several containers offers a container picker and tags lines with their container", async () => {
  api.on("GET", STREAM, sseStream([line("web-0", "hello")]).response);
  render(<LogsViewer cluster="c1" target={{ namespace: "shop", pod: "web-0" }} containers={["app", "proxy"]} />);
  await waitFor(() => expect(shownLines()).toEqual(["hello"]));
  expect(lastUrl().searchParams.has("container")).toBe(false);
  expect(document.querySelector(".log-src")?.textContent).toBe("web-0/app");
  api.on("GET", STREAM, sseStream([]).response);
  fireEvent.change(screen.getByLabelText("container"), { target: { value: "proxy" } });
  await waitFor(() => expect(lastUrl().searchParams.get("container")).toBe("proxy"));
});
