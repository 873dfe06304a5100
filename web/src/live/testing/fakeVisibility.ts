import type { VisibilitySource } from "../visibility";

/** A tab whose visibility the test flips. */
export class FakeVisibility implements VisibilitySource {
  hidden = false;
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(hidden: boolean): void {
    this.hidden = hidden;
    for (const listener of [...this.listeners]) listener();
  }
}
