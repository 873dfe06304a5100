// What a log line looks like on screen, independent of React: the highlight ranges of the
// include terms and the regex, a stable colour per pod/container, and JSON lines pretty-printed.

export interface TextPiece {
  text: string;
  hit: boolean;
}

/** Compiles the regex as the server does (no flags); null when empty or invalid. */
export function compileRegex(source: string): RegExp | null {
  if (!source) return null;
  try {
    return new RegExp(source, "g");
  } catch {
    return null;
  }
}

export function regexError(source: string): string | null {
  if (!source) return null;
  try {
    new RegExp(source);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Splits `text` into runs, marking every occurrence of a term or regex match. */
export function highlight(text: string, terms: string[], regex: RegExp | null): TextPiece[] {
  const ranges: Array<[number, number]> = [];
  for (const term of terms) {
    if (!term) continue;
    let at = text.indexOf(term);
    while (at >= 0) {
      ranges.push([at, at + term.length]);
      at = text.indexOf(term, at + term.length);
    }
  }
  if (regex) {
    regex.lastIndex = 0;
    for (const match of text.matchAll(new RegExp(regex.source, "g"))) {
      if (match[0].length > 0) ranges.push([match.index ?? 0, (match.index ?? 0) + match[0].length]);
    }
  }
  if (ranges.length === 0) return [{ text, hit: false }];
  ranges.sort((a, b) => a[0] - b[0]);
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (end <= at) continue;
    const from = Math.max(start, at);
    if (from > at) pieces.push({ text: text.slice(at, from), hit: false });
    pieces.push({ text: text.slice(from, end), hit: true });
    at = end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), hit: false });
  return pieces;
}

const SOURCE_COLOURS = 8;

/** One of 8 palette slots (CSS classes `log-src-0..7`) for a pod/container, stable per name. */
export function sourceSlot(pod: string, container: string): number {
  let hash = 2166136261;
  for (const ch of `${pod}/${container}`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % SOURCE_COLOURS;
}

/** A JSON object/array line, indented; null for anything else. */
export function prettyJson(line: string): string | null {
  const trimmed = line.trim();
  if (!(trimmed.startsWith("{") && trimmed.endsWith("}")) && !(trimmed.startsWith("[") && trimmed.endsWith("]"))) return null;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return null;
  }
}

/** Comma-separated terms as the inputs take them. */
export function splitTerms(value: string): string[] {
  return value
    .split(",")
    .map((term) => term.trim())
    .filter(Boolean);
}
