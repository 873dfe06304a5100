// A light YAML tokenizer for display: keys, strings, numbers, booleans/null, comments and list
// dashes per line. Not a parser — the server's YAML is well-formed and only needs colour.

export type YamlTokenKind = "key" | "string" | "number" | "bool" | "comment" | "punct" | "plain";

export interface YamlToken {
  kind: YamlTokenKind;
  text: string;
}

const KEY = /^(\s*)(- )?([^\s#'"][^:#]*?|"[^"]*"|'[^']*'):(\s|$)/;

function scalar(text: string): YamlTokenKind {
  const value = text.trim();
  if (value === "") return "plain";
  if (/^(true|false|null|~)$/.test(value)) return "bool";
  if (/^-?(\d+|\d*\.\d+)([eE][-+]?\d+)?$/.test(value)) return "number";
  if (/^["']/.test(value) || /^[|>][-+]?$/.test(value) === false) return "string";
  return "punct";
}

function valueTokens(rest: string): YamlToken[] {
  const hash = rest.search(/\s#/);
  const value = hash >= 0 ? rest.slice(0, hash) : rest;
  const tokens: YamlToken[] = [];
  const lead = /^\s*/.exec(value)?.[0] ?? "";
  if (lead) tokens.push({ kind: "plain", text: lead });
  const body = value.slice(lead.length);
  if (body) tokens.push({ kind: scalar(body), text: body });
  if (hash >= 0) tokens.push({ kind: "comment", text: rest.slice(hash) });
  return tokens;
}

export function tokenizeYamlLine(line: string): YamlToken[] {
  if (/^\s*#/.test(line)) return [{ kind: "comment", text: line }];
  const key = KEY.exec(line);
  if (key) {
    const [whole, indent = "", dash = "", name = "", after = ""] = key;
    const tokens: YamlToken[] = [];
    if (indent) tokens.push({ kind: "plain", text: indent });
    if (dash) tokens.push({ kind: "punct", text: dash });
    tokens.push({ kind: "key", text: name }, { kind: "punct", text: ":" });
    return [...tokens, ...valueTokens(after + line.slice(whole.length))];
  }
  const item = /^(\s*)(- )(.*)$/.exec(line);
  if (item) {
    const [, indent = "", dash = "", rest = ""] = item;
    return [...(indent ? [{ kind: "plain" as const, text: indent }] : []), { kind: "punct", text: dash }, ...valueTokens(rest)];
  }
  return valueTokens(line);
}
