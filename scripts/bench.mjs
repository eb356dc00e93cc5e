// `npm run bench`: builds the release Worker, serves it with `wrangler dev`
// on a fresh local D1 database, prepares an organization with data (a
// dataset of 100,000 rows and a dashboard with a chart, a metric and a
// table), then measures each endpoint with autocannon and prints a table:
// requests per second, p50 and p99 latency, each next to its ratio to
// /health measured in the same run, and what each request costs in D1 (the
// Worker's `x-d1-round-trips` and `x-d1-statements` headers), then the
// bundle's size. Sign-up and sign-in are timed one request at a time (their
// cost is the password hash). It stops every process it started.
//
// Options (environment): BENCH_SECONDS (default 10) per endpoint,
// BENCH_CONNECTIONS (default 10), BENCH_ROWS (default 100000).

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";

import { env, root, serve } from "../tests/support/wrangler.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
let BASE = "";

function run(command, args) {
  execFileSync(command, args, { cwd: root, env, stdio: "inherit" });
}

/** What a response's headers say it cost in D1. */
function d1Cost(response) {
  return {
    roundTrips: Number(response.headers.get("x-d1-round-trips")),
    statements: Number(response.headers.get("x-d1-statements")),
  };
}

async function call(token, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return { body: JSON.parse(text), ...d1Cost(response) };
}

async function signUp(email) {
  const started = performance.now();
  const response = await fetch(`${BASE}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench User", email, password: "benchmark password" }),
  });
  const elapsed = performance.now() - started;
  const body = await response.json();
  if (!response.ok) throw new Error(`sign-up: ${response.status} ${JSON.stringify(body)}`);
  return { token: body.token, elapsed, ...d1Cost(response) };
}

async function signIn(email) {
  const started = performance.now();
  const response = await fetch(`${BASE}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "benchmark password" }),
  });
  const elapsed = performance.now() - started;
  await response.text();
  if (!response.ok) throw new Error(`sign-in: ${response.status}`);
  return { elapsed, ...d1Cost(response) };
}

async function prepare() {
  const owner = await signUp(`owner-${Date.now()}@bench.example`);
  const columns = [
    { name: "region", type: "text" },
    { name: "month", type: "text" },
    { name: "amount", type: "real" },
    { name: "units", type: "integer" },
  ];
  const dataset = (await call(owner.token, "/api/tools/create_dataset", { name: "Events", columns })).body;
  const regions = ["eu", "us", "apac", "latam", "africa"];
  const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
  const chunk = 5000;
  for (let start = 0; start < ROWS; start += chunk) {
    const rows = [];
    for (let i = start; i < Math.min(ROWS, start + chunk); i++) {
      rows.push({ region: regions[i % 5], month: months[i % 12], amount: (i % 1000) / 10, units: i % 7 });
    }
    await call(owner.token, "/api/tools/append_rows", { datasetId: dataset.id, rows });
  }
  const dashboard = (await call(owner.token, "/api/tools/create_dashboard", { name: "Overview" })).body;
  const widgets = [
    { title: "Amount by month", type: "chart", config: { chartType: "bar", x: "month", y: "amount", aggregate: "sum", groupBy: "region" } },
    { title: "Total units", type: "metric", config: { column: "units", aggregate: "sum" } },
    { title: "Largest", type: "table", config: { columns: ["region", "amount"], orderBy: { column: "amount", direction: "desc" }, limit: 10 } },
  ];
  for (const widget of widgets) {
    await call(owner.token, "/api/tools/add_widget", { dashboardId: dashboard.id, datasetId: dataset.id, ...widget });
  }
  return { token: owner.token, datasetId: dataset.id, dashboardId: dashboard.id };
}

async function measure(name, path, { token, body } = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const request = { method: body ? "POST" : "GET", headers, body: body ? JSON.stringify(body) : undefined };
  const sample = await fetch(`${BASE}${path}`, request);
  await sample.text();
  if (!sample.ok) throw new Error(`${name}: ${sample.status}`);
  const cost = d1Cost(sample);
  const result = await autocannon({ url: `${BASE}${path}`, connections: CONNECTIONS, duration: SECONDS, ...request });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ...cost };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  run("bash", ["scripts/setup.sh"]);
  run("bash", ["scripts/build.sh", "--force"]);
  const server = await serve();
  BASE = server.base;
  // Ctrl-C still stops wrangler and workerd.
  process.on("SIGINT", async () => {
    await server.stop();
    process.exit(130);
  });

  try {
    console.error(`[bench] preparing an organization with a ${ROWS}-row dataset`);
    const { token, datasetId, dashboardId } = await prepare();
    const grouped = { datasetId, groupBy: ["region"], aggregates: [{ function: "sum", column: "amount" }, { function: "count" }] };

    console.error(`[bench] measuring, ${SECONDS} s per endpoint, ${CONNECTIONS} connections`);
    const rows = [
      await measure("GET /health", "/health"),
      await measure("GET /api/whoami", "/api/whoami", { token }),
      await measure("list_datasets", "/api/tools/list_datasets", { token, body: {} }),
      await measure(`query_dataset (grouped, ${ROWS} rows)`, "/api/tools/query_dataset", { token, body: grouped }),
      await measure("render_dashboard (3 widgets)", "/api/tools/render_dashboard", { token, body: { dashboardId } }),
    ];

    const signUps = [];
    const emails = [];
    for (let i = 0; i < 10; i++) {
      const email = `user-${i}-${Date.now()}@bench.example`;
      emails.push(email);
      signUps.push(await signUp(email));
    }
    const signIns = [];
    for (const email of emails) signIns.push(await signIn(email));

    const health = rows[0];
    const wasm = readFileSync(join(root, "build/index_bg.wasm"));
    const ms = (value) => `${value.toFixed(1)} ms`;
    console.log(`machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`load: autocannon, ${CONNECTIONS} connections, ${SECONDS} s per endpoint, wrangler dev (workerd) on local D1\n`);
    console.log("| request | req/s | ×/health | p50 | p99 | p99 ×/health | D1 round trips | D1 statements |");
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of rows) {
      console.log(
        `| ${row.name} | ${row.rps.toFixed(0)} | ${(row.rps / health.rps).toFixed(2)} | ${row.p50} ms | ${row.p99} ms | ${(row.p99 / Math.max(health.p99, 1)).toFixed(1)} | ${row.roundTrips} | ${row.statements} |`,
      );
    }
    for (const [name, samples] of [["sign-up (one at a time, n=10)", signUps], ["sign-in (one at a time, n=10)", signIns]]) {
      const times = samples.map((s) => s.elapsed);
      console.log(
        `| ${name} | – | – | ${ms(percentile(times, 50))} | ${ms(percentile(times, 99))} | ${(percentile(times, 99) / Math.max(health.p99, 1)).toFixed(1)} | ${samples[0].roundTrips} | ${samples[0].statements} |`,
      );
    }
    const glue = readFileSync(join(root, "build/index.js"));
    const gzipped = (bytes) => gzipSync(bytes, { level: 9 }).length;
    console.log(`\nwasm: ${wasm.length} bytes raw, ${gzipped(wasm)} bytes gzipped`);
    console.log(`bundle (wasm + index.js): ${wasm.length + glue.length} bytes raw, ${gzipped(wasm) + gzipped(glue)} bytes gzipped`);
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
