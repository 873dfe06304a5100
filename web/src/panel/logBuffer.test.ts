import { expect, it } from "vitest";
import { LogBuffer } from "./logBuffer";

const line = (n: number) => ({ t: `2026-01-01T00:00:0${n % 10}Z`, pod: "p", container: "c", line: `line ${n}` });

it("keeps at most cap lines, dropping the oldest and counting them", () => {
  const buffer = new LogBuffer(3);
  buffer.push([line(1), line(2)]);
  buffer.push([line(3), line(4), line(5)]);
  expect(buffer.size).toBe(3);
  expect(buffer.snapshot().map((l) => l.line)).toEqual(["line 3", "line 4", "line 5"]);
  expect(buffer.droppedClient).toBe(2);
  // Sequence numbers stay unique across drops (keys of the virtual list).
  expect(buffer.snapshot().map((l) => l.seq)).toEqual([2, 3, 4]);
});

it("counts server drops separately and clears both", () => {
  const buffer = new LogBuffer(10);
  buffer.serverDropped(7);
  buffer.serverDropped(0);
  buffer.push([line(1)]);
  expect(buffer.droppedServer).toBe(7);
  buffer.clear();
  expect([buffer.size, buffer.droppedServer, buffer.droppedClient]).toEqual([0, 0, 0]);
});

it("snapshots are copies", () => {
  const buffer = new LogBuffer(5);
  buffer.push([line(1)]);
  const before = buffer.snapshot();
  buffer.push([line(2)]);
  expect(before).toHaveLength(1);
});

it("rejects a cap below one", () => {
  expect(() => new LogBuffer(0)).toThrow(/cap/);
});
