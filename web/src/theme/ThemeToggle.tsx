// Header button cycling the theme: follow the system, light, dark.

import { useTheme, type ThemeChoice } from "./theme";

const LABELS: Record<ThemeChoice, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

export function ThemeToggle() {
  const [choice, cycle] = useTheme();
  return (
    <button type="button" className="theme-toggle" onClick={cycle} title="Switch theme (system, light, dark)" data-theme-choice={choice}>
      {LABELS[choice]}
    </button>
  );
}
