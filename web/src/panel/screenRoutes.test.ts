import { expect, it } from "vitest";
import { decodePanelRoute, encodePanelRoute, type PanelRoute } from "./screenRoutes";

it("round-trips logs and audit routes", () => {
  const routes: PanelRoute[] = [
    { screen: "logs", cluster: "prod eu", target: { namespace: "shop", kind: "Deployment", name: "web" } },
    { screen: "logs", cluster: "c1", target: { namespace: "shop", pod: "web-0" } },
    { screen: "audit" },
    { screen: "audit", cluster: "c1" },
  ];
  for (const route of routes) expect(decodePanelRoute(encodePanelRoute(route))).toEqual(route);
  expect(encodePanelRoute(routes[0]!)).toBe("#/logs/prod%20eu/shop/Deployment/web");
});

it("leaves other hashes to the shell", () => {
  expect(decodePanelRoute("#/c/c1/pods")).toBeNull();
  expect(decodePanelRoute("#/logs/c1/shop/Service/web")).toBeNull();
  expect(decodePanelRoute("#/logs/c1/shop/Deployment")).toBeNull();
  expect(decodePanelRoute("#/logs/%E0%A4%A/x/Pod/y")).toBeNull();
});
