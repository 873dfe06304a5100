// Shared by the e2e tests: start `masthead --demo` on a free port (resolving the launch URL it
// prints) — or a `masthead sim` process plus masthead on its kubeconfig — stop them, and open
// Debian's Chromium through playwright-core (never a downloaded browser) with a screenshot and
// the servers' output on failure.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
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
/** A simulator loading 100,000 bulk pods on two busy cores takes a while. */
export const SIM_START_MS = 45_000;

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Spawns `masthead ...args` and resolves `ready` with the first line of its output matching
 * `pattern` (rejects after `SERVER_START_MS`, or when it exits first); `output` keeps everything.
 */
function startProcess(args, pattern, what, startMs = SERVER_START_MS) {
  const child = spawn(MASTHEAD, args, {
    cwd: REPO,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = [];
  const ready = new Promise((resolveMatch, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} printed no ${pattern} within ${startMs} ms`)), startMs);
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      output.push(chunk);
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = pattern.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolveMatch(match);
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
      reject(new Error(`${what} exited early (code ${code}, signal ${signal})`));
    });
  });
  return { child, ready, output };
}

/** Starts `masthead` with `args` (port, kubeconfig or --demo); resolves `url` with the launch URL it prints. */
export function startMasthead(token, dataDir, args) {
  const started = startProcess(
    ["--no-browser", "--token", token, "--data-dir", dataDir, ...args],
    /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/,
    "masthead",
  );
  return { child: started.child, output: started.output, url: started.ready.then((match) => match[1]) };
}

/** Starts `masthead --demo` on a free port; resolves with the launch URL it prints. */
export function startServer(token, dataDir, extraArgs = []) {
  return startMasthead(token, dataDir, ["--demo", "--port", "0", ...extraArgs]);
}

/**
 * Starts `masthead sim` (plus `simArgs`) writing its kubeconfig to `kubeconfig`; `ready`
 * resolves with `{ url, adminToken }` (the admin user's token also opens `/_sim/`).
 */
export function startSim(kubeconfig, simArgs = []) {
  const started = startProcess(
    ["sim", "--port", "0", "--kubeconfig-out", kubeconfig, ...simArgs],
    /^kubectl --kubeconfig /,
    "masthead sim",
    SIM_START_MS,
  );
  const ready = started.ready.then(() => {
    const text = readFileSync(kubeconfig, "utf8");
    const url = /^\s*server: (\S+)$/m.exec(text)?.[1];
    const adminToken = /- name: admin\n\s*user:\n\s*token: (\S+)/.exec(text)?.[1];
    assert.ok(url && adminToken, `no server or admin token in ${kubeconfig}`);
    return { url, adminToken };
  });
  return { child: started.child, output: started.output, ready };
}

export async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

function failedStart(error, output) {
  console.error(`e2e: server output:\n${output()}`);
  throw error;
}

function checkPrerequisites() {
  assert.ok(existsSync(MASTHEAD), `${MASTHEAD} missing: run \`make setup\``);
  assert.ok(existsSync(join(REPO, "web", "dist", "index.html")), "web/dist missing: run `make web`");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
}

/**
 * Opens a headless Chromium with its own profile under `tmp` and runs `body(page)`; on failure
 * writes a screenshot and prints `output()` (the servers' output); always closes the browser.
 */
async function withBrowser(tmp, viewport, output, body) {
  const pageErrors = [];
  let context = null;
  let page = null;
  try {
    context = await chromium.launchPersistentContext(join(tmp, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      timeout: WAIT_MS,
    });
    context.setDefaultTimeout(WAIT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(String(error?.stack ?? error)));
    await body(page);
  } catch (error) {
    if (pageErrors.length) console.error(`e2e: errors in the page:\n${pageErrors.join("\n")}`);
    if (page) {
      const shot = join(tmpdir(), `masthead-e2e-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 5_000 }).then(
        () => console.error(`e2e: screenshot at ${shot}`),
        (e) => console.error(`e2e: no screenshot (${e})`),
      );
    }
    console.error(`e2e: server output:\n${output()}`);
    throw error;
  } finally {
    await context?.close().catch(() => {});
  }
}

/**
 * Runs `body({ page, url, server, token })` against a fresh `masthead --demo` (plus `serverArgs`)
 * and a headless Chromium with its own profile; on failure writes a screenshot and prints the
 * server's output; always closes the browser, stops the server and removes the temporary
 * directory.
 */
export async function withDemo(body, { viewport = { width: 1400, height: 900 }, serverArgs = [] } = {}) {
  checkPrerequisites();
  const token = randomBytes(12).toString("hex");
  const tmp = mkdtempSync(join(tmpdir(), "masthead-e2e-"));
  const server = startServer(token, join(tmp, "data"), serverArgs);
  const output = () => server.output.join("");
  try {
    const url = await server.url.catch((error) => failedStart(error, output));
    await withBrowser(tmp, viewport, output, (page) => body({ page, url, server, token }));
  } finally {
    await stopServer(server.child);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * As `withDemo`, with the cluster in a separate `masthead sim` process (plus `simArgs`) and
 * masthead on its kubeconfig (plus `serverArgs`). `body` gets `{ page, url, token, sim,
 * restartServer, output }` (`output()`: both processes' output so far, for subtest failures): `sim` is `{ url, adminToken, admin(method, path, body) }` (the simulator's
 * admin API), `restartServer()` stops masthead and starts it again on the same port, token and
 * data directory while the simulator keeps running.
 */
export async function withSim(body, { viewport = { width: 1400, height: 900 }, simArgs = [], serverArgs = [] } = {}) {
  checkPrerequisites();
  const token = randomBytes(12).toString("hex");
  const tmp = mkdtempSync(join(tmpdir(), "masthead-e2e-"));
  const kubeconfig = join(tmp, "kubeconfig");
  const sim = startSim(kubeconfig, simArgs);
  const start = (port) => startMasthead(token, join(tmp, "data"), ["--kubeconfig", kubeconfig, "--port", String(port), ...serverArgs]);
  let server = null;
  const output = () => `--- masthead sim\n${sim.output.join("")}\n--- masthead\n${server?.output.join("") ?? ""}`;
  try {
    const { url: simUrl, adminToken } = await sim.ready.catch((error) => failedStart(error, output));
    server = start(0);
    const url = await server.url.catch((error) => failedStart(error, output));
    const port = new URL(url).port;
    const admin = simAdmin(simUrl, adminToken);
    const restartServer = async () => {
      await stopServer(server.child);
      server = start(port);
      assert.equal(await server.url, url, "masthead came back on another URL");
    };
    await withBrowser(tmp, viewport, output, (page) => body({ page, url, token, sim: { url: simUrl, adminToken, admin }, restartServer, output }));
  } finally {
    if (server) await stopServer(server.child);
    await stopServer(sim.child);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The simulator's admin API (`/_sim/...`) over its self-signed HTTPS. */
function simAdmin(simUrl, adminToken) {
  return (method, path, payload) =>
    new Promise((resolveReply, reject) => {
      const request = httpsRequest(
        new URL(path, simUrl),
        {
          method,
          rejectUnauthorized: false,
          headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
          timeout: WAIT_MS,
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => (text += chunk));
          response.on("end", () => resolveReply({ status: response.statusCode, body: text ? JSON.parse(text) : null }));
        },
      );
      request.on("timeout", () => request.destroy(new Error(`${method} ${path}: no answer within ${WAIT_MS} ms`)));
      request.on("error", reject);
      request.end(payload === undefined ? undefined : JSON.stringify(payload));
    });
}
