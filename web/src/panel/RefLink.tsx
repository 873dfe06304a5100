// A link to another object: opens its panel in place (the panel keeps a back stack).

import { refLabel, type Ref } from "./refs";

export function RefLink({ target, onOpen }: { target: Ref; onOpen: (ref: Ref) => void }) {
  return (
    <a
      href="#"
      className="ref-link"
      onClick={(event) => {
        event.preventDefault();
        onOpen(target);
      }}
    >
      <span className="muted">{target.kind || target.resource}</span> {refLabel(target)}
    </a>
  );
}
