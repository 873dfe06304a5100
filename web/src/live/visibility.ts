// Whether the tab is visible. A hidden tab pauses its subscriptions so a dozen background tabs do
// not keep a dozen windows streaming; the source is injectable so tests can flip it.

export interface VisibilitySource {
  readonly hidden: boolean;
  onChange(listener: () => void): () => void;
}

export function documentVisibility(doc: Document = document): VisibilitySource {
  return {
    get hidden() {
      return doc.visibilityState === "hidden";
    },
    onChange(listener) {
      doc.addEventListener("visibilitychange", listener);
      return () => doc.removeEventListener("visibilitychange", listener);
    },
  };
}

/** For environments without a document (tests of other parts, workers). */
export const alwaysVisible: VisibilitySource = {
  hidden: false,
  onChange: () => () => {},
};
