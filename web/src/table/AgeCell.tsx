// A relative age ("3h25m") that ticks on the shared clock: only these cells re-render each
// second, not the rows around them.

import { ageText } from "./age";
import { useSecondClock } from "./secondClock";

export function AgeCell({ created }: { created: unknown }) {
  return <>{ageText(created, useSecondClock())}</>;
}
