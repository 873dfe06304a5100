// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { Ref } from "./refs";
import { RelationsTab } from "./RelationsTab";

afterEach(cleanup);

const slice: Ref = {
  group: "discovery.k8s.io",
  version: "v1",
  resource: "endpointslices",
  kind: "EndpointSlice",
  namespace: "shop",
  name: "web-abc12",
  uid: "s1",
};

it("lists a service's endpoint slices as links that open them", () => {
  const onOpen = vi.fn();
  render(<RelationsTab relations={{ endpointSlices: [slice] }} onOpen={onOpen} />);
  const list = screen.getByLabelText("relations");
  expect(within(list).getByText(/EndpointSlices/)).toBeTruthy();
  fireEvent.click(within(list).getByRole("link", { name: /web-abc12/ }));
  expect(onOpen).toHaveBeenCalledWith(slice);
});

it("says so when nothing is related", () => {
  render(<RelationsTab relations={{ endpointSlices: [] }} onOpen={() => {}} />);
  expect(screen.getByText("No related objects.")).toBeTruthy();
});
