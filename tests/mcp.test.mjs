// orgscope over MCP (`POST /mcp`, Streamable HTTP, stateless, JSON answers),
// driven by the official MCP TypeScript SDK client the way an agent would
// drive it, with a bearer token from sign-up; then the transport's edges
// checked with raw HTTP.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { startWorker, ORIGIN } from "./support/worker.mjs";
import * as fixtures from "./support/fixtures.mjs";
import { TOOL_NAMES, keys, randomId } from "./support/fixtures.mjs";

const SUPPORTED = ["2025-06-18", "2025-03-26"];

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

// ---------------------------------------------------------------- helpers



/** Signs up a user; adds their id and their personal organization's id. */
function newUser(name) {
  return fixtures.newUser(worker, name);
}

/**
 * A fetch for the SDK transport that hands every request to the Worker in
 * Miniflare, and records what was sent and answered.
 */
function workerFetch(log) {
  return async (url, init = {}) => {
    const headers = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const method = init.method ?? "GET";
    const answer = await worker.mf.dispatchFetch(String(url), {
      method,
      headers,
      body: init.body,
      redirect: "manual",
    });
    log.push({ method, url: String(url), headers, body: init.body ? JSON.parse(init.body) : undefined, status: answer.status });
    // Read whole here, so that a body the client cancels unread (the 405 of
    // its GET, a 202) does not break workerd's pipe.
    const text = await answer.text();
    return new Response(text, { status: answer.status, headers: answer.headers });
  };
}

/** An agent: the SDK client, connected with the user's bearer token. */
async function connect(user) {
  const log = [];
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), {
    requestInit: { headers: { authorization: `Bearer ${user.token}` } },
    fetch: workerFetch(log),
  });
  const client = new McpClient({ name: "orgscope-test-agent", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport, log };
}

/** Calls a tool that must succeed; checks both forms of the result and answers the structured one. */
async function callOk(agent, name, args = {}) {
  let result;
  try {
    result = await agent.client.callTool({ name, arguments: args });
  } catch (error) {
    // The SDK validates every result: structuredContent must be a JSON object.
    assert.fail(`the SDK refused the result of ${name} ${JSON.stringify(args)}: ${error}`);
  }
  const detail = `${name} ${JSON.stringify(args)} -> ${JSON.stringify(result)}`;
  assert.equal(result.isError, false, detail);
  assert.ok(
    result.structuredContent !== null && typeof result.structuredContent === "object" && !Array.isArray(result.structuredContent),
    `structuredContent must be a JSON object: ${detail}`,
  );
  assert.equal(result.content.length, 1, detail);
  assert.equal(result.content[0].type, "text", detail);
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, detail);
  return result.structuredContent;
}

/** Calls a tool that must refuse: an isError result carrying {code, message}. */
async function callFails(agent, name, args, code, message) {
  const result = await agent.client.callTool({ name, arguments: args });
  const detail = `${name} ${JSON.stringify(args)} -> ${JSON.stringify(result)}`;
  assert.equal(result.isError, true, detail);
  assert.deepEqual(keys(result.structuredContent), ["code", "message"], detail);
  assert.equal(result.structuredContent.code, code, detail);
  if (message) assert.match(result.structuredContent.message, message, detail);
  assert.deepEqual(
    result.content,
    [{ type: "text", text: `${code}: ${result.structuredContent.message}` }],
    detail,
  );
  return result;
}

