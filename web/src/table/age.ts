// Ages as kubectl prints them (k8s.io/apimachinery duration.HumanDuration), from a creation
// time in unix seconds; the table re-renders these as time passes.

export function humanDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 0) return "<invalid>";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) {
    const days = Math.floor(h / 24);
    const years = Math.floor(days / 365);
    return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  }
  return `${Math.floor(h / 24 / 365)}y`;
}

/** The age of something created at `createdUnixSeconds`, as of `nowMs`. */
export function ageText(createdUnixSeconds: unknown, nowMs: number): string {
  if (typeof createdUnixSeconds !== "number" || !Number.isFinite(createdUnixSeconds)) return "";
  return humanDuration(nowMs / 1000 - createdUnixSeconds);
}
