// Shared by the e2e tests: `masthead --demo` on a free port (its launch URL read from stdout)
// and the Chromium settings. Debian's /usr/bin/chromium through playwright-core, never a
// downloaded browser.
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, "..", "..");
export const MASTHEAD = process.env.MASTHEAD_BIN ?? join(REPO, ".venv", "bin", "masthead");
export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
export const TEST_BUDGET_MS = 60_000;
export const SERVER_START_MS = 20_000;
export const WAIT_MS = 15_000;

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Starts `masthead --demo` on a free port; resolves with the launch URL it prints. */
export function startServer(token, dataDir, extraArgs = []) {
  const child = spawn(
    MASTHEAD,
    ["--demo", "--no-browser", "--port", "0", "--token", token, "--data-dir", dataDir, ...extraArgs],
    { cwd: REPO, env: { ...process.env, PYTHONUNBUFFERED: "1" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const output = [];
  const url = new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`masthead printed no URL within ${SERVER_START_MS} ms`)), SERVER_START_MS);
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      output.push(chunk);
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)\s*$/.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => output.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`masthead exited early (code ${code}, signal ${signal})`));
    });
  });
  return { child, url, output };
}

export async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
