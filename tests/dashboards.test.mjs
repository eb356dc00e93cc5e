// Dashboards, widgets and automations as agents call them, through
// `POST /api/tools/{name}`: every answer checked by status, shape and exact
// computed data, and by the D1 rows afterwards. A refusal must leave the
// database exactly as it found it; another organization's records answer
// exactly like records that do not exist.
//
// Every test signs up its own users. A sign-up makes the user, a personal
// organization with the user as owner, and a session whose active
// organization is that one.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import * as fixtures from "./support/fixtures.mjs";
import { keys, randomId } from "./support/fixtures.mjs";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DASHBOARD_KEYS = ["createdAt", "createdById", "description", "id", "name", "orgId", "updatedAt"];
const WIDGET_KEYS = [
  "config",
  "createdAt",
  "createdById",
  "dashboardId",
  "datasetId",
  "id",
  "orgId",
  "position",
  "title",
  "type",
  "updatedAt",
];
const AUTOMATION_KEYS = [
  "config",
  "createdAt",
  "createdById",
  "description",
  "enabled",
  "id",
  "name",
  "orgId",
  "type",
  "updatedAt",
];
const RUN_KEYS = ["automationId", "error", "executedAt", "id", "result", "scheduledFor", "status"];

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

// ---------------------------------------------------------------- helpers



/** Signs up a user on `w`; adds their id, their personal organization's id and the worker. */
function newUser(name = "Test User", w = worker) {
  return fixtures.newUser(w, name);
}

/** Makes `user` a member of `owner`'s organization with `role`, and switches the user's session to it. */
async function joinAs(owner, user, role) {
  await fixtures.addMember(user.worker, owner.orgId, user, role);
  const switched = await user.client.post("/api/auth/organization/set-active", { organizationId: owner.orgId });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  const me = await user.client.get("/api/whoami");
  assert.equal(me.body.orgId, owner.orgId);
  assert.deepEqual(me.body.roles, [role]);
  return user;
}

/** Calls a tool over plain HTTP as `user`. */
function tool(user, name, args = {}) {
  return user.client.post(`/api/tools/${name}`, args);
}

/** Calls a tool and expects success; answers the result. */
async function ok(user, name, args = {}) {
  const response = await tool(user, name, args);
  assert.equal(response.status, 200, `${name} ${JSON.stringify(args)} -> ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** An error answer: the status, and a body of exactly {code, message}. */
function assertError(response, status, code, message) {
  const detail = `${response.status} ${JSON.stringify(response.body)}`;
  assert.equal(response.status, status, detail);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/, detail);
  assert.deepEqual(keys(response.body), ["code", "message"], detail);
  assert.equal(response.body.code, code, detail);
  assert.equal(typeof response.body.message, "string");
  assert.ok(response.body.message.length > 0);
  if (message) assert.match(response.body.message, message, detail);
}

/** Every row of orgscope's own tables and of every dataset table. */
async function snapshot(w = worker) {
  const state = {};
  for (const table of ["dataset", "dashboard", "widget", "automation", "automation_run"]) {
    const { results } = await w.db.prepare(`select * from "${table}" order by "id"`).all();
    state[table] = results;
  }
  state.rows = {};
  for (const { table_name: table } of state.dataset) {
    try {
      const { results } = await w.db.prepare(`select * from "${table}" order by "_row"`).all();
      state.rows[table] = results;
    } catch {
      state.rows[table] = "missing";
    }
  }
  return state;
}

async function assertUnchanged(before, what = "the database", w = worker) {
  assert.deepEqual(await snapshot(w), before, `${what} changed after a refusal`);
}

async function row(table, id, w = worker) {
  return w.db.prepare(`select * from "${table}" where "id" = ?`).bind(id).first();
}

async function countRows(table, where = "1 = 1", ...params) {
  const found = await worker.db.prepare(`select count(*) as n from "${table}" where ${where}`).bind(...params).first();
  return found.n;
}

const SALES_COLUMNS = [
  { name: "month", type: "text" },
  { name: "region", type: "text" },
  { name: "amount", type: "real" },
  { name: "units", type: "integer" },
  { name: "channel", type: "text", nullable: true },
];
const SALES_ROWS = [
  { month: "2024-01", region: "eu", amount: 10.5, units: 1, channel: "web" },
  { month: "2024-01", region: "us", amount: 20, units: 2, channel: null },
  { month: "2024-01", region: "eu", amount: 4.5, units: 3, channel: "shop" },
  { month: "2024-02", region: "eu", amount: 7, units: 4, channel: "web" },
  { month: "2024-02", region: "us", amount: 1.25, units: 5 },
  { month: "2024-03", region: "us", amount: 3, units: 6, channel: "web" },
];

/** The sales dataset every widget test computes from. */
function salesDataset(user, name = "Sales") {
  return ok(user, "create_dataset", { name, columns: SALES_COLUMNS, rows: SALES_ROWS });
}

function dashboard(user, name = "Overview", extra = {}) {
  return ok(user, "create_dashboard", { name, ...extra });
}

const CHART = { chartType: "bar", x: "month", y: "amount", aggregate: "sum", groupBy: "region" };
const METRIC = { column: "amount", aggregate: "sum" };
const TABLE = { columns: ["month", "region", "amount"], orderBy: { column: "amount", direction: "desc" }, limit: 3 };

function addWidget(user, dash, ds, type, config, title = `${type} widget`) {
  return ok(user, "add_widget", { dashboardId: dash.id, datasetId: ds.id, title, type, config });
}

/** The dashboard's widgets as [id, position] pairs, in position order, from the tool and from D1. */
async function order(user, dashboardId) {
  const got = await ok(user, "get_dashboard", { dashboardId });
  const fromTool = got.widgets.map((w) => [w.id, w.position]);
  const { results } = await user.worker.db
    .prepare(`select id, position from widget where dashboard_id = ? order by position, id`)
    .bind(dashboardId)
    .all();
  assert.deepEqual(
    results.map((r) => [r.id, r.position]),
    fromTool,
  );
  return fromTool;
}

/** Positions must be exactly 0..n-1 in `ids` order. */
function assertOrder(widgets, ids, what = "") {
  assert.deepEqual(
    widgets.map((w) => (Array.isArray(w) ? w : [w.id, w.position])),
    ids.map((id, i) => [id, i]),
    what,
  );
}

/**
 * move_widget answers the dashboard's widgets in order: a bare array, or an
 * object holding them under `widgets`.
 */
function movedWidgets(body) {
  const widgets = Array.isArray(body) ? body : body?.widgets;
  assert.ok(Array.isArray(widgets), `move_widget answered ${JSON.stringify(body)}`);
  return widgets;
}

/** The name of each widget id, for readable failures. */
function names(ids, byId) {
  return ids.map((id) => byId[id]);
}

async function tableName(datasetId, w = worker) {
  return (await row("dataset", datasetId, w)).table_name;
}

async function dropTable(datasetId, w = worker) {
  await w.db.prepare(`drop table "${await tableName(datasetId, w)}"`).run();
}

function sortSeries(series) {
  return [...series].sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------- dashboards

test("create_dashboard answers the dashboard; list_dashboards and get_dashboard read it back", async () => {
  const ada = await newUser("Ada");
  const before = Date.now();
  const first = await dashboard(ada, "  Revenue  ", { description: "Monthly revenue\nby region" });
  const second = await dashboard(ada, "Costs");

  assert.deepEqual(keys(first), DASHBOARD_KEYS);
  assert.match(first.id, /^dash_[A-Za-z0-9]{32}$/);
  assert.equal(first.orgId, ada.orgId);
  // Surrounding whitespace of a name is trimmed; a description is kept as sent.
  assert.equal(first.name, "Revenue");
  assert.equal(first.description, "Monthly revenue\nby region");
  assert.equal(first.createdById, ada.id);
  assert.equal(first.createdAt, first.updatedAt);
  assert.ok(Math.abs(first.createdAt - before) < MINUTE);
  assert.equal(second.description, null);

  const stored = await row("dashboard", first.id);
  assert.deepEqual(stored, {
    id: first.id,
    org_id: ada.orgId,
    name: "Revenue",
    description: "Monthly revenue\nby region",
    created_by_id: ada.id,
    created_at: first.createdAt,
    updated_at: first.updatedAt,
  });

  const listed = await ok(ada, "list_dashboards");
  assert.deepEqual(keys(listed), ["dashboards"]);
  assert.deepEqual(listed.dashboards, [first, second]);

  const got = await ok(ada, "get_dashboard", { dashboardId: first.id });
  assert.deepEqual(keys(got), ["dashboard", "widgets"]);
  assert.deepEqual(got.dashboard, first);
  assert.deepEqual(got.widgets, []);

  // Another organization's list does not show them.
  const bob = await newUser("Bob");
  assert.deepEqual(await ok(bob, "list_dashboards"), { dashboards: [] });
});

test("update_dashboard renames and redescribes; null clears the description, absent keeps it", async () => {
  const ada = await newUser("Ada");
  const dash = await dashboard(ada, "Old", { description: "first" });

  const renamed = await ok(ada, "update_dashboard", { dashboardId: dash.id, name: "New" });
  assert.deepEqual(keys(renamed), DASHBOARD_KEYS);
  assert.equal(renamed.name, "New");
  assert.equal(renamed.description, "first");
  assert.equal(renamed.createdAt, dash.createdAt);
  assert.ok(renamed.updatedAt >= dash.updatedAt);

  const redescribed = await ok(ada, "update_dashboard", { dashboardId: dash.id, description: "second" });
  assert.equal(redescribed.name, "New");
  assert.equal(redescribed.description, "second");

  const cleared = await ok(ada, "update_dashboard", { dashboardId: dash.id, description: null });
  assert.equal(cleared.description, null);
  const stored = await row("dashboard", dash.id);
  assert.equal(stored.name, "New");
  assert.equal(stored.description, null);
  assert.equal(stored.updated_at, cleared.updatedAt);
  assert.deepEqual((await ok(ada, "get_dashboard", { dashboardId: dash.id })).dashboard, cleared);
});

test("create_dashboard and update_dashboard refuse bad arguments with 400 VALIDATION_ERROR naming the field, writing nothing", async () => {
  const ada = await newUser("Ada");
  const dash = await dashboard(ada, "Keep");

  const before = await snapshot();
  const creates = [
    [{}, /name/],
    [{ name: "" }, /name/],
    [{ name: "   " }, /name/],
    [{ name: 42 }, /name/],
    [{ name: "x".repeat(201) }, /name/],
    [{ name: "a\u0000b" }, /name/],
    [{ name: "a\nb" }, /name/],
    [{ name: "ok", description: "y".repeat(2001) }, /description/],
    [{ name: "ok", description: "bad\u0000nul" }, /description/],
    [{ name: "ok", bogus: 1 }, /bogus/],
  ];
  for (const [args, field] of creates) {
    assertError(await tool(ada, "create_dashboard", args), 400, "VALIDATION_ERROR", field);
  }
  const updates = [
    [{ dashboardId: dash.id, name: "" }, /name/],
    [{ dashboardId: dash.id, name: "x".repeat(201) }, /name/],
    [{ dashboardId: dash.id, description: 7 }, /description/],
    [{ name: "no id" }, /dashboardId/],
    [{ dashboardId: 7 }, /dashboardId/],
  ];
  for (const [args, field] of updates) {
    assertError(await tool(ada, "update_dashboard", args), 400, "VALIDATION_ERROR", field);
  }
  assertError(await tool(ada, "get_dashboard", {}), 400, "VALIDATION_ERROR", /dashboardId/);
  await assertUnchanged(before);
});

test("names, descriptions and titles are stored and answered verbatim: quotes, SQL and markup are only text", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const hostile = [
    `Robert'); DROP TABLE dashboard;--`,
    `" OR 1=1 --`,
    `'; delete from widget where '1'='1`,
    `<script>alert("x")</script>`,
    `\\\\server\\share %s %n {{7*7}} \${7*7}`,
    `ünïcødé 📊 名前`,
  ];
  const created = [];
  for (const text of hostile) {
    const dash = await dashboard(ada, text, { description: `${text}\n${text}` });
    assert.equal(dash.name, text);
    assert.equal(dash.description, `${text}\n${text}`);
    const stored = await row("dashboard", dash.id);
    assert.equal(stored.name, text);
    assert.equal(stored.description, `${text}\n${text}`);

    const widget = await addWidget(ada, dash, ds, "metric", METRIC, text);
    assert.equal(widget.title, text);
    assert.equal((await row("widget", widget.id)).title, text);
    const rendered = await ok(ada, "render_widget", { widgetId: widget.id });
    assert.equal(rendered.title, text);
    created.push(dash.id);
  }
  const listed = await ok(ada, "list_dashboards");
  assert.deepEqual(
    listed.dashboards.map((d) => d.name),
    hostile,
  );
  // Every table is still there and holds what it should.
  assert.equal(await countRows("dashboard", "org_id = ?", ada.orgId), hostile.length);
  assert.equal(await countRows("widget", "org_id = ?", ada.orgId), hostile.length);
  const renamed = await ok(ada, "update_dashboard", { dashboardId: created[0], name: hostile[2] });
  assert.equal(renamed.name, hostile[2]);
  assert.equal((await row("dashboard", created[0])).name, hostile[2]);
});

