import { describe, expect, it } from "vitest";
import { initialSelection, keyToAction, selectionReducer, type SelectionAction, type SelectionState } from "./selection";

const run = (actions: SelectionAction[], state: SelectionState = initialSelection) =>
  actions.reduce(selectionReducer, state);

describe("keyboard selection", () => {
  it("starts at the top on ArrowDown and the bottom on ArrowUp", () => {
    expect(run([{ type: "move", by: 1, total: 10 }]).index).toBe(0);
    expect(run([{ type: "move", by: -1, total: 10 }]).index).toBe(9);
  });

  it("moves and clamps at both ends", () => {
    const down = { type: "move", by: 1, total: 3 } as const;
    expect(run([down, down, down, down]).index).toBe(2);
    expect(run([down, { type: "move", by: -5, total: 3 }]).index).toBe(0);
    expect(run([{ type: "end", total: 100 }]).index).toBe(99);
    expect(run([{ type: "end", total: 100 }, { type: "home", total: 100 }]).index).toBe(0);
  });

  it("keeps the state object when nothing changes", () => {
    const state = run([{ type: "move", by: 1, total: 1 }]);
    expect(selectionReducer(state, { type: "move", by: 1, total: 1 })).toBe(state);
    expect(selectionReducer(initialSelection, { type: "open" })).toBe(initialSelection);
    expect(selectionReducer(initialSelection, { type: "move", by: 1, total: 0 })).toBe(initialSelection);
  });

  it("Enter opens, Esc closes the panel and then clears the selection", () => {
    let state = run([{ type: "move", by: 1, total: 5 }, { type: "open" }]);
    expect(state).toEqual({ index: 0, open: true });
    state = selectionReducer(state, { type: "move", by: 1, total: 5 });
    expect(state).toEqual({ index: 1, open: true });
    state = selectionReducer(state, { type: "escape" });
    expect(state).toEqual({ index: 1, open: false });
    state = selectionReducer(state, { type: "escape" });
    expect(state).toEqual(initialSelection);
  });

  it("a click selects and opens; reset clears", () => {
    const state = run([{ type: "select", index: 42, total: 10, open: true }]);
    expect(state).toEqual({ index: 9, open: true });
    expect(selectionReducer(state, { type: "reset" })).toEqual(initialSelection);
  });

  it("maps keys", () => {
    expect(keyToAction("ArrowDown", 5, 20)).toEqual({ type: "move", by: 1, total: 5 });
    expect(keyToAction("PageUp", 5, 20)).toEqual({ type: "move", by: -20, total: 5 });
    expect(keyToAction("Enter", 5, 20)).toEqual({ type: "open" });
    expect(keyToAction("Escape", 5, 20)).toEqual({ type: "escape" });
    expect(keyToAction("x", 5, 20)).toBeNull();
  });
});
