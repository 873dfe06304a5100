// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { clusterAccent, clusterHue, hashString } from "./accent";
import { applyTheme, nextTheme, storedTheme, storeTheme } from "./theme";
import { ThemeToggle } from "./ThemeToggle";

afterEach(() => {
  cleanup();
  window.localStorage.clear();
  document.documentElement.removeAttribute("data-theme");
});

describe("cluster accent", () => {
  it("is a stable function of the id: same id same colour, different ids spread apart", () => {
    expect(hashString("")).toBe(0x811c9dc5);
    expect(hashString("a")).toBe(0xe40c292c); // FNV-1a reference value
    expect(clusterAccent("prod")).toBe(clusterAccent("prod"));
    expect(clusterAccent("prod")).toMatch(/^hsl\(\d+ 70% 48%\)$/);
    const hues = ["admin", "restricted", "dev", "dev2", "prod-eu", "prod-us"].map(clusterHue);
    expect(new Set(hues).size).toBe(hues.length);
    for (const hue of hues) expect(hue >= 0 && hue < 360).toBe(true);
    expect(clusterAccent("")).toBe("");
  });
});

describe("theme", () => {
  it("cycles system → light → dark, persists the choice and sets data-theme", () => {
    expect(storedTheme()).toBe("system");
    expect([nextTheme("system"), nextTheme("light"), nextTheme("dark")]).toEqual(["light", "dark", "system"]);
    storeTheme("dark");
    expect(window.localStorage.getItem("masthead.theme")).toBe("dark");
    expect(storedTheme()).toBe("dark");
    storeTheme("system");
    expect(window.localStorage.getItem("masthead.theme")).toBeNull();
    window.localStorage.setItem("masthead.theme", "purple");
    expect(storedTheme()).toBe("system");
    const root = document.createElement("html");
    applyTheme("light", root);
    expect(root.getAttribute("data-theme")).toBe("light");
    applyTheme("system", root);
    expect(root.hasAttribute("data-theme")).toBe(false);
  });

  it("the header toggle applies and remembers the theme", () => {
    window.localStorage.setItem("masthead.theme", "light");
    render(<ThemeToggle />);
    const button = screen.getByRole("button", { name: "Theme: light" });
    expect(document.documentElement.getAttribute("data-theme")).toBe("light");
    fireEvent.click(button);
    expect(button.textContent).toBe("Theme: dark");
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    expect(window.localStorage.getItem("masthead.theme")).toBe("dark");
    fireEvent.click(button);
    expect(document.documentElement.hasAttribute("data-theme")).toBe(false);
    expect(window.localStorage.getItem("masthead.theme")).toBeNull();
  });
});
