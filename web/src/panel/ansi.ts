// ANSI SGR colour codes in log lines → styled segments. The subset containers actually print:
// reset, bold, dim, italic, underline, the 8 + 8 bright colours, 256-colour and truecolour
// (38;5;n / 38;2;r;g;b) for foreground and background. Other escape sequences are dropped.

export interface AnsiStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

const BASIC = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5"];
const BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"];

function color256(n: number): string | undefined {
  if (n < 0 || n > 255) return undefined;
  if (n < 8) return BASIC[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n < 232) {
    const steps = [0, 95, 135, 175, 215, 255];
    const v = n - 16;
    return `rgb(${steps[Math.floor(v / 36)]}, ${steps[Math.floor(v / 6) % 6]}, ${steps[v % 6]})`;
  }
  const gray = 8 + (n - 232) * 10;
  return `rgb(${gray}, ${gray}, ${gray})`;
}

/** Applies one SGR parameter list to a style; returns the new style. */
function applySgr(style: AnsiStyle, params: number[]): AnsiStyle {
  let next: AnsiStyle = { ...style };
  for (let i = 0; i < params.length; i++) {
    const code = params[i] ?? 0;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code >= 30 && code <= 37) next.fg = BASIC[code - 30];
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = BASIC[code - 40];
    else if (code === 49) delete next.bg;
    else if (code >= 90 && code <= 97) next.fg = BRIGHT[code - 90];
    else if (code >= 100 && code <= 107) next.bg = BRIGHT[code - 100];
    else if (code === 38 || code === 48) {
      const key = code === 38 ? "fg" : "bg";
      if (params[i + 1] === 5) {
        const colour = color256(params[i + 2] ?? -1);
        if (colour) next[key] = colour;
        i += 2;
      } else if (params[i + 1] === 2) {
        next[key] = `rgb(${params[i + 2] ?? 0}, ${params[i + 3] ?? 0}, ${params[i + 4] ?? 0})`;
        i += 4;
      }
    }
  }
  return next;
}

// CSI sequences (ESC [ params final-byte); only those ending in `m` style text.
const CSI = /\u001b\[([0-9;]*)([@-~])/g;
// Escapes that are not CSI (OSC titles, charset switches): removed.
const OTHER_ESCAPES = /\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)|\u001b[()][0-9A-Za-z]|\u001b[=>78]/g;

export function hasAnsi(line: string): boolean {
  return line.includes("\u001b");
}

export function parseAnsi(line: string): AnsiSegment[] {
  const input = line.replace(OTHER_ESCAPES, "");
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  for (const match of input.matchAll(CSI)) {
    const index = match.index ?? 0;
    if (index > last) segments.push({ text: input.slice(last, index), style });
    last = index + match[0].length;
    if (match[2] === "m") {
      const params = (match[1] ?? "").split(";").map((p) => (p === "" ? 0 : Number(p)));
      style = applySgr(style, params);
    }
  }
  if (last < input.length) segments.push({ text: input.slice(last), style });
  return segments;
}

/** The line without any escape sequence (for search, download and copying). */
export function stripAnsi(line: string): string {
  return line.replace(OTHER_ESCAPES, "").replace(CSI, "");
}
