import { expect, it } from "vitest";
import { withoutStatus } from "./editableManifest";

it("drops the top-level status block, wherever it sits, and nothing else", () => {
  const spec = "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    status: not-this-one\n";
  expect(withoutStatus(`${spec}status:\n  replicas: 2\n  conditions:\n  - type: Available\n`)).toBe(spec);
  expect(withoutStatus(`kind: Pod\nstatus:\n  phase: Running\nspec:\n  note: |\n    status: text\n`)).toBe("kind: Pod\nspec:\n  note: |\n    status: text\n");
  expect(withoutStatus("kind: ConfigMap\ndata:\n  status: ok\n")).toBe("kind: ConfigMap\ndata:\n  status: ok\n");
  expect(withoutStatus("kind: X\nstatus: {}\n")).toBe("kind: X\n");
});
