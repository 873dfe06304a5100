// One log line: optional timestamp, the pod/container it came from (coloured per source), and
// the text with ANSI colours rendered and include/regex matches highlighted; JSON lines may be
// shown pretty-printed.

import type { CSSProperties, ReactNode } from "react";
import { hasAnsi, parseAnsi, type AnsiStyle } from "./ansi";
import type { BufferedLine } from "./logBuffer";
import { highlight, prettyJson, sourceSlot } from "./logText";

export interface LineLook {
  timestamps: boolean;
  showSource: boolean;
  json: boolean;
  terms: string[];
  regex: RegExp | null;
}

function styleOf(style: AnsiStyle): CSSProperties | undefined {
  if (!style.fg && !style.bg && !style.bold && !style.dim && !style.italic && !style.underline) return undefined;
  return {
    color: style.fg,
    backgroundColor: style.bg,
    fontWeight: style.bold ? 600 : undefined,
    opacity: style.dim ? 0.7 : undefined,
    fontStyle: style.italic ? "italic" : undefined,
    textDecoration: style.underline ? "underline" : undefined,
  };
}

function marked(text: string, look: LineLook, key: string): ReactNode[] {
  return highlight(text, look.terms, look.regex).map((piece, index) =>
    piece.hit ? (
      <mark key={`${key}-${index}`}>{piece.text}</mark>
    ) : (
      <span key={`${key}-${index}`}>{piece.text}</span>
    ),
  );
}

export function LogLineView({ line, look }: { line: BufferedLine; look: LineLook }) {
  const pretty = look.json ? prettyJson(line.line) : null;
  let body: ReactNode;
  if (pretty !== null) body = <pre className="log-json">{marked(pretty, look, "j")}</pre>;
  else if (hasAnsi(line.line))
    body = parseAnsi(line.line).map((segment, index) => (
      <span key={index} style={styleOf(segment.style)}>
        {marked(segment.text, look, String(index))}
      </span>
    ));
  else body = marked(line.line, look, "t");
  return (
    <>
      {look.timestamps && <span className="log-time">{line.t}</span>}
      {look.showSource && (
        <span className={`log-src log-src-${sourceSlot(line.pod, line.container)}`}>
          {line.pod}/{line.container}
        </span>
      )}
      <span className="log-text">{body}</span>
    </>
  );
}