/** One raw POST /mcp. */
async function post(body, { token, headers = {} } = {}) {
  const sent = { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  const response = await worker.fetch("/mcp", {
    method: "POST",
    headers: sent,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Every row of orgscope's own tables. */
async function snapshot() {
  const state = {};
  for (const table of ["dataset", "dashboard", "widget", "automation", "automation_run"]) {
    const { results } = await worker.db.prepare(`select * from "${table}" order by "id"`).all();
    state[table] = results;
  }
  return state;
}

const COLUMNS = [
  { name: "month", type: "text" },
  { name: "region", type: "text" },
  { name: "amount", type: "real" },
];
const ROWS = [
  { month: "2024-01", region: "eu", amount: 10 },
  { month: "2024-01", region: "us", amount: 20.5 },
  { month: "2024-02", region: "eu", amount: 5 },
];

// ---------------------------------------------------------------- the SDK client

test("the SDK client connects with a bearer token and negotiates a supported protocol version", async () => {
  const ada = await newUser("Ada");
  const agent = await connect(ada);
  try {
    assert.ok(SUPPORTED.includes(agent.transport.protocolVersion), agent.transport.protocolVersion);
    // The SDK asks for a newer version than orgscope speaks: it is offered the newest one it does.
    assert.equal(agent.transport.protocolVersion, "2025-06-18");
    assert.equal(agent.client.getServerVersion().name, "orgscope");
    assert.equal(typeof agent.client.getServerVersion().version, "string");
    assert.deepEqual(agent.client.getServerCapabilities().tools, { listChanged: false });
    assert.equal(typeof agent.client.getInstructions(), "string");
    assert.deepEqual(await agent.client.ping(), {});

    // Give the transport's optional GET (for a server-sent event stream) time to happen.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [initialize, initialized, ...rest] = agent.log;
    assert.equal(initialize.method, "POST");
    assert.equal(initialize.body.method, "initialize");
    assert.equal(initialize.status, 200);
    assert.equal(initialize.headers.authorization, `Bearer ${ada.token}`);
    assert.equal(initialized.body.method, "notifications/initialized");
    assert.equal(initialized.status, 202);
    assert.equal(initialized.headers["mcp-protocol-version"], "2025-06-18");
    // No stream: the GET is answered 405, which the client accepts.
    for (const request of rest.filter((r) => r.method === "GET")) assert.equal(request.status, 405);
    for (const request of agent.log) {
      assert.equal(request.headers.authorization, `Bearer ${ada.token}`);
      assert.equal(request.headers["mcp-session-id"], undefined);
    }
  } finally {
    await agent.client.close();
  }

  // An older client gets the version it asked for; an unknown one is offered the newest.
  for (const [asked, agreed] of [
    ["2025-03-26", "2025-03-26"],
    ["2025-06-18", "2025-06-18"],
    ["1999-01-01", "2025-06-18"],
  ]) {
    const response = await post(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: asked, capabilities: {}, clientInfo: { name: "raw", version: "0" } },
      },
      { token: ada.token },
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /application\/json/);
    assert.equal(response.body.jsonrpc, "2.0");
    assert.equal(response.body.id, 1);
    assert.equal(response.body.result.protocolVersion, agreed);
    assert.equal(response.body.result.serverInfo.name, "orgscope");
  }
});

test("listTools answers every tool with a description and an object input schema, as GET /api/tools does", async () => {
  const ada = await newUser("Ada");
  const agent = await connect(ada);
  try {
    const { tools } = await agent.client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      TOOL_NAMES,
    );
    for (const tool of tools) {
      assert.equal(typeof tool.description, "string", tool.name);
      assert.ok(tool.description.length > 0, tool.name);
      assert.equal(tool.inputSchema.type, "object", tool.name);
      assert.equal(typeof tool.inputSchema.properties, "object", tool.name);
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    assert.deepEqual(byName.get_dashboard.inputSchema.required, ["dashboardId"]);
    assert.deepEqual(byName.add_widget.inputSchema.properties.type.enum, ["chart", "metric", "table"]);
    assert.deepEqual(byName.create_automation.inputSchema.properties.type.enum, ["threshold_alert", "scheduled_report"]);

    const http = await ada.client.get("/api/tools");
    assert.equal(http.status, 200);
    assert.deepEqual(
      http.body.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
      tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
    );
  } finally {
    await agent.client.close();
  }
});

test("an agent builds a dataset, a dashboard with chart, metric and table widgets and an automation, and reads the results", async () => {
  const ada = await newUser("Ada");
  const agent = await connect(ada);
  try {
    assert.deepEqual(await callOk(agent, "whoami"), { userId: ada.id, email: ada.email, orgId: ada.orgId, roles: ["owner"] });

    const ds = await callOk(agent, "create_dataset", { name: "Sales", columns: COLUMNS, rows: ROWS.slice(0, 2) });
    assert.equal(ds.orgId, ada.orgId);
    assert.equal(ds.name, "Sales");
    assert.deepEqual(await callOk(agent, "append_rows", { datasetId: ds.id, rows: ROWS.slice(2) }), {
      datasetId: ds.id,
      appended: 1,
    });
    assert.equal((await callOk(agent, "get_dataset", { datasetId: ds.id })).rowCount, 3);
    assert.deepEqual(
      await callOk(agent, "query_dataset", {
        datasetId: ds.id,
        groupBy: ["region"],
        aggregates: [{ function: "sum", column: "amount", alias: "total" }],
        orderBy: [{ column: "region" }],
      }),
      {
        columns: ["region", "total"],
        rows: [
          { region: "eu", total: 15 },
          { region: "us", total: 20.5 },
        ],
      },
    );

    const dash = await callOk(agent, "create_dashboard", { name: "Agent's dashboard", description: "made over MCP" });
    assert.equal(dash.createdById, ada.id);
    const chart = await callOk(agent, "add_widget", {
      dashboardId: dash.id,
      datasetId: ds.id,
      title: "Sales by month",
      type: "chart",
      config: { chartType: "line", x: "month", y: "amount", aggregate: "sum", groupBy: "region" },
    });
    const metric = await callOk(agent, "add_widget", {
      dashboardId: dash.id,
      datasetId: ds.id,
      title: "Total",
      type: "metric",
      config: { column: "amount", aggregate: "sum" },
    });
    const table = await callOk(agent, "add_widget", {
      dashboardId: dash.id,
      datasetId: ds.id,
      title: "Biggest",
      type: "table",
      config: { columns: ["region", "amount"], orderBy: { column: "amount", direction: "desc" }, limit: 2 },
    });
    assert.deepEqual(
      [chart.position, metric.position, table.position],
      [0, 1, 2],
    );

    const rendered = await callOk(agent, "render_dashboard", { dashboardId: dash.id });
    assert.equal(rendered.dashboardId, dash.id);
    assert.equal(rendered.name, "Agent's dashboard");
    assert.deepEqual(
      rendered.widgets.map((w) => [w.widgetId, w.title, w.type, w.position]),
      [
        [chart.id, "Sales by month", "chart", 0],
        [metric.id, "Total", "metric", 1],
        [table.id, "Biggest", "table", 2],
      ],
    );
    const series = [...rendered.widgets[0].data.series].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(rendered.widgets[0].data.chartType, "line");
    assert.deepEqual(series, [
      {
        name: "eu",
        points: [
          { x: "2024-01", y: 10 },
          { x: "2024-02", y: 5 },
        ],
      },
      { name: "us", points: [{ x: "2024-01", y: 20.5 }] },
    ]);
    assert.deepEqual(rendered.widgets[1].data, { type: "metric", value: 35.5 });
    assert.deepEqual(rendered.widgets[2].data, {
      type: "table",
      columns: ["region", "amount"],
      rows: [
        { region: "us", amount: 20.5 },
        { region: "eu", amount: 10 },
      ],
    });

    // Every result is an object: move_widget's widgets are under a key of it.
    const moved = await callOk(agent, "move_widget", { widgetId: table.id, position: 0 });
    const movedWidgets = moved.widgets ?? moved.result;
    assert.ok(Array.isArray(movedWidgets), JSON.stringify(moved));
    assert.deepEqual(
      movedWidgets.map((w) => [w.id, w.position]),
      [
        [table.id, 0],
        [chart.id, 1],
        [metric.id, 2],
      ],
    );

    const alert = await callOk(agent, "create_automation", {
      name: "Sales above 30",
      type: "threshold_alert",
      config: { datasetId: ds.id, column: "amount", aggregate: "sum", operator: "gt", threshold: 30, schedule: "daily" },
    });
    const report = await callOk(agent, "create_automation", {
      name: "Daily report",
      type: "scheduled_report",
      config: { dashboardId: dash.id, schedule: "0 8 * * *" },
    });
    assert.deepEqual(
      (await callOk(agent, "list_automations")).automations.map((a) => a.id),
      [alert.id, report.id],
    );
    const alertRun = await callOk(agent, "run_automation", { automationId: alert.id });
    assert.equal(alertRun.status, "success");
    assert.deepEqual(alertRun.result, { value: 35.5, threshold: 30, operator: "gt", triggered: true });
    const reportRun = await callOk(agent, "run_automation", { automationId: report.id });
    assert.equal(reportRun.status, "success");
    assert.deepEqual(reportRun.result, await callOk(agent, "render_dashboard", { dashboardId: dash.id }));
    assert.deepEqual(await callOk(agent, "list_automation_runs", { automationId: alert.id }), { runs: [alertRun] });

    // What the agent made is what D1 holds and what plain HTTP answers.
    const stored = await worker.db.prepare(`select org_id, name from dashboard where id = ?`).bind(dash.id).first();
    assert.deepEqual(stored, { org_id: ada.orgId, name: "Agent's dashboard" });
    const http = await ada.client.post("/api/tools/get_dashboard", { dashboardId: dash.id });
    assert.equal(http.status, 200);
    assert.deepEqual(http.body, await callOk(agent, "get_dashboard", { dashboardId: dash.id }));
  } finally {
    await agent.client.close();
  }
});

test("a tool that refuses answers an isError result, not a protocol error, and writes nothing", async () => {
  const ada = await newUser("Ada");
  const mel = await newUser("Mel");
  const agent = await connect(ada);
  const ds = await callOk(agent, "create_dataset", { name: "Sales", columns: COLUMNS, rows: ROWS });
  const dash = await callOk(agent, "create_dashboard", { name: "Ada's" });
  await callOk(agent, "add_widget", {
    dashboardId: dash.id,
    datasetId: ds.id,
    title: "Total",
    type: "metric",
    config: { column: "amount", aggregate: "sum" },
  });

  // Mel, a plain member of Ada's organization.
  await worker.db
    .prepare(`insert into "member" ("id", "organizationId", "userId", "role", "createdAt") values (?, ?, ?, 'member', ?)`)
    .bind(randomId("m"), ada.orgId, mel.id, new Date().toISOString())
    .run();
  const switched = await mel.client.post("/api/auth/organization/set-active", { organizationId: ada.orgId });
  assert.equal(switched.status, 200);
  const melAgent = await connect(mel);

  try {
    const before = await snapshot();
    const missing = await callFails(agent, "get_dashboard", { dashboardId: randomId("dash") }, "NOT_FOUND", /dashboard not found/);
    assert.deepEqual(missing.structuredContent, { code: "NOT_FOUND", message: "dashboard not found" });
    assert.deepEqual(missing.content, [{ type: "text", text: "NOT_FOUND: dashboard not found" }]);
    await callFails(agent, "create_dashboard", {}, "VALIDATION_ERROR", /name/);
    await callFails(agent, "create_dashboard", { name: "   " }, "VALIDATION_ERROR", /name/);
    await callFails(
      agent,
      "add_widget",
      { dashboardId: dash.id, datasetId: ds.id, title: "Bad", type: "metric", config: { column: "nope", aggregate: "sum" } },
      "VALIDATION_ERROR",
      /^config/,
    );
    await callFails(
      agent,
      "create_automation",
      { name: "Bad", type: "scheduled_report", config: { dashboardId: dash.id, schedule: "61 * * * *" } },
      "VALIDATION_ERROR",
      /^config\.schedule/,
    );
    await callFails(agent, "delete_dataset", { datasetId: ds.id }, "CONFLICT", /widget/);
    await callFails(melAgent, "delete_dashboard", { dashboardId: dash.id }, "FORBIDDEN");
    await callFails(melAgent, "create_dataset", { name: "Mine", columns: COLUMNS }, "FORBIDDEN");
    assert.deepEqual(await snapshot(), before);

    // The connection is still good afterwards.
    assert.equal((await callOk(melAgent, "whoami")).orgId, ada.orgId);
    assert.deepEqual(await callOk(melAgent, "whoami"), { userId: mel.id, email: mel.email, orgId: ada.orgId, roles: ["member"] });
  } finally {
    await agent.client.close();
    await melAgent.client.close();
  }
});

test("an unknown tool name is a JSON-RPC error, not a tool result", async () => {
  const ada = await newUser("Ada");
  const agent = await connect(ada);
  try {
    await assert.rejects(agent.client.callTool({ name: "drop_all_tables", arguments: {} }), (error) => {
      assert.ok(error instanceof McpError, String(error));
      assert.equal(error.code, -32602);
      assert.match(error.message, /drop_all_tables/);
      return true;
    });
    // The client goes on working.
    assert.equal((await callOk(agent, "whoami")).userId, ada.id);
  } finally {
    await agent.client.close();
  }

  const raw = await post(
    { jsonrpc: "2.0", id: "x-1", method: "tools/call", params: { name: "nope", arguments: {} } },
    { token: ada.token },
  );
  assert.equal(raw.status, 200);
  assert.equal(raw.body.jsonrpc, "2.0");
  assert.equal(raw.body.id, "x-1");
  assert.equal(raw.body.result, undefined);
  assert.equal(raw.body.error.code, -32602);
  assert.match(raw.body.error.message, /nope/);
});

test("a second organization's agent sees none of the first's data", async () => {
  const ada = await newUser("Ada");
  const eve = await newUser("Eve");
  const adaAgent = await connect(ada);
  const eveAgent = await connect(eve);
  try {
    const ds = await callOk(adaAgent, "create_dataset", { name: "Secret sales", columns: COLUMNS, rows: ROWS });
    const dash = await callOk(adaAgent, "create_dashboard", { name: "Secret" });
    const widget = await callOk(adaAgent, "add_widget", {
      dashboardId: dash.id,
      datasetId: ds.id,
      title: "Total",
      type: "metric",
      config: { column: "amount", aggregate: "sum" },
    });
    const alert = await callOk(adaAgent, "create_automation", {
      name: "Alert",
      type: "threshold_alert",
      config: { datasetId: ds.id, column: "amount", aggregate: "sum", operator: "gt", threshold: 1, schedule: "hourly" },
    });
    await callOk(adaAgent, "run_automation", { automationId: alert.id });

    assert.deepEqual(await callOk(eveAgent, "list_datasets"), { datasets: [] });
    assert.deepEqual(await callOk(eveAgent, "list_dashboards"), { dashboards: [] });
    assert.deepEqual(await callOk(eveAgent, "list_automations"), { automations: [] });
    assert.equal((await callOk(eveAgent, "whoami")).orgId, eve.orgId);

    const before = await snapshot();
    const probes = [
      ["get_dashboard", { dashboardId: dash.id }, { dashboardId: randomId("dash") }],
      ["render_dashboard", { dashboardId: dash.id }, { dashboardId: randomId("dash") }],
      ["delete_dashboard", { dashboardId: dash.id }, { dashboardId: randomId("dash") }],
      ["render_widget", { widgetId: widget.id }, { widgetId: randomId("wdg") }],
      ["remove_widget", { widgetId: widget.id }, { widgetId: randomId("wdg") }],
      ["get_dataset", { datasetId: ds.id }, { datasetId: randomId("ds") }],
      ["query_dataset", { datasetId: ds.id }, { datasetId: randomId("ds") }],
      ["run_automation", { automationId: alert.id }, { automationId: randomId("auto") }],
      ["list_automation_runs", { automationId: alert.id }, { automationId: randomId("auto") }],
    ];
    for (const [name, foreign, random] of probes) {
      const fromForeign = await callFails(eveAgent, name, foreign, "NOT_FOUND");
      const fromRandom = await callFails(eveAgent, name, random, "NOT_FOUND");
      assert.deepEqual(fromForeign, fromRandom, name);
    }
    assert.deepEqual(await snapshot(), before);
    // Ada still sees all of it.
    assert.equal((await callOk(adaAgent, "get_dashboard", { dashboardId: dash.id })).widgets.length, 1);
  } finally {
    await adaAgent.client.close();
    await eveAgent.client.close();
  }
});

// ---------------------------------------------------------------- raw HTTP

test("POST /mcp without credentials answers 401 with WWW-Authenticate: Bearer", async () => {
  const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
  for (const token of [undefined, "not-a-real-token"]) {
    const response = await post(ping, { token });
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer\b/);
    assert.deepEqual(keys(response.body), ["code", "message"]);
    assert.equal(response.body.code, "UNAUTHORIZED");
  }
  // The SDK client gets the 401 too, and cannot connect.
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", ORIGIN), { fetch: workerFetch([]) });
  const client = new McpClient({ name: "anonymous", version: "0" });
  await assert.rejects(client.connect(transport), (error) => {
    assert.equal(error.code, 401, String(error));
    assert.match(error.message, /UNAUTHORIZED/);
    return true;
  });
});

test("a notification is accepted with 202 and an empty body; a batch answers only its requests", async () => {
  const ada = await newUser("Ada");
  const notification = await post({ jsonrpc: "2.0", method: "notifications/initialized" }, { token: ada.token });
  assert.equal(notification.status, 202);
  assert.equal(notification.text, "");

  const notifications = await post(
    [
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } },
    ],
    { token: ada.token },
  );
  assert.equal(notifications.status, 202);
  assert.equal(notifications.text, "");

  const batch = await post(
    [
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami", arguments: {} } },
    ],
    { token: ada.token },
  );
  assert.equal(batch.status, 200);
  assert.deepEqual(
    batch.body.map((answer) => answer.id),
    [1, 2],
  );
  assert.deepEqual(batch.body[0], { jsonrpc: "2.0", id: 1, result: {} });
  assert.equal(batch.body[1].result.structuredContent.userId, ada.id);

  const empty = await post([], { token: ada.token });
  assert.equal(empty.body.error.code, -32600);
});