test("delete_dashboard removes the dashboard and its widgets, and nothing of other dashboards", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const doomed = await dashboard(ada, "Doomed");
  const kept = await dashboard(ada, "Kept");
  const doomedWidgets = [
    await addWidget(ada, doomed, ds, "chart", CHART),
    await addWidget(ada, doomed, ds, "metric", METRIC),
    await addWidget(ada, doomed, ds, "table", TABLE),
  ];
  const keptWidget = await addWidget(ada, kept, ds, "metric", METRIC);

  const deleted = await ok(ada, "delete_dashboard", { dashboardId: doomed.id });
  assert.deepEqual(deleted, { deleted: true, dashboardId: doomed.id });
  assert.equal(await row("dashboard", doomed.id), null);
  assert.equal(await countRows("widget", "dashboard_id = ?", doomed.id), 0);
  for (const widget of doomedWidgets) {
    assertError(await tool(ada, "render_widget", { widgetId: widget.id }), 404, "NOT_FOUND");
  }
  assert.notEqual(await row("dashboard", kept.id), null);
  assert.notEqual(await row("widget", keptWidget.id), null);
  assert.deepEqual(
    (await ok(ada, "list_dashboards")).dashboards.map((d) => d.id),
    [kept.id],
  );

  const before = await snapshot();
  assertError(await tool(ada, "delete_dashboard", { dashboardId: doomed.id }), 404, "NOT_FOUND");
  assertError(await tool(ada, "get_dashboard", { dashboardId: doomed.id }), 404, "NOT_FOUND");
  await assertUnchanged(before);

  // With its widgets gone, the dataset is no longer used by the deleted dashboard;
  // the kept widget still holds it.
  assertError(await tool(ada, "delete_dataset", { datasetId: ds.id }), 409, "CONFLICT", new RegExp(keptWidget.id));
});

// ---------------------------------------------------------------- widgets: rendered data

