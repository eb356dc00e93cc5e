// Serves the built Worker and the built console with `wrangler dev` (workerd,
// static assets and all, as `npm start` serves them) on a free port, with a
// fresh local D1 database in a temporary directory that has every migration
// applied. Used by the browser tests and by `npm run bench`; it never builds:
// run scripts/build.sh first.
//
// wrangler starts workerd as a child: both run in a process group of their
// own, so that stop() can end the whole group and leave nothing behind.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** The environment of scripts/env.sh: offline, no telemetry, no prompts. */
export const env = {
  ...process.env,
  PATH: `${process.env.HOME}/.cargo/bin:${join(root, "node_modules/.bin")}:${process.env.PATH}`,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  CI: "true",
};

/** A TCP port nothing listens on right now. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base, exited, deadline) {
  let gone = false;
  exited.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`${base}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(gone ? "wrangler dev exited before it answered /health" : "wrangler dev did not answer /health within 90 s");
}

/**
 * Starts `wrangler dev`; answers `{ base, stop }`. `output: "inherit"`
 * shows wrangler's own log (the default keeps only errors).
 */
export async function serve({ output = "ignore" } = {}) {
  const state = mkdtempSync(join(tmpdir(), "orgscope-served-"));
  execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: root,
    env,
    stdio: "ignore",
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--log-level", "error"];
  const server = spawn("wrangler", args, { cwd: root, env, detached: true, stdio: ["ignore", output, output] });
  const exited = new Promise((resolve) => server.on("exit", resolve));

  const signal = (name) => {
    try {
      process.kill(-server.pid, name);
    } catch {
      // the group is already gone
    }
  };
  const stop = async () => {
    signal("SIGTERM");
    const timeout = new Promise((resolve) => setTimeout(resolve, 5000, "timeout"));
    if ((await Promise.race([exited, timeout])) === "timeout") signal("SIGKILL");
    rmSync(state, { recursive: true, force: true });
  };

  try {
    await waitForHealth(base, exited, Date.now() + 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, stop };
}
