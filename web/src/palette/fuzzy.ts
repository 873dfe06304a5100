// Fuzzy matching for the command palette: the query's characters must appear in order
// (case-insensitive); matches at word starts and runs of consecutive characters score higher,
// gaps and long texts lower. Returns null for no match.

export interface FuzzyMatch {
  score: number;
  /** Indexes of the matched characters in the text (for highlighting). */
  positions: number[];
}

const WORD_BREAK = /[\s\-_/.:]/;

export function fuzzyMatch(query: string, text: string): FuzzyMatch | null {
  const q = query.trim().toLowerCase();
  if (!q) return { score: 0, positions: [] };
  const t = text.toLowerCase();
  const positions: number[] = [];
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const char of q) {
    if (char === " ") continue;
    const index = t.indexOf(char, from);
    if (index < 0) return null;
    const wordStart = index === 0 || WORD_BREAK.test(t[index - 1]!);
    score += 1;
    if (index === previous + 1) score += 4;
    if (wordStart) score += 3;
    score -= Math.min(3, index - from) * 0.25;
    positions.push(index);
    previous = index;
    from = index + 1;
  }
  if (t.startsWith(q)) score += 5;
  if (t === q) score += 10;
  score -= text.length * 0.01;
  return { score, positions };
}

/** Items matching `query`, best first (stable for equal scores), at most `limit`. */
export function fuzzyFilter<T>(items: T[], query: string, textOf: (item: T) => string, limit: number): Array<{ item: T; match: FuzzyMatch }> {
  const scored: Array<{ item: T; match: FuzzyMatch; order: number }> = [];
  items.forEach((item, order) => {
    const match = fuzzyMatch(query, textOf(item));
    if (match) scored.push({ item, match, order });
  });
  scored.sort((a, b) => b.match.score - a.match.score || a.order - b.order);
  return scored.slice(0, limit).map(({ item, match }) => ({ item, match }));
}