test("a chart widget answers one series per groupBy value, with exact points in x order", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);

  const chart = await addWidget(ada, dash, ds, "chart", CHART, "Revenue by region");
  assert.deepEqual(keys(chart), WIDGET_KEYS);
  assert.match(chart.id, /^wdg_[A-Za-z0-9]{32}$/);
  assert.equal(chart.dashboardId, dash.id);
  assert.equal(chart.datasetId, ds.id);
  assert.equal(chart.orgId, ada.orgId);
  assert.equal(chart.type, "chart");
  assert.equal(chart.title, "Revenue by region");
  assert.equal(chart.position, 0);
  assert.equal(chart.createdById, ada.id);
  assert.deepEqual(chart.config, CHART);
  const stored = await row("widget", chart.id);
  assert.deepEqual(JSON.parse(stored.config), CHART);
  assert.equal(stored.position, 0);
  assert.equal(stored.type, "chart");

  const rendered = await ok(ada, "render_widget", { widgetId: chart.id });
  assert.deepEqual(keys(rendered), ["data", "position", "title", "type", "widgetId"]);
  assert.equal(rendered.widgetId, chart.id);
  assert.equal(rendered.type, "chart");
  assert.equal(rendered.data.type, "chart");
  assert.equal(rendered.data.chartType, "bar");
  assert.deepEqual(sortSeries(rendered.data.series), [
    {
      name: "eu",
      points: [
        { x: "2024-01", y: 15 },
        { x: "2024-02", y: 7 },
      ],
    },
    {
      name: "us",
      points: [
        { x: "2024-01", y: 20 },
        { x: "2024-02", y: 1.25 },
        { x: "2024-03", y: 3 },
      ],
    },
  ]);

  // No groupBy: one series named after the aggregate.
  const total = await addWidget(ada, dash, ds, "chart", { chartType: "line", x: "month", y: "amount", aggregate: "sum" });
  assert.equal(total.position, 1);
  assert.deepEqual((await ok(ada, "render_widget", { widgetId: total.id })).data, {
    type: "chart",
    chartType: "line",
    series: [
      {
        name: "sum(amount)",
        points: [
          { x: "2024-01", y: 35 },
          { x: "2024-02", y: 8.25 },
          { x: "2024-03", y: 3 },
        ],
      },
    ],
  });

  // Filters and a limit on the points.
  const filtered = await addWidget(ada, dash, ds, "chart", {
    chartType: "area",
    x: "month",
    y: "units",
    aggregate: "max",
    filters: [{ column: "region", op: "=", value: "eu" }],
  });
  assert.deepEqual((await ok(ada, "render_widget", { widgetId: filtered.id })).data.series, [
    {
      name: "max(units)",
      points: [
        { x: "2024-01", y: 3 },
        { x: "2024-02", y: 4 },
      ],
    },
  ]);
  const limited = await addWidget(ada, dash, ds, "chart", { chartType: "bar", x: "month", y: "units", aggregate: "count", limit: 2 });
  assert.deepEqual((await ok(ada, "render_widget", { widgetId: limited.id })).data.series, [
    {
      name: "count(units)",
      points: [
        { x: "2024-01", y: 3 },
        { x: "2024-02", y: 2 },
      ],
    },
  ]);

  // A null groupBy value is a series of its own, "(none)".
  const byChannel = await addWidget(ada, dash, ds, "chart", {
    chartType: "pie",
    x: "region",
    y: "amount",
    aggregate: "avg",
    groupBy: "channel",
  });
  assert.deepEqual(sortSeries((await ok(ada, "render_widget", { widgetId: byChannel.id })).data.series), [
    {
      name: "(none)",
      points: [{ x: "us", y: 10.625 }],
    },
    {
      name: "shop",
      points: [{ x: "eu", y: 4.5 }],
    },
    {
      name: "web",
      points: [
        { x: "eu", y: 8.75 },
        { x: "us", y: 3 },
      ],
    },
  ]);
});

test("a metric widget answers its one value: every aggregate, with filters, null over no rows", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);

  const cases = [
    [{ column: "amount", aggregate: "sum" }, 46.25],
    [{ column: "units", aggregate: "sum" }, 21],
    [{ column: "units", aggregate: "avg" }, 3.5],
    [{ column: "amount", aggregate: "min" }, 1.25],
    [{ column: "amount", aggregate: "max" }, 20],
    [{ column: "region", aggregate: "count" }, 6],
    [{ column: "channel", aggregate: "count" }, 4],
    [{ column: "month", aggregate: "max" }, "2024-03"],
    [{ column: "amount", aggregate: "sum", filters: [{ column: "region", op: "=", value: "us" }] }, 24.25],
    [
      {
        column: "units",
        aggregate: "sum",
        filters: [
          { column: "region", op: "=", value: "eu" },
          { column: "units", op: ">=", value: 3 },
        ],
      },
      7,
    ],
    [{ column: "amount", aggregate: "sum", filters: [{ column: "channel", op: "is_null" }] }, 21.25],
    [{ column: "amount", aggregate: "sum", filters: [{ column: "region", op: "=", value: "asia" }] }, null],
    [{ column: "amount", aggregate: "count", filters: [{ column: "region", op: "=", value: "asia" }] }, 0],
  ];
  for (const [config, value] of cases) {
    const widget = await addWidget(ada, dash, ds, "metric", config);
    assert.equal(widget.type, "metric");
    assert.deepEqual(widget.config, config);
    const rendered = await ok(ada, "render_widget", { widgetId: widget.id });
    assert.deepEqual(rendered.data, { type: "metric", value }, JSON.stringify(config));
  }
});

test("a table widget answers its rows in order, cut at its limit", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);

  const top = await addWidget(ada, dash, ds, "table", TABLE, "Top sales");
  assert.equal(top.type, "table");
  assert.deepEqual(top.config, TABLE);
  assert.deepEqual((await ok(ada, "render_widget", { widgetId: top.id })).data, {
    type: "table",
    columns: ["month", "region", "amount"],
    rows: [
      { month: "2024-01", region: "us", amount: 20 },
      { month: "2024-01", region: "eu", amount: 10.5 },
      { month: "2024-02", region: "eu", amount: 7 },
    ],
  });

  // Without orderBy: insertion order. The stored direction defaults to asc.
  const firstTwo = await addWidget(ada, dash, ds, "table", { columns: ["units", "channel"], limit: 2 });
  assert.deepEqual((await ok(ada, "render_widget", { widgetId: firstTwo.id })).data, {
    type: "table",
    columns: ["units", "channel"],
    rows: [
      { units: 1, channel: "web" },
      { units: 2, channel: null },
    ],
  });
  const ascending = await addWidget(ada, dash, ds, "table", { columns: ["amount"], orderBy: { column: "amount" } });
  assert.deepEqual(ascending.config, { columns: ["amount"], orderBy: { column: "amount", direction: "asc" } });
  assert.deepEqual(
    (await ok(ada, "render_widget", { widgetId: ascending.id })).data.rows.map((r) => r.amount),
    [1.25, 3, 4.5, 7, 10.5, 20],
  );

  // render_dashboard answers every widget, in position order.
  const all = await ok(ada, "render_dashboard", { dashboardId: dash.id });
  assert.deepEqual(keys(all), ["dashboardId", "name", "widgets"]);
  assert.equal(all.dashboardId, dash.id);
  assert.equal(all.name, dash.name);
  assert.deepEqual(
    all.widgets.map((w) => [w.widgetId, w.position]),
    [
      [top.id, 0],
      [firstTwo.id, 1],
      [ascending.id, 2],
    ],
  );
  assert.deepEqual(all.widgets[0], await ok(ada, "render_widget", { widgetId: top.id }));
  // Its cost: the context, one batch reading the dashboard, its widgets
  // and their datasets, and one batch of the three widget queries.
  const cost = await tool(ada, "render_dashboard", { dashboardId: dash.id });
  assert.equal(cost.headers.get("x-d1-round-trips"), "3");
  assert.equal(cost.headers.get("x-d1-statements"), "7");
});

test("a widget's configuration is checked against the dataset's columns when saved: 400 VALIDATION_ERROR naming config, nothing written", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);
  const kept = await addWidget(ada, dash, ds, "chart", CHART);

  const before = await snapshot();
  const bad = [
    // Unknown columns, wherever they are named.
    ["chart", { ...CHART, x: "nope" }, /unknown column/],
    ["chart", { ...CHART, y: "nope" }, /unknown column/],
    ["chart", { ...CHART, groupBy: "nope" }, /unknown column/],
    ["chart", { ...CHART, filters: [{ column: "nope", op: "=", value: 1 }] }, /unknown column/],
    ["metric", { column: "nope", aggregate: "count" }, /unknown column/],
    ["table", { columns: ["month", "nope"] }, /unknown column/],
    // Sum and avg of a text column.
    ["chart", { ...CHART, y: "region" }, /sum and avg/],
    ["metric", { column: "region", aggregate: "sum" }, /sum and avg/],
    ["metric", { column: "channel", aggregate: "avg" }, /sum and avg/],
    // Values of the wrong type for their column.
    ["metric", { column: "amount", aggregate: "sum", filters: [{ column: "units", op: ">", value: "many" }] }, /integer/],
    // Ordering by a column the table does not show, a bad limit.
    ["table", { columns: ["month"], orderBy: { column: "amount" } }, /orderBy/],
    ["table", { columns: ["month"], limit: 0 }, /limit/],
    ["chart", { ...CHART, limit: 5000 }, /limit/],
    // The wrong shape for the widget type.
    ["chart", { chartType: "bar", y: "amount", aggregate: "sum" }, /x/],
    ["chart", { ...CHART, chartType: "radar" }, /radar|chartType/],
    ["chart", { ...CHART, aggregate: "median" }, /median|aggregate/],
    ["metric", CHART, /unknown field|is required/],
    ["table", { columns: ["month"], bogus: true }, /bogus/],
    ["table", "month", /config/],
  ];
  for (const [type, config, detail] of bad) {
    const response = await tool(ada, "add_widget", { dashboardId: dash.id, datasetId: ds.id, title: "Bad", type, config });
    assertError(response, 400, "VALIDATION_ERROR", /^config/);
    assert.match(response.body.message, detail, `${type} ${JSON.stringify(config)}: ${response.body.message}`);

    if (type === "chart" && typeof config === "object") {
      const update = await tool(ada, "update_widget", { widgetId: kept.id, title: "Changed", config });
      assertError(update, 400, "VALIDATION_ERROR", /^config/);
    }
  }
  // The other arguments are checked too.
  const others = [
    [{ dashboardId: dash.id, datasetId: ds.id, title: "", type: "metric", config: METRIC }, /title/],
    [{ dashboardId: dash.id, datasetId: ds.id, title: "T", type: "gauge", config: METRIC }, /type/],
    [{ dashboardId: dash.id, datasetId: ds.id, title: "T", type: "metric" }, /config/],
    [{ dashboardId: dash.id, title: "T", type: "metric", config: METRIC }, /datasetId/],
  ];
  for (const [args, field] of others) {
    assertError(await tool(ada, "add_widget", args), 400, "VALIDATION_ERROR", field);
  }
  await assertUnchanged(before);
  assert.deepEqual((await row("widget", kept.id)).title, kept.title);
});

