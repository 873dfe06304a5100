// The manifest Edit YAML starts from: the object's YAML without its top-level `status:` block.
// Status is the controllers' to write; a real API server ignores it in an apply to the main
// resource, and sending it back only invites conflicts with the managers that own it.

/**
 * Drops the top-level `status:` mapping of a YAML document. Top-level keys start at column 0 and
 * everything inside one (block scalars included) is indented, so the block ends at the next line
 * that starts with neither a space nor a comment.
 */
export function withoutStatus(yaml: string): string {
  const lines = yaml.split("\n");
  const start = lines.findIndex((line) => /^status:(\s|$)/.test(line));
  if (start < 0) return yaml;
  let end = start + 1;
  while (end < lines.length && (lines[end] === "" || /^[\s#]/.test(lines[end] ?? ""))) end += 1;
  // Blank lines inside the block go with it; the document keeps its final newline.
  return [...lines.slice(0, start), ...lines.slice(end)].join("\n") + (end >= lines.length && yaml.endsWith("\n") ? "\n" : "");
}
