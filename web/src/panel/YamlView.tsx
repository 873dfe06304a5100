// Read-only YAML with light syntax colouring and a copy button.

import { useState } from "react";
import { tokenizeYamlLine } from "./yamlTokens";
import "./panel.css";

export function YamlView({ text }: { text: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const copy = () => {
    navigator.clipboard
      .writeText(text)
      .then(() => setCopied("yes"))
      .catch(() => setCopied("failed"));
  };
  return (
    <div className="yaml-view">
      <div className="yaml-tools">
        <button type="button" onClick={copy}>
          Copy
        </button>
        {copied === "yes" && <span className="muted">copied</span>}
        {copied === "failed" && <span className="tone-bad">copy failed (clipboard not allowed)</span>}
      </div>
      <pre className="yaml">
        {text.split("\n").map((line, index) => (
          <div key={index}>
            {tokenizeYamlLine(line).map((token, i) =>
              token.kind === "plain" ? token.text : (
                <span key={i} className={`y-${token.kind}`}>
                  {token.text}
                </span>
              ),
            )}
            {"\n"}
          </div>
        ))}
      </pre>
    </div>
  );
}
