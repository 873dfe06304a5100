import { describe, expect, it } from "vitest";
import type { ViewDef } from "./catalogue";
import { countQuery, facetCandidates, MAX_FACET_VALUES, statusFacetColumn } from "./facetCounts";

const view = (columns: ViewDef["columns"]): ViewDef => ({ name: "v", title: "V", columns });

describe("facet counts", () => {
  it("picks the status-like facet column the catalogue marks", () => {
    expect(statusFacetColumn(view([{ id: "status", title: "Status", type: "string", facet: true }]))).toBe("status");
    expect(statusFacetColumn(view([{ id: "status", title: "Status", type: "string" }, { id: "type", title: "Type", type: "string", facet: true }]))).toBe("type");
    expect(statusFacetColumn(view([{ id: "qos", title: "QoS", type: "string", facet: true }]))).toBeNull();
  });

  it("counts selected, known and seen values — no comma values, capped", () => {
    const values = facetCandidates("pods", ["Running", "Init:0/1", "Ready,SchedulingDisabled", ""], ["Weird"]);
    expect(values[0]).toBe("Weird");
    expect(values).toContain("CrashLoopBackOff");
    expect(values).toContain("Init:0/1");
    expect(values).not.toContain("Ready,SchedulingDisabled");
    expect(values.filter((v) => v === "Running").length).toBe(1);
    const many = Array.from({ length: 100 }, (_, i) => `s${i}`);
    expect(facetCandidates("widgets", many, []).length).toBe(MAX_FACET_VALUES);
    expect(facetCandidates("widgets", [], many).length).toBe(100); // selected values always count
  });

  it("counts under the view's other filters, without this facet or the sort", () => {
    expect(countQuery({ namespace: "a", q: "web", sort: "age", desc: 1, "facet.status": "Running", "facet.qos": "Burstable" }, "status")).toEqual({
      namespace: "a",
      q: "web",
      "facet.qos": "Burstable",
    });
  });
});