test("malformed JSON is a JSON-RPC parse error (-32700); an unknown method is -32601; a bad request is -32600", async () => {
  const ada = await newUser("Ada");

  const malformed = await post('{"jsonrpc": "2.0", "id": 1, "method": "ping"', { token: ada.token });
  assert.match(malformed.headers.get("content-type") ?? "", /application\/json/);
  assert.equal(malformed.body.jsonrpc, "2.0");
  assert.equal(malformed.body.id, null);
  assert.equal(malformed.body.error.code, -32700);
  assert.equal(typeof malformed.body.error.message, "string");

  const unknown = await post({ jsonrpc: "2.0", id: 42, method: "resources/list" }, { token: ada.token });
  assert.equal(unknown.status, 200);
  assert.deepEqual(keys(unknown.body), ["error", "id", "jsonrpc"]);
  assert.equal(unknown.body.id, 42);
  assert.equal(unknown.body.error.code, -32601);
  assert.match(unknown.body.error.message, /resources\/list/);

  const notRpc = await post({ jsonrpc: "1.0", id: 7, method: "ping" }, { token: ada.token });
  assert.equal(notRpc.body.id, 7);
  assert.equal(notRpc.body.error.code, -32600);
  const noMethod = await post({ jsonrpc: "2.0", id: 8 }, { token: ada.token });
  assert.equal(noMethod.body.error.code, -32600);

  const noName = await post({ jsonrpc: "2.0", id: 9, method: "tools/call", params: {} }, { token: ada.token });
  assert.equal(noName.body.id, 9);
  assert.equal(noName.body.error.code, -32602);
});

test("GET /mcp answers 405; an unsupported MCP-Protocol-Version answers 400", async () => {
  const ada = await newUser("Ada");
  const get = await worker.fetch("/mcp", {
    method: "GET",
    headers: { authorization: `Bearer ${ada.token}`, accept: "text/event-stream" },
  });
  assert.equal(get.status, 405);
  await get.text();

  const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
  const old = await post(ping, { token: ada.token, headers: { "mcp-protocol-version": "1999-01-01" } });
  assert.equal(old.status, 400);
  assert.deepEqual(keys(old.body), ["code", "message"]);
  assert.equal(old.body.code, "VALIDATION_ERROR");
  assert.match(old.body.message, /MCP-Protocol-Version/);
  assert.match(old.body.message, /1999-01-01/);

  for (const version of SUPPORTED) {
    const fine = await post(ping, { token: ada.token, headers: { "mcp-protocol-version": version } });
    assert.equal(fine.status, 200, version);
    assert.deepEqual(fine.body, { jsonrpc: "2.0", id: 1, result: {} });
  }
});
