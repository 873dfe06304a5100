// Shared by the e2e tests: start `masthead --demo` on a free port (resolving the launch URL it
// prints), stop it, and open Debian's Chromium through playwright-core (never a downloaded
// browser) with a screenshot and the server's output on failure.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
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

/**
 * Runs `body({ page, url, server, token })` against a fresh `masthead --demo` (plus `serverArgs`)
 * and a headless Chromium with its own profile; on failure writes a screenshot and prints the
 * server's output; always closes the browser, stops the server and removes the temporary
 * directory.
 */
export async function withDemo(body, { viewport = { width: 1400, height: 900 }, serverArgs = [] } = {}) {
  assert.ok(existsSync(MASTHEAD), `${MASTHEAD} missing: run \`make setup\``);
  assert.ok(existsSync(join(REPO, "web", "dist", "index.html")), "web/dist missing: run `make web`");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
  const token = randomBytes(12).toString("hex");
  const tmp = mkdtempSync(join(tmpdir(), "masthead-e2e-"));
  const server = startServer(token, join(tmp, "data"), serverArgs);
  let context = null;
  let page = null;
  try {
    const url = await server.url;
    context = await chromium.launchPersistentContext(join(tmp, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      timeout: WAIT_MS,
    });
    context.setDefaultTimeout(WAIT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    await body({ page, url, server, token });
  } catch (error) {
    if (page) {
      const shot = join(tmpdir(), `masthead-e2e-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 5_000 }).then(
        () => console.error(`e2e: screenshot at ${shot}`),
        (e) => console.error(`e2e: no screenshot (${e})`),
      );
    }
    console.error(`e2e: masthead output:\n${server.output.join("")}`);
    throw error;
  } finally {
    await context?.close().catch(() => {});
    await stopServer(server.child);
    rmSync(tmp, { recursive: true, force: true });
  }
}
