// The frame of every panel dialog: a modal over the page that takes focus when it opens and
// closes on Esc — handled here so the view's own Esc (close the panel) does not also fire.

import { useEffect, useRef, type ReactNode } from "react";
import "./panel.css";

export function ModalFrame({ label, wide = false, onClose, children }: { label: string; wide?: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>("input, select, textarea, button");
    first?.focus();
  }, []);
  return (
    <div className="dialog-backdrop">
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        className={wide ? "dialog dialog-wide" : "dialog"}
        onKeyDown={(event) => {
          if (event.key !== "Escape") return;
          event.preventDefault();
          event.stopPropagation();
          onClose();
        }}
      >
        {children}
      </div>
    </div>
  );
}