test("update_widget changes the title and configuration, checked and re-rendered", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);
  const widget = await addWidget(ada, dash, ds, "metric", METRIC, "Revenue");

  const retitled = await ok(ada, "update_widget", { widgetId: widget.id, title: "Total revenue" });
  assert.deepEqual(keys(retitled), WIDGET_KEYS);
  assert.equal(retitled.title, "Total revenue");
  assert.deepEqual(retitled.config, METRIC);
  assert.equal(retitled.position, widget.position);
  assert.equal(retitled.createdAt, widget.createdAt);
  assert.ok(retitled.updatedAt >= widget.updatedAt);

  const config = { column: "units", aggregate: "avg", filters: [{ column: "region", op: "=", value: "us" }] };
  const reconfigured = await ok(ada, "update_widget", { widgetId: widget.id, config });
  assert.equal(reconfigured.title, "Total revenue");
  assert.deepEqual(reconfigured.config, config);
  const stored = await row("widget", widget.id);
  assert.equal(stored.title, "Total revenue");
  assert.deepEqual(JSON.parse(stored.config), config);
  assert.equal(stored.updated_at, reconfigured.updatedAt);
  assert.deepEqual((await ok(ada, "render_widget", { widgetId: widget.id })).data, {
    type: "metric",
    value: (2 + 5 + 6) / 3,
  });

  const before = await snapshot();
  assertError(await tool(ada, "update_widget", { widgetId: widget.id, title: "  " }), 400, "VALIDATION_ERROR", /title/);
  assertError(await tool(ada, "update_widget", { widgetId: widget.id, config: CHART }), 400, "VALIDATION_ERROR", /^config/);
  assertError(await tool(ada, "update_widget", { widgetId: widget.id, type: "chart" }), 400, "VALIDATION_ERROR", /type/);
  assertError(await tool(ada, "update_widget", { widgetId: randomId("wdg"), title: "x" }), 404, "NOT_FOUND");
  await assertUnchanged(before);
});

// ---------------------------------------------------------------- widgets: order

test("move_widget keeps positions exactly 0..n-1 in the expected order: up, down, to the end, beyond it, in place", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);
  const byId = {};
  const ids = [];
  for (const title of ["A", "B", "C", "D"]) {
    const widget = await addWidget(ada, dash, ds, "metric", METRIC, title);
    byId[widget.id] = title;
    ids.push(widget.id);
  }
  const [A, B, C, D] = ids;
  assertOrder(await order(ada, dash.id), [A, B, C, D]);

  const steps = [
    // [widget, position, expected order]
    [D, 0, [D, A, B, C]], // up to the top
    [A, 2, [D, B, A, C]], // down
    [B, 0, [B, D, A, C]], // up
    [D, 3, [B, A, C, D]], // to the end
    [B, 99, [A, C, D, B]], // beyond the end: last
    [C, 1, [A, C, D, B]], // where it already is
    [A, 1, [C, A, D, B]], // down by one
    [B, 2, [C, A, B, D]], // up by one
  ];
  for (const [widget, position, expected] of steps) {
    const moved = movedWidgets(await ok(ada, "move_widget", { widgetId: widget, position }));
    const what = `move ${byId[widget]} to ${position}: got ${names(
      moved.map((w) => w.id),
      byId,
    )}`;
    for (const w of moved) assert.deepEqual(keys(w), WIDGET_KEYS);
    assertOrder(moved, expected, what);
    assertOrder(await order(ada, dash.id), expected, what);
  }

  const before = await snapshot();
  assertError(await tool(ada, "move_widget", { widgetId: A, position: -1 }), 400, "VALIDATION_ERROR", /position/);
  assertError(await tool(ada, "move_widget", { widgetId: A, position: 1.5 }), 400, "VALIDATION_ERROR", /position/);
  assertError(await tool(ada, "move_widget", { widgetId: A }), 400, "VALIDATION_ERROR", /position/);
  assertError(await tool(ada, "move_widget", { widgetId: randomId("wdg"), position: 0 }), 404, "NOT_FOUND");
  await assertUnchanged(before);
});

test("remove_widget renumbers the rest 0..n-1, keeping their order; moves only touch their own dashboard", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);
  const other = await dashboard(ada, "Other");
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await addWidget(ada, dash, ds, "metric", METRIC, `W${i}`)).id);
  const otherIds = [];
  for (let i = 0; i < 3; i++) otherIds.push((await addWidget(ada, other, ds, "metric", METRIC, `O${i}`)).id);

  const removed = await ok(ada, "remove_widget", { widgetId: ids[2] });
  assert.deepEqual(removed, { removed: true, widgetId: ids[2] });
  assert.equal(await row("widget", ids[2]), null);
  assertOrder(await order(ada, dash.id), [ids[0], ids[1], ids[3], ids[4]]);

  await ok(ada, "remove_widget", { widgetId: ids[0] });
  assertOrder(await order(ada, dash.id), [ids[1], ids[3], ids[4]]);
  await ok(ada, "remove_widget", { widgetId: ids[4] });
  assertOrder(await order(ada, dash.id), [ids[1], ids[3]]);

  // A widget added after removals takes the next position.
  const added = await addWidget(ada, dash, ds, "metric", METRIC, "New");
  assert.equal(added.position, 2);
  await ok(ada, "move_widget", { widgetId: added.id, position: 0 });
  assertOrder(await order(ada, dash.id), [added.id, ids[1], ids[3]]);

  // The other dashboard was never touched.
  assertOrder(await order(ada, other.id), otherIds);

  const before = await snapshot();
  assertError(await tool(ada, "remove_widget", { widgetId: ids[2] }), 404, "NOT_FOUND");
  await assertUnchanged(before);
});

test("10 concurrent move_widget calls on one dashboard leave positions a permutation of 0..n-1", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);

  // Concurrent adds each take their own position too.
  const added = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      tool(ada, "add_widget", { dashboardId: dash.id, datasetId: ds.id, title: `W${i}`, type: "metric", config: METRIC }),
    ),
  );
  for (const response of added) assert.equal(response.status, 200, JSON.stringify(response.body));
  const ids = added.map((r) => r.body.id);
  assert.deepEqual(
    added.map((r) => r.body.position).sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5],
  );

  for (let round = 0; round < 3; round++) {
    const moves = Array.from({ length: 10 }, (_, i) => ({
      widgetId: ids[(i * 7 + round) % ids.length],
      position: (i * 5 + round * 3) % 8, // some beyond the end
    }));
    const answers = await Promise.all(moves.map((args) => tool(ada, "move_widget", args)));
    for (const answer of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const widgets = movedWidgets(answer.body);
      assert.deepEqual(
        widgets.map((w) => w.position),
        [0, 1, 2, 3, 4, 5],
      );
      assert.deepEqual([...widgets.map((w) => w.id)].sort(), [...ids].sort());
    }
    const final = await order(ada, dash.id);
    assert.deepEqual(
      final.map(([, position]) => position),
      [0, 1, 2, 3, 4, 5],
    );
    assert.deepEqual(final.map(([id]) => id).sort(), [...ids].sort());
    const { results } = await worker.db
      .prepare(`select position, count(*) as n from widget where dashboard_id = ? group by position having n > 1`)
      .bind(dash.id)
      .all();
    assert.deepEqual(results, [], "duplicate positions");
  }
});

// ---------------------------------------------------------------- roles

