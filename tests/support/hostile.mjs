// Shared by the hostile-*.test.mjs suites: whole-database snapshots, the
// exact shape of a refusal, users and their organizations, tool calls over
// plain HTTP and MCP, and small fixtures (a dataset, a dashboard, a widget,
// automations).
//
// A hostile test asserts two things: the refusal itself (status, a body of
// exactly {code, message}, never a 500) and that D1 is exactly as it was.

import assert from "node:assert/strict";
import { randomUUID, createHmac } from "node:crypto";
import { ORIGIN, SECRET } from "./worker.mjs";
import { uniqueEmail } from "./client.mjs";
import { addMember, keys, newUser } from "./fixtures.mjs";

export { ORIGIN, SECRET, uniqueEmail };
export { TOOL_NAMES, addMember, keys, newUser, randomId } from "./fixtures.mjs";

/** Every table a request could change. */
export const TABLES = [
  "user",
  "session",
  "account",
  "verification",
  "organization",
  "member",
  "invitation",
  "dataset",
  "dashboard",
  "widget",
  "automation",
  "automation_run",
];




/** A 32-character token of the shape orgscope makes, that names no session. */
export function randomToken() {
  return (randomUUID() + randomUUID()).replaceAll("-", "").slice(0, 32);
}

export function sign(value, secret = SECRET) {
  return createHmac("sha256", secret).update(value).digest("base64");
}

/** The cookie value orgscope (and Better Auth) sets for `token`. */
export function signedCookie(token, secret = SECRET) {
  return encodeURIComponent(`${token}.${sign(token, secret)}`);
}

/**
 * Every row of every table (ordered by rowid, so that nothing is hidden by
 * a missing id), every schema object of sqlite_master with its SQL, and
 * every row of every dataset table.
 */
export async function snapshot(db) {
  // Two batches (two round trips), however many tables there are.
  const statements = TABLES.map((table) => db.prepare(`select * from "${table}" order by rowid`));
  statements.push(db.prepare(`select type, name, tbl_name, sql from sqlite_master order by type, name`));
  const answers = await db.batch(statements);
  const state = {};
  TABLES.forEach((table, i) => {
    state[table] = answers[i].results;
  });
  const master = answers[TABLES.length].results;
  state.sqlite_master = master;
  state.rows = {};
  const dsTables = master.filter((o) => o.type === "table" && o.name.startsWith("ds_")).map((o) => o.name);
  if (dsTables.length > 0) {
    const rows = await db.batch(dsTables.map((name) => db.prepare(`select * from "${name}" order by "_row"`)));
    dsTables.forEach((name, i) => {
      state.rows[name] = rows[i].results;
    });
  }
  return state;
}

export async function assertUnchanged(db, before, what = "the database") {
  const after = await snapshot(db);
  for (const key of Object.keys(before)) {
    assert.deepEqual(after[key], before[key], `${what}: ${key} changed`);
  }
  assert.deepEqual(after, before, `${what}: changed`);
}

function detailOf(response) {
  const body = typeof response.body === "string" ? response.body : JSON.stringify(response.body);
  return `${response.status} ${String(body).slice(0, 1500)}`;
}

/**
 * A refusal: the status, JSON, a body of exactly {code, message} with
 * non-empty strings, and the code when given (a RegExp matches the message).
 */
export function assertError(response, status, code, message, what = "") {
  const detail = `${what} -> ${detailOf(response)}`;
  assert.notEqual(response.status, 500, `a server error: ${detail}`);
  assert.equal(response.status, status, detail);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/, detail);
  assert.ok(response.body !== null && typeof response.body === "object" && !Array.isArray(response.body), detail);
  assert.deepEqual(keys(response.body), ["code", "message"], detail);
  assert.equal(typeof response.body.code, "string", detail);
  assert.equal(typeof response.body.message, "string", detail);
  assert.ok(response.body.message.length > 0, detail);
  if (code) assert.equal(response.body.code, code, detail);
  if (message instanceof RegExp) assert.match(response.body.message, message, detail);
  else if (typeof message === "string") assert.equal(response.body.message, message, detail);
}

/** A 400 VALIDATION_ERROR whose message starts with `field: `. */
export function assertInvalid(response, field, what = "") {
  assertError(response, 400, "VALIDATION_ERROR", undefined, what);
  assert.ok(
    response.body.message.startsWith(`${field}: `),
    `expected the field ${field} to be named: ${what} -> ${detailOf(response)}`,
  );
}

/** Reads a fetch Response as {status, body, headers, text}. */
export async function read(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body, headers: response.headers, text };
}

/** A raw request to the Worker, answered as {status, body, headers, text}. */
export async function raw(worker, path, init = {}) {
  return read(await worker.fetch(path, init));
}



