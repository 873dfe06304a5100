import { formatCount } from "../app/formatCount";

// One big number with its label, optionally a link to the rows it counts.

export function Stat({ label, value, tone, href }: { label: string; value: number; tone: string; href?: string | undefined }) {
  const text = formatCount(value);
  return (
    <div className={`stat tone-${tone}`} data-stat={label}>
      <dd>{href ? <a href={href}>{text}</a> : text}</dd>
      <dt>{label}</dt>
    </div>
  );
}