test("a plain member creates dashboards and changes its own, but gets 403 on the owner's dashboards and widgets", async () => {
  const ada = await newUser("Ada");
  const mel = await joinAs(ada, await newUser("Mel"), "member");
  const ds = await salesDataset(ada);
  const adas = await dashboard(ada, "Ada's");
  const adaWidget = await addWidget(ada, adas, ds, "metric", METRIC, "Ada's widget");
  const adaWidget2 = await addWidget(ada, adas, ds, "table", TABLE, "Ada's table");

  // Mel's own dashboard, with widgets over Ada's dataset.
  const mels = await dashboard(mel, "Mel's");
  assert.equal(mels.orgId, ada.orgId);
  assert.equal(mels.createdById, mel.id);
  const melWidget = await addWidget(mel, mels, ds, "chart", CHART, "Mel's chart");
  const melWidget2 = await addWidget(mel, mels, ds, "metric", METRIC, "Mel's metric");
  assert.equal(melWidget.createdById, mel.id);
  assert.equal((await ok(mel, "update_dashboard", { dashboardId: mels.id, name: "Mel's renamed" })).name, "Mel's renamed");
  assert.equal((await ok(mel, "update_widget", { widgetId: melWidget.id, title: "Renamed" })).title, "Renamed");
  assertOrder(movedWidgets(await ok(mel, "move_widget", { widgetId: melWidget2.id, position: 0 })), [melWidget2.id, melWidget.id]);

  // Mel reads everything of the organization.
  assert.deepEqual(
    (await ok(mel, "list_dashboards")).dashboards.map((d) => d.id),
    [adas.id, mels.id],
  );
  assert.equal((await ok(mel, "get_dashboard", { dashboardId: adas.id })).widgets.length, 2);
  assert.equal((await ok(mel, "render_widget", { widgetId: adaWidget.id })).data.value, 46.25);
  assert.equal((await ok(mel, "render_dashboard", { dashboardId: adas.id })).widgets.length, 2);

  // But changes nothing of Ada's.
  const before = await snapshot();
  const refused = [
    ["update_dashboard", { dashboardId: adas.id, name: "Mine now" }],
    ["update_dashboard", { dashboardId: adas.id, description: null }],
    ["delete_dashboard", { dashboardId: adas.id }],
    ["add_widget", { dashboardId: adas.id, datasetId: ds.id, title: "Sneaky", type: "metric", config: METRIC }],
    ["update_widget", { widgetId: adaWidget.id, title: "Mine now" }],
    ["update_widget", { widgetId: adaWidget.id, config: { column: "units", aggregate: "sum" } }],
    ["move_widget", { widgetId: adaWidget2.id, position: 0 }],
    ["move_widget", { widgetId: adaWidget.id, position: 5 }],
    ["remove_widget", { widgetId: adaWidget.id }],
    ["create_dataset", { name: "Mel's data", columns: [{ name: "n", type: "integer" }] }],
    ["append_rows", { datasetId: ds.id, rows: [SALES_ROWS[0]] }],
    ["delete_dataset", { datasetId: ds.id }],
  ];
  for (const [name, args] of refused) {
    assertError(await tool(mel, name, args), 403, "FORBIDDEN");
  }
  await assertUnchanged(before);

  // Mel may delete her own dashboard, with its widgets.
  assert.deepEqual(await ok(mel, "delete_dashboard", { dashboardId: mels.id }), { deleted: true, dashboardId: mels.id });
  assert.equal(await countRows("widget", "dashboard_id = ?", mels.id), 0);

  // The owner may change a member's dashboard and widgets; so may an admin the owner's.
  const mels2 = await dashboard(mel, "Mel's second");
  const melWidget3 = await addWidget(mel, mels2, ds, "metric", METRIC);
  assert.equal((await ok(ada, "update_dashboard", { dashboardId: mels2.id, name: "Ada was here" })).name, "Ada was here");
  await ok(ada, "remove_widget", { widgetId: melWidget3.id });
  const ali = await joinAs(ada, await newUser("Ali"), "admin");
  assert.equal((await ok(ali, "update_widget", { widgetId: adaWidget.id, title: "By admin" })).title, "By admin");
  assertOrder(movedWidgets(await ok(ali, "move_widget", { widgetId: adaWidget2.id, position: 0 })), [adaWidget2.id, adaWidget.id]);
  await ok(ali, "delete_dashboard", { dashboardId: mels2.id });
});

// ---------------------------------------------------------------- isolation

test("another organization's dashboards, widgets and datasets answer 404 exactly like random ids, and nothing changes", async () => {
  const ada = await newUser("Ada");
  const eve = await newUser("Eve");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);
  const widget = await addWidget(ada, dash, ds, "chart", CHART);
  const eveDs = await salesDataset(eve, "Eve's sales");
  const eveDash = await dashboard(eve, "Eve's");

  const foreign = { dashboardId: dash.id, widgetId: widget.id, datasetId: ds.id };
  const random = { dashboardId: randomId("dash"), widgetId: randomId("wdg"), datasetId: randomId("ds") };
  // Each call with the ids to swap; the rest are Eve's own and valid.
  const calls = [
    ["get_dashboard", (ids) => ({ dashboardId: ids.dashboardId })],
    ["update_dashboard", (ids) => ({ dashboardId: ids.dashboardId, name: "Eve's now" })],
    ["delete_dashboard", (ids) => ({ dashboardId: ids.dashboardId })],
    ["render_dashboard", (ids) => ({ dashboardId: ids.dashboardId })],
    [
      "add_widget",
      (ids) => ({ dashboardId: ids.dashboardId, datasetId: eveDs.id, title: "T", type: "metric", config: METRIC }),
    ],
    [
      "add_widget",
      (ids) => ({ dashboardId: eveDash.id, datasetId: ids.datasetId, title: "T", type: "metric", config: METRIC }),
    ],
    ["update_widget", (ids) => ({ widgetId: ids.widgetId, title: "Eve's now" })],
    ["update_widget", (ids) => ({ widgetId: ids.widgetId, config: { column: "units", aggregate: "sum" } })],
    ["move_widget", (ids) => ({ widgetId: ids.widgetId, position: 0 })],
    ["remove_widget", (ids) => ({ widgetId: ids.widgetId })],
    ["render_widget", (ids) => ({ widgetId: ids.widgetId })],
    ["get_dataset", (ids) => ({ datasetId: ids.datasetId })],
    ["query_dataset", (ids) => ({ datasetId: ids.datasetId })],
    ["append_rows", (ids) => ({ datasetId: ids.datasetId, rows: [SALES_ROWS[0]] })],
    ["delete_dataset", (ids) => ({ datasetId: ids.datasetId })],
  ];

  const before = await snapshot();
  for (const [name, args] of calls) {
    const fromForeign = await tool(eve, name, args(foreign));
    const fromRandom = await tool(eve, name, args(random));
    const what = `${name} ${JSON.stringify(args(foreign))}`;
    assertError(fromForeign, 404, "NOT_FOUND");
    assertError(fromRandom, 404, "NOT_FOUND");
    assert.deepEqual(fromForeign.body, fromRandom.body, what);
    assert.deepEqual(
      [...fromForeign.headers].filter(([h]) => h !== "date"),
      [...fromRandom.headers].filter(([h]) => h !== "date"),
      what,
    );
  }
  await assertUnchanged(before);

  // Eve's lists show only Eve's records; Ada's are whole.
  assert.deepEqual(
    (await ok(eve, "list_dashboards")).dashboards.map((d) => d.id),
    [eveDash.id],
  );
  assert.deepEqual(
    (await ok(eve, "list_datasets")).datasets.map((d) => d.id),
    [eveDs.id],
  );
  assert.equal((await ok(ada, "get_dashboard", { dashboardId: dash.id })).widgets[0].id, widget.id);
});

// ---------------------------------------------------------------- automations

function thresholdConfig(ds, extra = {}) {
  return { datasetId: ds.id, column: "amount", aggregate: "sum", operator: "gt", threshold: 40, schedule: "hourly", ...extra };
}

function createAutomation(user, name, type, config, extra = {}) {
  return ok(user, "create_automation", { name, type, config, ...extra });
}

