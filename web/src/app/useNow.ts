// `Date.now()` that advances every `ms`, so relative ages ("3m", "updated 5s ago") tick.

import { useEffect, useState } from "react";

export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}