/** A new user who is `role` in `owner`'s organization and active in it. */
export async function joinAs(worker, owner, role, name = "Joiner") {
  const user = await newUser(worker, name);
  user.memberIdInOrg = await addMember(worker, owner.orgId, user, role);
  const switched = await user.client.post("/api/auth/organization/set-active", { organizationId: owner.orgId });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  const me = await user.client.get("/api/whoami");
  assert.equal(me.body.orgId, owner.orgId);
  return user;
}

/** Calls a tool over plain HTTP as `user` (cookie session). */
export function tool(user, name, args = {}) {
  return user.client.post(`/api/tools/${name}`, args);
}

/** Calls a tool and expects 200; answers the result. */
export async function ok(user, name, args = {}) {
  const response = await tool(user, name, args);
  assert.equal(response.status, 200, `${name} ${JSON.stringify(args).slice(0, 500)} -> ${detailOf(response)}`);
  return response.body;
}

/** Posts a JSON-RPC message to /mcp with a bearer token. */
export async function mcpPost(worker, message, { token, headers = {} } = {}) {
  const all = { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers };
  if (token) all.authorization = `Bearer ${token}`;
  return raw(worker, "/mcp", {
    method: "POST",
    headers: all,
    body: typeof message === "string" ? message : JSON.stringify(message),
  });
}

let rpcId = 0;
/** Calls a tool over MCP; answers the whole HTTP answer. */
export function mcpCall(worker, token, name, args = {}, headers = {}) {
  rpcId += 1;
  return mcpPost(
    worker,
    { jsonrpc: "2.0", id: rpcId, method: "tools/call", params: { name, arguments: args } },
    { token, headers },
  );
}

/** An MCP tool refusal: HTTP 200, isError, structuredContent exactly {code, message}. */
export function assertMcpToolError(response, code, what = "") {
  const detail = `${what} -> ${detailOf(response)}`;
  assert.equal(response.status, 200, detail);
  const result = response.body?.result;
  assert.ok(result, detail);
  assert.equal(result.isError, true, detail);
  assert.deepEqual(keys(result.structuredContent), ["code", "message"], detail);
  if (code) assert.equal(result.structuredContent.code, code, detail);
  return result.structuredContent;
}

// ---------------------------------------------------------------- fixtures

export const SALES_COLUMNS = [
  { name: "month", type: "text" },
  { name: "region", type: "text" },
  { name: "amount", type: "real" },
  { name: "units", type: "integer" },
  { name: "note", type: "text", nullable: true },
];
export const SALES_ROWS = [
  { month: "2024-01", region: "eu", amount: 10.5, units: 1, note: "a" },
  { month: "2024-01", region: "us", amount: 20, units: 2, note: null },
  { month: "2024-02", region: "eu", amount: 7, units: 4, note: "b" },
];
export const METRIC = { column: "amount", aggregate: "sum" };
export const CHART = { chartType: "bar", x: "month", y: "amount", aggregate: "sum", groupBy: "region" };
export const TABLE = { columns: ["month", "region", "amount"], limit: 3 };

export function salesDataset(user, name = "Sales") {
  return ok(user, "create_dataset", { name, columns: SALES_COLUMNS, rows: SALES_ROWS });
}

export function dashboard(user, name = "Overview") {
  return ok(user, "create_dashboard", { name });
}

export function widget(user, dash, ds, type = "metric", config = METRIC, title = `${type} widget`) {
  return ok(user, "add_widget", { dashboardId: dash.id, datasetId: ds.id, title, type, config });
}

export function thresholdConfig(ds, extra = {}) {
  return { datasetId: ds.id, column: "amount", aggregate: "sum", operator: "gt", threshold: 10, schedule: "hourly", ...extra };
}

export function alert(user, ds, name = "Alert") {
  return ok(user, "create_automation", { name, type: "threshold_alert", config: thresholdConfig(ds) });
}

export function report(user, dash, name = "Report") {
  return ok(user, "create_automation", { name, type: "scheduled_report", config: { dashboardId: dash.id, schedule: "daily" } });
}

/**
 * A whole organization's worth of records for `user`: a dataset, a
 * dashboard with a widget, a threshold alert with one run, and a scheduled
 * report.
 */
export async function world(user, label = user.name) {
  const ds = await salesDataset(user, `${label} sales`);
  const dash = await dashboard(user, `${label} board`);
  const wdg = await widget(user, dash, ds, "metric", METRIC, `${label} metric`);
  const auto = await alert(user, ds, `${label} alert`);
  const rep = await report(user, dash, `${label} report`);
  const run = await ok(user, "run_automation", { automationId: auto.id });
  return { ds, dash, wdg, auto, rep, run };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