test("create_automation makes a threshold alert and a scheduled report; list_automations lists them", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);

  const config = thresholdConfig(ds, { filters: [{ column: "region", op: "=", value: "eu" }] });
  const alert = await createAutomation(ada, "Big month", "threshold_alert", config, { description: "Tell me" });
  assert.deepEqual(keys(alert), AUTOMATION_KEYS);
  assert.match(alert.id, /^auto_[A-Za-z0-9]{32}$/);
  assert.equal(alert.orgId, ada.orgId);
  assert.equal(alert.name, "Big month");
  assert.equal(alert.description, "Tell me");
  assert.equal(alert.type, "threshold_alert");
  assert.deepEqual(alert.config, config);
  assert.equal(alert.enabled, true);
  assert.equal(alert.createdById, ada.id);
  assert.equal(alert.createdAt, alert.updatedAt);

  const report = await createAutomation(ada, "Weekly report", "scheduled_report", {
    dashboardId: dash.id,
    schedule: "0 9 * * MON",
  }, { enabled: false });
  assert.equal(report.type, "scheduled_report");
  assert.deepEqual(report.config, { dashboardId: dash.id, schedule: "0 9 * * MON" });
  assert.equal(report.enabled, false);
  assert.equal(report.description, null);

  const stored = await row("automation", alert.id);
  assert.deepEqual(
    { ...stored, config: JSON.parse(stored.config) },
    {
      id: alert.id,
      org_id: ada.orgId,
      name: "Big month",
      description: "Tell me",
      type: "threshold_alert",
      config,
      enabled: 1,
      created_by_id: ada.id,
      created_at: alert.createdAt,
      updated_at: alert.updatedAt,
    },
  );
  assert.equal((await row("automation", report.id)).enabled, 0);

  assert.deepEqual(await ok(ada, "list_automations"), { automations: [alert, report] });
  const bob = await newUser("Bob");
  assert.deepEqual(await ok(bob, "list_automations"), { automations: [] });

  // A dashboard that a scheduled report renders cannot be deleted; a dataset an alert reads neither.
  const before = await snapshot();
  assertError(await tool(ada, "delete_dashboard", { dashboardId: dash.id }), 409, "CONFLICT", new RegExp(report.id));
  assertError(await tool(ada, "delete_dataset", { datasetId: ds.id }), 409, "CONFLICT", new RegExp(alert.id));
  await assertUnchanged(before);
});

test("create_automation refuses bad schedules, foreign or missing references and bad columns with 400, writing nothing", async () => {
  const ada = await newUser("Ada");
  const eve = await newUser("Eve");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada);
  const eveDs = await salesDataset(eve, "Eve's");
  const eveDash = await dashboard(eve, "Eve's");

  const before = await snapshot();
  for (const schedule of ["61 * * * *", "* 24 * * *", "0 0 32 * *", "0 0 * 13 *", "0 0 * * 8", "* * * *", "every day", "", "x".repeat(101)]) {
    const response = await tool(ada, "create_automation", {
      name: "Bad",
      type: "threshold_alert",
      config: thresholdConfig(ds, { schedule }),
    });
    assertError(response, 400, "VALIDATION_ERROR", /^config\.schedule/);
  }
  const minute = await tool(ada, "create_automation", {
    name: "Bad",
    type: "scheduled_report",
    config: { dashboardId: dash.id, schedule: "61 * * * *" },
  });
  assertError(minute, 400, "VALIDATION_ERROR", /^config\.schedule: .*minute.*61/);

  // Another organization's dataset or dashboard is refused like a missing one.
  const foreignDataset = await tool(ada, "create_automation", { name: "X", type: "threshold_alert", config: thresholdConfig(eveDs) });
  const missingDataset = await tool(ada, "create_automation", {
    name: "X",
    type: "threshold_alert",
    config: thresholdConfig({ id: randomId("ds") }),
  });
  assertError(foreignDataset, 400, "VALIDATION_ERROR", /^config\.datasetId/);
  assert.deepEqual(foreignDataset.body, missingDataset.body);
  const foreignDashboard = await tool(ada, "create_automation", {
    name: "X",
    type: "scheduled_report",
    config: { dashboardId: eveDash.id, schedule: "daily" },
  });
  const missingDashboard = await tool(ada, "create_automation", {
    name: "X",
    type: "scheduled_report",
    config: { dashboardId: randomId("dash"), schedule: "daily" },
  });
  assertError(foreignDashboard, 400, "VALIDATION_ERROR", /^config\.dashboardId/);
  assert.deepEqual(foreignDashboard.body, missingDashboard.body);

  const bad = [
    ["threshold_alert", thresholdConfig(ds, { column: "nope" }), /unknown column/],
    ["threshold_alert", thresholdConfig(ds, { column: "region" }), /sum and avg/],
    ["threshold_alert", thresholdConfig(ds, { operator: "between" }), /operator|between/],
    ["threshold_alert", thresholdConfig(ds, { threshold: "forty" }), /threshold|forty/],
    ["threshold_alert", thresholdConfig(ds, { filters: [{ column: "nope", op: "=", value: 1 }] }), /unknown column/],
    ["threshold_alert", { datasetId: ds.id, column: "amount", aggregate: "sum", operator: "gt", threshold: 1 }, /schedule/],
    ["scheduled_report", { dashboardId: dash.id }, /schedule/],
    ["scheduled_report", thresholdConfig(ds), /unknown field|datasetId/],
  ];
  for (const [type, config, detail] of bad) {
    const response = await tool(ada, "create_automation", { name: "Bad", type, config });
    assertError(response, 400, "VALIDATION_ERROR", /^config/);
    assert.match(response.body.message, detail, JSON.stringify(config));
  }
  assertError(
    await tool(ada, "create_automation", { name: "Bad", type: "webhook", config: { schedule: "daily" } }),
    400,
    "VALIDATION_ERROR",
    /type/,
  );
  assertError(
    await tool(ada, "create_automation", { name: " ", type: "scheduled_report", config: { dashboardId: dash.id, schedule: "daily" } }),
    400,
    "VALIDATION_ERROR",
    /name/,
  );
  await assertUnchanged(before);
});

test("run_automation records a success run with {value, threshold, operator, triggered}", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);

  const cases = [
    [{ operator: "gt", threshold: 40 }, { value: 46.25, threshold: 40, operator: "gt", triggered: true }],
    [{ operator: "gt", threshold: 46.25 }, { value: 46.25, threshold: 46.25, operator: "gt", triggered: false }],
    [{ operator: "gte", threshold: 46.25 }, { value: 46.25, threshold: 46.25, operator: "gte", triggered: true }],
    [{ operator: "lt", threshold: 10.5 }, { value: 46.25, threshold: 10.5, operator: "lt", triggered: false }],
    [
      { operator: "eq", threshold: 24.25, filters: [{ column: "region", op: "=", value: "us" }] },
      { value: 24.25, threshold: 24.25, operator: "eq", triggered: true },
    ],
    [
      { column: "units", aggregate: "count", operator: "lte", threshold: 2, filters: [{ column: "channel", op: "is_null" }] },
      { value: 2, threshold: 2, operator: "lte", triggered: true },
    ],
    [
      { operator: "lt", threshold: 1, filters: [{ column: "region", op: "=", value: "asia" }] },
      { value: null, threshold: 1, operator: "lt", triggered: false },
    ],
  ];
  for (const [extra, expected] of cases) {
    const automation = await createAutomation(ada, "Alert", "threshold_alert", thresholdConfig(ds, extra));
    const started = Date.now();
    const run = await ok(ada, "run_automation", { automationId: automation.id });
    assert.deepEqual(keys(run), RUN_KEYS);
    assert.match(run.id, /^run_[A-Za-z0-9]{32}$/);
    assert.equal(run.automationId, automation.id);
    assert.equal(run.status, "success");
    assert.deepEqual(run.result, expected, JSON.stringify(extra));
    assert.equal(run.error, null);
    assert.equal(run.scheduledFor, null);
    assert.ok(Math.abs(run.executedAt - started) < MINUTE);

    const stored = await row("automation_run", run.id);
    assert.equal(stored.org_id, ada.orgId);
    assert.equal(stored.automation_id, automation.id);
    assert.equal(stored.status, "success");
    assert.deepEqual(JSON.parse(stored.result), expected);
    assert.equal(stored.error, null);
    assert.equal(stored.scheduled_for, null);
    assert.equal(stored.executed_at, run.executedAt);

    assert.deepEqual(await ok(ada, "list_automation_runs", { automationId: automation.id }), { runs: [run] });
  }

  // New rows change the next run's value.
  const automation = await createAutomation(ada, "Alert", "threshold_alert", thresholdConfig(ds, { threshold: 50 }));
  assert.equal((await ok(ada, "run_automation", { automationId: automation.id })).result.triggered, false);
  await ok(ada, "append_rows", { datasetId: ds.id, rows: [{ month: "2024-04", region: "eu", amount: 5, units: 1 }] });
  assert.deepEqual((await ok(ada, "run_automation", { automationId: automation.id })).result, {
    value: 51.25,
    threshold: 50,
    operator: "gt",
    triggered: true,
  });
});

