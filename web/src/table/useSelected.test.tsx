// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, expect, it } from "vitest";
import { ObservableValue } from "../live/observable";
import { shallowEqual, useSelected } from "./useSelected";

afterEach(cleanup);

interface State {
  count: number;
  label: string;
}

it("re-renders only when the selected part changes", () => {
  const source = new ObservableValue<State>({ count: 1, label: "a" });
  let renders = 0;
  function Count() {
    const count = useSelected(source, (state) => ({ count: state?.count ?? -1 }), shallowEqual);
    renders += 1;
    return <span data-testid="count">{count.count}</span>;
  }
  render(<Count />);
  expect(screen.getByTestId("count").textContent).toBe("1");
  expect(renders).toBe(1);
  act(() => source.set({ count: 1, label: "b" })); // another part changed
  expect(renders).toBe(1);
  act(() => source.set({ count: 2, label: "b" }));
  expect(screen.getByTestId("count").textContent).toBe("2");
  expect(renders).toBe(2);
});

it("selects from null without a source", () => {
  function Count() {
    const text = useSelected<State, string>(null, (state) => (state ? "some" : "none"));
    return <span data-testid="text">{text}</span>;
  }
  render(<Count />);
  expect(screen.getByTestId("text").textContent).toBe("none");
});

it("shallowEqual compares own keys by identity", () => {
  const shared = [1];
  expect(shallowEqual({ a: 1, b: shared }, { a: 1, b: shared })).toBe(true);
  expect(shallowEqual({ a: 1, b: shared }, { a: 1, b: [1] })).toBe(false);
  expect(shallowEqual<Record<string, number>>({ a: 1 }, { a: 1, b: 2 })).toBe(false);
});
