// Keyboard selection in a table: arrows move, PageUp/PageDown jump a screen, Home/End go to the
// ends, Enter opens the selected row, Esc closes the panel (then clears the selection).

export interface SelectionState {
  /** Index of the selected row in the whole (server-side) list, or null. */
  index: number | null;
  /** Whether the selected row's panel is open. */
  open: boolean;
}

export type SelectionAction =
  | { type: "move"; by: number; total: number }
  | { type: "home"; total: number }
  | { type: "end"; total: number }
  | { type: "select"; index: number; total: number; open?: boolean }
  | { type: "open" }
  | { type: "escape" }
  | { type: "reset" };

export const initialSelection: SelectionState = { index: null, open: false };

const clamp = (index: number, total: number) => Math.max(0, Math.min(total - 1, index));

export function selectionReducer(state: SelectionState, action: SelectionAction): SelectionState {
  switch (action.type) {
    case "move": {
      if (action.total <= 0) return state.index === null ? state : { ...state, index: null };
      const index = state.index === null ? (action.by >= 0 ? 0 : action.total - 1) : clamp(state.index + action.by, action.total);
      return index === state.index ? state : { ...state, index };
    }
    case "home":
      return action.total > 0 ? { ...state, index: 0 } : state;
    case "end":
      return action.total > 0 ? { ...state, index: action.total - 1 } : state;
    case "select":
      if (action.total <= 0) return state;
      return { index: clamp(action.index, action.total), open: action.open ?? state.open };
    case "open":
      return state.index === null || state.open ? state : { ...state, open: true };
    case "escape":
      if (state.open) return { ...state, open: false };
      return state.index === null ? state : { index: null, open: false };
    case "reset":
      return state.index === null && !state.open ? state : initialSelection;
  }
}

/** Maps a key to an action; null for keys the table does not handle. */
export function keyToAction(key: string, total: number, pageSize: number): SelectionAction | null {
  switch (key) {
    case "ArrowDown":
      return { type: "move", by: 1, total };
    case "ArrowUp":
      return { type: "move", by: -1, total };
    case "PageDown":
      return { type: "move", by: pageSize, total };
    case "PageUp":
      return { type: "move", by: -pageSize, total };
    case "Home":
      return { type: "home", total };
    case "End":
      return { type: "end", total };
    case "Enter":
      return { type: "open" };
    case "Escape":
      return { type: "escape" };
    default:
      return null;
  }
}