test("a scheduled report's run records every widget's rendered data", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const dash = await dashboard(ada, "Monthly");
  const chart = await addWidget(ada, dash, ds, "chart", CHART, "Chart");
  const metric = await addWidget(ada, dash, ds, "metric", METRIC, "Metric");
  const table = await addWidget(ada, dash, ds, "table", TABLE, "Table");
  const report = await createAutomation(ada, "Report", "scheduled_report", { dashboardId: dash.id, schedule: "daily" });

  const run = await ok(ada, "run_automation", { automationId: report.id });
  assert.equal(run.status, "success", JSON.stringify(run));
  assert.equal(run.error, null);
  assert.deepEqual(run.result, await ok(ada, "render_dashboard", { dashboardId: dash.id }));
  assert.equal(run.result.dashboardId, dash.id);
  assert.equal(run.result.name, "Monthly");
  assert.deepEqual(
    run.result.widgets.map((w) => [w.widgetId, w.title, w.type, w.position]),
    [
      [chart.id, "Chart", "chart", 0],
      [metric.id, "Metric", "metric", 1],
      [table.id, "Table", "table", 2],
    ],
  );
  assert.equal(run.result.widgets[0].data.series.length, 2);
  assert.deepEqual(run.result.widgets[1].data, { type: "metric", value: 46.25 });
  assert.deepEqual(
    run.result.widgets[2].data.rows.map((r) => r.amount),
    [20, 10.5, 7],
  );
  assert.deepEqual(JSON.parse((await row("automation_run", run.id)).result), run.result);
});

test("a run whose dataset table is gone records status failed with a clear error, and answers it", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada, "Broken sales");
  const dash = await dashboard(ada);
  await addWidget(ada, dash, ds, "metric", METRIC);
  const alert = await createAutomation(ada, "Alert", "threshold_alert", thresholdConfig(ds));
  const report = await createAutomation(ada, "Report", "scheduled_report", { dashboardId: dash.id, schedule: "daily" });
  const good = await ok(ada, "run_automation", { automationId: alert.id });
  assert.equal(good.status, "success");

  // Deleting the dataset is refused while it is used, so break it under the Worker.
  assertError(await tool(ada, "delete_dataset", { datasetId: ds.id }), 409, "CONFLICT");
  await dropTable(ds.id);

  for (const automation of [alert, report]) {
    const run = await ok(ada, "run_automation", { automationId: automation.id });
    assert.deepEqual(keys(run), RUN_KEYS);
    assert.equal(run.status, "failed");
    assert.equal(run.result, null);
    assert.equal(run.scheduledFor, null);
    assert.equal(typeof run.error, "string");
    // No internals: no D1 or SQLite text, no table name, no stack.
    assert.doesNotMatch(run.error, /D1_ERROR|SQLITE|ds_[a-z0-9]{8,}|\n\s+at /);
    // A clear error says what went wrong: the dataset could not be read.
    assert.match(run.error, /dataset/i, `not a clear error: ${JSON.stringify(run.error)}`);

    const stored = await row("automation_run", run.id);
    assert.equal(stored.status, "failed");
    assert.equal(stored.result, null);
    assert.equal(stored.error, run.error);
    const runs = (await ok(ada, "list_automation_runs", { automationId: automation.id })).runs;
    assert.deepEqual(runs[0], run);
  }
  // A dataset whose record is gone entirely is named as missing.
  await worker.db.prepare(`delete from widget where dataset_id = ?`).bind(ds.id).run();
  await worker.db.prepare(`delete from dataset where id = ?`).bind(ds.id).run();
  const missing = await ok(ada, "run_automation", { automationId: alert.id });
  assert.equal(missing.status, "failed");
  assert.match(missing.error, /dataset not found/);
});

test("list_automation_runs answers runs newest first, cut at limit (20 by default, 1..100)", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const alert = await createAutomation(ada, "Alert", "threshold_alert", thresholdConfig(ds));
  const other = await createAutomation(ada, "Other", "threshold_alert", thresholdConfig(ds));
  await ok(ada, "run_automation", { automationId: other.id });

  const runIds = [];
  for (let i = 0; i < 23; i++) {
    runIds.push((await ok(ada, "run_automation", { automationId: alert.id })).id);
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  const newestFirst = [...runIds].reverse();

  const all = await ok(ada, "list_automation_runs", { automationId: alert.id, limit: 100 });
  assert.deepEqual(
    all.runs.map((r) => r.id),
    newestFirst,
  );
  for (let i = 1; i < all.runs.length; i++) assert.ok(all.runs[i - 1].executedAt >= all.runs[i].executedAt);
  const byDefault = await ok(ada, "list_automation_runs", { automationId: alert.id });
  assert.deepEqual(
    byDefault.runs.map((r) => r.id),
    newestFirst.slice(0, 20),
  );
  const three = await ok(ada, "list_automation_runs", { automationId: alert.id, limit: 3 });
  assert.deepEqual(
    three.runs.map((r) => r.id),
    newestFirst.slice(0, 3),
  );
  assert.deepEqual(
    (await ok(ada, "list_automation_runs", { automationId: alert.id, limit: 1 })).runs.map((r) => r.id),
    [runIds.at(-1)],
  );
  assert.equal((await ok(ada, "list_automation_runs", { automationId: other.id })).runs.length, 1);

  for (const limit of [0, 101, -1, 2.5, "3"]) {
    assertError(await tool(ada, "list_automation_runs", { automationId: alert.id, limit }), 400, "VALIDATION_ERROR", /limit/);
  }
  assertError(await tool(ada, "list_automation_runs", { automationId: randomId("auto") }), 404, "NOT_FOUND");
});

test("update_automation disables and enables, renames and re-checks its configuration; a disabled one still runs by hand", async () => {
  const ada = await newUser("Ada");
  const ds = await salesDataset(ada);
  const alert = await createAutomation(ada, "Alert", "threshold_alert", thresholdConfig(ds), { description: "d" });

  const disabled = await ok(ada, "update_automation", { automationId: alert.id, enabled: false });
  assert.deepEqual(keys(disabled), AUTOMATION_KEYS);
  assert.equal(disabled.enabled, false);
  assert.equal(disabled.name, "Alert");
  assert.equal(disabled.description, "d");
  assert.deepEqual(disabled.config, alert.config);
  assert.equal((await row("automation", alert.id)).enabled, 0);
  assert.equal((await ok(ada, "list_automations")).automations[0].enabled, false);

  const run = await ok(ada, "run_automation", { automationId: alert.id });
  assert.equal(run.status, "success");

  const enabled = await ok(ada, "update_automation", { automationId: alert.id, enabled: true, name: "Renamed", description: null });
  assert.equal(enabled.enabled, true);
  assert.equal(enabled.name, "Renamed");
  assert.equal(enabled.description, null);
  const stored = await row("automation", alert.id);
  assert.equal(stored.enabled, 1);
  assert.equal(stored.name, "Renamed");
  assert.equal(stored.description, null);

  const newConfig = thresholdConfig(ds, { threshold: 100, operator: "lt", schedule: "*/30 * * * *" });
  const reconfigured = await ok(ada, "update_automation", { automationId: alert.id, config: newConfig });
  assert.deepEqual(reconfigured.config, newConfig);
  assert.deepEqual(JSON.parse((await row("automation", alert.id)).config), newConfig);
  assert.deepEqual((await ok(ada, "run_automation", { automationId: alert.id })).result, {
    value: 46.25,
    threshold: 100,
    operator: "lt",
    triggered: true,
  });

  const before = await snapshot();
  assertError(
    await tool(ada, "update_automation", { automationId: alert.id, config: { ...newConfig, schedule: "61 * * * *" } }),
    400,
    "VALIDATION_ERROR",
    /^config\.schedule/,
  );
  assertError(await tool(ada, "update_automation", { automationId: alert.id, enabled: "yes" }), 400, "VALIDATION_ERROR", /enabled/);
  assertError(await tool(ada, "update_automation", { automationId: randomId("auto"), enabled: false }), 404, "NOT_FOUND");
  await assertUnchanged(before);

  const deleted = await ok(ada, "delete_automation", { automationId: alert.id });
  assert.deepEqual(deleted, { deleted: true, automationId: alert.id });
  assert.equal(await row("automation", alert.id), null);
  assert.equal(await countRows("automation_run", "automation_id = ?", alert.id), 0);
});

