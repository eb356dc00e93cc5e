// Starts the built Worker (build/index.js + build/index_bg.wasm) in Miniflare,
// the simulator that runs workerd, with a fresh in-memory D1 database that
// has every file in migrations/ applied. Each test file starts its own.

import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Miniflare } from "miniflare";

const root = fileURLToPath(new URL("../..", import.meta.url));

export const SECRET = "orgscope-test-secret-0123456789abcdef";
export const ORIGIN = "http://localhost:8787";

/** Reads wrangler.toml's compatibility date, so tests run what deploys. */
function compatibilityDate() {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  return toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)[1];
}

/**
 * Splits a migration file into statements: comments dropped, split at
 * semicolons outside quotes. D1's exec() is line-sensitive, so each
 * statement goes through prepare() in one batch instead.
 */
export function splitStatements(sql) {
  const statements = [];
  let current = "";
  let quote = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      current += c;
      if (c === quote) quote = null;
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
      current += "\n";
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === ";") {
      if (current.trim()) statements.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

export function migrationFiles() {
  const dir = join(root, "migrations");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), "utf8") }));
}

export async function applyMigrations(db) {
  for (const { sql } of migrationFiles()) {
    await db.batch(splitStatements(sql).map((statement) => db.prepare(statement)));
  }
}

/**
 * Starts orgscope. `bindings` overrides the default variables (pass
 * `{ BETTER_AUTH_SECRET: undefined }` to run without a secret).
 */
export async function startWorker({ bindings = {}, migrate = true } = {}) {
  const vars = { BETTER_AUTH_SECRET: SECRET, TRUSTED_ORIGINS: "", ...bindings };
  for (const [key, value] of Object.entries(vars)) if (value === undefined) delete vars[key];

  const mf = new Miniflare({
    rootPath: root,
    scriptPath: "build/index.js",
    modules: true,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: compatibilityDate(),
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: { DB: `test-${Math.random().toString(36).slice(2)}` },
    bindings: vars,
    // As declared in wrangler.toml.
    ratelimits: { SIGN_IN_LIMITER: { simple: { limit: 10, period: 60 } } },
    cf: false,
  });
  const db = await mf.getD1Database("DB");
  if (migrate) await applyMigrations(db);

  const fetch = (path, init = {}) => mf.dispatchFetch(new URL(path, ORIGIN), init);
  return { mf, db, fetch, dispose: () => mf.dispose() };
}
