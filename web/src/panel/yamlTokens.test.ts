import { expect, it } from "vitest";
import { tokenizeYamlLine } from "./yamlTokens";

const kinds = (line: string) => tokenizeYamlLine(line).map((t) => `${t.kind}:${t.text}`);

it("colours keys and scalar values", () => {
  expect(kinds("  replicas: 3")).toEqual(["plain:  ", "key:replicas", "punct::", "plain: ", "number:3"]);
  expect(kinds("kind: Pod")).toEqual(["key:kind", "punct::", "plain: ", "string:Pod"]);
  expect(kinds("  ready: true")).toContain("bool:true");
  expect(kinds('  name: "x: y"')).toContain('string:"x: y"');
});

it("handles list items, comments and block scalars", () => {
  expect(kinds("- name: web")).toEqual(["punct:- ", "key:name", "punct::", "plain: ", "string:web"]);
  expect(kinds("  - nginx")).toEqual(["plain:  ", "punct:- ", "string:nginx"]);
  expect(kinds("# a comment")).toEqual(["comment:# a comment"]);
  expect(kinds("  script: |")).toContain("punct:|");
  expect(kinds("  a: b # why")).toEqual(["plain:  ", "key:a", "punct::", "plain: ", "string:b", "comment: # why"]);
});

it("keeps every character", () => {
  for (const line of ["  image: ghcr.io/acme/web:1.2", "    - --flag=1", "", "  key:", "url: http://x:80/y"]) {
    expect(tokenizeYamlLine(line).map((t) => t.text).join("")).toBe(line);
  }
});