test("a plain member lists automations and runs but gets 403 creating, changing, running or deleting one", async () => {
  const ada = await newUser("Ada");
  const mel = await joinAs(ada, await newUser("Mel"), "member");
  const ds = await salesDataset(ada);
  const dash = await dashboard(mel, "Mel's");
  const alert = await createAutomation(ada, "Alert", "threshold_alert", thresholdConfig(ds));
  const run = await ok(ada, "run_automation", { automationId: alert.id });

  assert.deepEqual(
    (await ok(mel, "list_automations")).automations.map((a) => a.id),
    [alert.id],
  );
  assert.deepEqual(await ok(mel, "list_automation_runs", { automationId: alert.id }), { runs: [run] });

  const before = await snapshot();
  const refused = [
    ["create_automation", { name: "Mine", type: "threshold_alert", config: thresholdConfig(ds) }],
    ["create_automation", { name: "Mine", type: "scheduled_report", config: { dashboardId: dash.id, schedule: "daily" } }],
    ["run_automation", { automationId: alert.id }],
    ["update_automation", { automationId: alert.id, enabled: false }],
    ["delete_automation", { automationId: alert.id }],
  ];
  for (const [name, args] of refused) {
    assertError(await tool(mel, name, args), 403, "FORBIDDEN");
  }
  await assertUnchanged(before);

  // An admin may.
  const ali = await joinAs(ada, await newUser("Ali"), "admin");
  assert.equal((await ok(ali, "run_automation", { automationId: alert.id })).status, "success");
});

test("another organization's automations answer 404 exactly like random ids, and nothing changes", async () => {
  const ada = await newUser("Ada");
  const eve = await newUser("Eve");
  const ds = await salesDataset(ada);
  const alert = await createAutomation(ada, "Alert", "threshold_alert", thresholdConfig(ds));
  await ok(ada, "run_automation", { automationId: alert.id });

  const before = await snapshot();
  for (const [name, extra] of [
    ["update_automation", { enabled: false }],
    ["delete_automation", {}],
    ["run_automation", {}],
    ["list_automation_runs", {}],
  ]) {
    const foreign = await tool(eve, name, { automationId: alert.id, ...extra });
    const random = await tool(eve, name, { automationId: randomId("auto"), ...extra });
    assertError(foreign, 404, "NOT_FOUND");
    assert.deepEqual(foreign.body, random.body, name);
  }
  await assertUnchanged(before);
  assert.deepEqual(await ok(eve, "list_automations"), { automations: [] });
});

// ---------------------------------------------------------------- the Cron Trigger

test("the Cron Trigger runs every due enabled automation of every organization once per due time, and a failure stops none", async () => {
  // A Worker of its own, so that every automation it holds is one of this test's.
  const w = await startWorker();
  try {
    const fire = async (ms) => {
      const result = await (await w.mf.getWorker()).scheduled({ cron: "*/5 * * * *", scheduledTime: new Date(ms) });
      assert.equal(result.outcome, "ok");
    };
    const runsOf = async (automationId) => {
      const { results } = await w.db
        .prepare(`select * from automation_run where automation_id = ? order by scheduled_for, executed_at`)
        .bind(automationId)
        .all();
      return results.map((r) => ({ ...r, result: r.result === null ? null : JSON.parse(r.result) }));
    };

    const ada = await newUser("Ada", w);
    const bob = await newUser("Bob", w);
    const adaDs = await salesDataset(ada);
    const brokenDs = await salesDataset(ada, "Broken");
    const bobDs = await salesDataset(bob);
    const adaDash = await dashboard(ada, "Daily");
    await addWidget(ada, adaDash, adaDs, "metric", METRIC, "Total");
    await addWidget(ada, adaDash, adaDs, "chart", CHART, "By region");

    // Created first, so that it runs before the others.
    const failing = await createAutomation(ada, "Failing", "threshold_alert", thresholdConfig(brokenDs));
    const hourly = await createAutomation(ada, "Hourly", "threshold_alert", thresholdConfig(adaDs));
    const daily = await createAutomation(ada, "Daily report", "scheduled_report", { dashboardId: adaDash.id, schedule: "daily" });
    const quarter = await createAutomation(bob, "Quarter-hourly", "threshold_alert", thresholdConfig(bobDs, {
      operator: "lt",
      schedule: "*/15 * * * *",
      filters: [{ column: "region", op: "=", value: "us" }],
    }));
    const disabledLater = await createAutomation(bob, "Disabled later", "threshold_alert", thresholdConfig(bobDs));
    await ok(bob, "update_automation", { automationId: disabledLater.id, enabled: false });
    const disabledAtStart = await createAutomation(bob, "Disabled", "scheduled_report", {
      dashboardId: (await dashboard(bob)).id,
      schedule: "hourly",
    }, { enabled: false });
    await dropTable(brokenDs.id, w);

    // Fired at 01:30 UTC tomorrow: hourly was due at 01:00, daily at 00:00, */15 at 01:30.
    const midnight = Math.ceil(Date.now() / DAY) * DAY;
    const firstFire = midnight + 90 * MINUTE;
    await fire(firstFire);

    const [f1] = await runsOf(failing.id);
    assert.equal(f1.status, "failed");
    assert.equal(f1.scheduled_for, midnight + HOUR);
    assert.equal(f1.result, null);
    assert.equal(typeof f1.error, "string");
    assert.equal(f1.org_id, ada.orgId);

    const [h1] = await runsOf(hourly.id);
    assert.equal(h1.status, "success", JSON.stringify(h1));
    assert.equal(h1.scheduled_for, midnight + HOUR);
    assert.deepEqual(h1.result, { value: 46.25, threshold: 40, operator: "gt", triggered: true });
    assert.equal(h1.org_id, ada.orgId);

    const [d1] = await runsOf(daily.id);
    assert.equal(d1.status, "success", JSON.stringify(d1));
    assert.equal(d1.scheduled_for, midnight);
    assert.deepEqual(d1.result, await ok(ada, "render_dashboard", { dashboardId: adaDash.id }));

    const [q1] = await runsOf(quarter.id);
    assert.equal(q1.status, "success", JSON.stringify(q1));
    assert.equal(q1.scheduled_for, midnight + 90 * MINUTE);
    assert.deepEqual(q1.result, { value: 24.25, threshold: 40, operator: "lt", triggered: true });
    assert.equal(q1.org_id, bob.orgId);

    assert.deepEqual(await runsOf(disabledLater.id), []);
    assert.deepEqual(await runsOf(disabledAtStart.id), []);

    // The runs show through the tools, scheduledFor and all.
    const listed = (await ok(ada, "list_automation_runs", { automationId: hourly.id })).runs;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].id, h1.id);
    assert.equal(listed[0].scheduledFor, midnight + HOUR);
    assert.equal(listed[0].executedAt, h1.executed_at);

    // Fired again for the same time, twice at once, and a little later: nothing new is due.
    const afterFirst = await snapshot(w);
    await fire(firstFire);
    await Promise.all([fire(firstFire), fire(firstFire)]);
    await fire(firstFire + 5 * MINUTE);
    await assertUnchanged(afterFirst, "a second invocation for the same due times", w);

    // An hour later (02:30): hourly and */15 are due again, daily is not.
    // Two invocations at once still run each automation once.
    const secondFire = firstFire + HOUR;
    await Promise.all([fire(secondFire), fire(secondFire)]);
    const failingRuns = await runsOf(failing.id);
    assert.deepEqual(
      failingRuns.map((r) => [r.status, r.scheduled_for]),
      [
        ["failed", midnight + HOUR],
        ["failed", midnight + 2 * HOUR],
      ],
    );
    assert.deepEqual(
      (await runsOf(hourly.id)).map((r) => [r.status, r.scheduled_for]),
      [
        ["success", midnight + HOUR],
        ["success", midnight + 2 * HOUR],
      ],
    );
    assert.deepEqual(
      (await runsOf(daily.id)).map((r) => r.scheduled_for),
      [midnight],
    );
    assert.deepEqual(
      (await runsOf(quarter.id)).map((r) => [r.status, r.scheduled_for]),
      [
        ["success", midnight + 90 * MINUTE],
        ["success", midnight + 150 * MINUTE],
      ],
    );
    assert.deepEqual(await runsOf(disabledLater.id), []);
    assert.deepEqual(await runsOf(disabledAtStart.id), []);

    // Re-enabled, it runs at its next due time, once.
    await ok(bob, "update_automation", { automationId: disabledLater.id, enabled: true });
    await fire(secondFire + HOUR);
    assert.deepEqual(
      (await runsOf(disabledLater.id)).map((r) => [r.status, r.scheduled_for]),
      [["success", midnight + 3 * HOUR]],
    );
    // Hand-started runs have no due time and do not count as scheduled ones.
    const byHand = await ok(ada, "run_automation", { automationId: daily.id });
    assert.equal(byHand.scheduledFor, null);
    await fire(midnight + DAY + 5 * MINUTE);
    assert.deepEqual(
      (await runsOf(daily.id)).map((r) => r.scheduled_for).filter((s) => s !== null),
      [midnight, midnight + DAY],
    );
  } finally {
    await w.dispose();
  }
});
