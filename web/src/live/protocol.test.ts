import { describe, expect, it } from "vitest";
import { parseServerMessage } from "./protocol";

describe("parseServerMessage", () => {
  it("decodes a page frame and defaults missing sources and warnings", () => {
    const message = parseServerMessage(
      JSON.stringify({ type: "page", sub: "s1", version: "v1", total: 3, offset: 0, rows: [] }),
    );
    expect(message).toEqual({
      type: "page",
      sub: "s1",
      version: "v1",
      total: 3,
      offset: 0,
      rows: [],
      sources: [],
      warnings: [],
    });
  });

  it("decodes the other frame types", () => {
    expect(parseServerMessage('{"type":"heartbeat","t":123}')).toEqual({ type: "heartbeat", t: 123 });
    expect(parseServerMessage('{"type":"cluster","cluster":"c1","state":"ready"}')?.type).toBe(
      "cluster",
    );
    expect(
      parseServerMessage('{"type":"error","sub":"s1","error":{"code":403,"reason":"Forbidden","message":"no"}}'),
    ).toMatchObject({ type: "error", sub: "s1", error: { reason: "Forbidden" } });
    expect(parseServerMessage('{"type":"logs","sub":"l1","lines":[]}')).toEqual({
      type: "logs",
      sub: "l1",
      lines: [],
      dropped: 0,
    });
  });

  it("skips what it does not understand instead of throwing", () => {
    for (const data of [
      "not json",
      "[]",
      "null",
      '{"type":"future-thing"}',
      '{"type":"page","sub":"s1"}',
      '{"type":"page","sub":"s1","version":"v","total":1,"offset":0,"rows":[],"seq":"x"}',
      '{"type":"heartbeat"}',
      42,
    ]) {
      expect(parseServerMessage(data)).toBeNull();
    }
  });
});
