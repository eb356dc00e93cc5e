// The dataset tools as agents call them over plain HTTP
// (`POST /api/tools/{name}`): create_dataset, list_datasets, get_dataset,
// append_rows, query_dataset and delete_dataset. Checked by status, error
// code and response shape, and by D1 afterwards: the `dataset` rows, the
// tables in sqlite_master and the rows of each dataset's own table. A
// refusal must leave the database exactly as it found it.
//
// Every test signs up its own users. A sign-up makes a personal
// organization whose owner the user is, so a fresh user may create
// datasets.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startWorker } from "./support/worker.mjs";
import { Client, count } from "./support/client.mjs";
import * as fixtures from "./support/fixtures.mjs";
import { TOOL_NAMES, keys } from "./support/fixtures.mjs";

const ORG = "/api/auth/organization";
const DATASET_KEYS = [
  "columns",
  "createdAt",
  "createdById",
  "description",
  "id",
  "name",
  "orgId",
  "sampleRows",
  "updatedAt",
];

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

// ---------------------------------------------------------------- helpers

/** Signs up a user; adds their id and their personal organization's id. */
function newUser(name = "Test User") {
  return fixtures.newUser(worker, name);
}

/** Adds a membership straight in D1. */
function addMember(orgId, user, role) {
  return fixtures.addMember(worker, orgId, user, role);
}

/** A new user who is `role` in `owner`'s organization, and active in it. */
async function joinAs(owner, role, name = "Bob") {
  const user = await newUser(name);
  await addMember(owner.orgId, user, role);
  const switched = await user.client.post(`${ORG}/set-active`, { organizationId: owner.orgId });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  const me = await call(user, "whoami", {});
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.equal(me.body.orgId, owner.orgId);
  assert.deepEqual(me.body.roles, [role]);
  return user;
}

/** Calls a tool over plain HTTP. */
function call(user, name, args) {
  return user.client.post(`/api/tools/${name}`, args);
}

/** Calls a tool and expects 200; answers the body. */
async function ok(user, name, args) {
  const response = await call(user, name, args);
  assert.equal(response.status, 200, `${name}: ${response.status} ${JSON.stringify(response.body)?.slice(0, 2000)}`);
  return response.body;
}

/** An error answer: the status, and a body of exactly {code, message}. */
function assertError(response, status, code) {
  const detail = `${response.status} ${JSON.stringify(response.body)?.slice(0, 2000)}`;
  assert.equal(response.status, status, detail);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/, detail);
  assert.deepEqual(keys(response.body), ["code", "message"], detail);
  assert.equal(response.body.code, code, detail);
  assert.equal(typeof response.body.message, "string");
  assert.ok(response.body.message.length > 0);
}

/**
 * A 400 VALIDATION_ERROR naming `field`: the message is `field: why` (a
 * string field) or mentions the field (a RegExp, for a missing argument).
 */
function assertInvalid(response, field, what = "") {
  assertError(response, 400, "VALIDATION_ERROR");
  const detail = `${what} -> ${JSON.stringify(response.body)?.slice(0, 500)}`;
  if (field instanceof RegExp) assert.match(response.body.message, field, detail);
  else assert.ok(response.body.message.startsWith(`${field}: `), `expected the field ${field}: ${detail}`);
}

/** Every table and index D1 holds. */
async function schemaObjects() {
  const { results } = await worker.db
    .prepare(`select type, name, tbl_name as "table" from sqlite_master where type in ('table', 'index') order by type, name`)
    .all();
  return results;
}

async function tableExists(name) {
  const row = await worker.db.prepare(`select count(*) as n from sqlite_master where type = 'table' and name = ?`).bind(name).first();
  return row.n === 1;
}

/** The D1 table that holds a dataset's rows (orgscope's own name). */
async function tableOf(datasetId) {
  const row = await worker.db.prepare(`select table_name as t from dataset where id = ?`).bind(datasetId).first();
  return row?.t ?? null;
}

/** The rows of a dataset's table, in insertion order. */
async function storedRows(datasetId) {
  const table = await tableOf(datasetId);
  const { results } = await worker.db.prepare(`select * from "${table}" order by "_row"`).all();
  return results;
}

/**
 * Everything a dataset tool could change: orgscope's own tables, the schema,
 * and every dataset table (its rows when small, else its count).
 */
async function snapshot() {
  const state = { schema: await schemaObjects() };
  for (const table of ["dataset", "dashboard", "widget", "automation"]) {
    const { results } = await worker.db.prepare(`select * from "${table}" order by "id"`).all();
    state[table] = results;
  }
  state.rows = {};
  for (const { name } of state.schema.filter((o) => o.type === "table" && o.name.startsWith("ds_"))) {
    const n = await count(worker.db, name);
    state.rows[name] =
      n <= 500 ? (await worker.db.prepare(`select * from "${name}" order by "_row"`).all()).results : { count: n };
  }
  return state;
}

async function assertUnchanged(before, what = "the database") {
  assert.deepEqual(await snapshot(), before, `${what} changed after a refusal`);
}

// The sales fixture: n numbers the rows 1..7.
const SALES_COLUMNS = [
  { name: "n", type: "integer" },
  { name: "region", type: "text" },
  { name: "amount", type: "real" },
  { name: "units", type: "integer", nullable: true },
  { name: "active", type: "boolean" },
  { name: "day", type: "date", nullable: true },
  { name: "note", type: "text", nullable: true },
];
const SALES_ROWS = [
  { n: 1, region: "north", amount: 10.5, units: 3, active: true, day: "2024-01-01", note: "first" },
  { n: 2, region: "south", amount: 20, units: 5, active: false, day: "2024-01-02", note: null },
  { n: 3, region: "north", amount: 4.25, units: null, active: true, day: "2024-01-03", note: "50%_off" },
  { n: 4, region: "east", amount: 100, units: 10, active: false, day: null, note: "O'Brien" },
  { n: 5, region: "south", amount: 0.25, units: 1, active: true, day: "2024-02-29", note: "north star" },
  // `note` absent: the same as null.
  { n: 6, region: "north", amount: 7, units: 2, active: false, day: "2024-03-01T12:30:00Z" },
  { n: 7, region: "west", amount: -3.5, units: 0, active: true, day: "2023-12-31", note: "x" },
];
/** The fixture rows as a query answers them (absent nullable values are null; booleans as given). */
const SALES = SALES_ROWS.map((row) => ({ units: null, note: null, ...row }));

/** The fixture row objects with only `columns`. */
function project(rows, columns) {
  return rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[c]])));
}

async function createSales(user, extra = {}) {
  return ok(user, "create_dataset", { name: "Sales", columns: SALES_COLUMNS, rows: SALES_ROWS, ...extra });
}

/** The `n` of every row a query answers, in order. */
async function ns(user, datasetId, spec) {
  const body = await ok(user, "query_dataset", { datasetId, select: ["n"], ...spec });
  assert.deepEqual(body.columns, ["n"]);
  return body.rows.map((row) => row.n);
}

// ---------------------------------------------------------------- tool listing and sessions

test("GET /api/tools lists every tool, each with a description and an object inputSchema", async () => {
  const ada = await newUser("Ada");
  const response = await ada.client.get("/api/tools");
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(keys(response.body), ["tools"]);
  const { tools } = response.body;
  assert.deepEqual(
    tools.map((t) => t.name),
    TOOL_NAMES,
  );
  for (const tool of tools) {
    assert.deepEqual(keys(tool), ["description", "inputSchema", "name"], tool.name);
    assert.equal(typeof tool.description, "string");
    assert.ok(tool.description.length > 0, tool.name);
    assert.equal(tool.inputSchema.type, "object", tool.name);
  }
  const byName = Object.fromEntries(tools.map((t) => [t.name, t.inputSchema]));
  assert.deepEqual(byName.create_dataset.required, ["name", "columns"]);
  assert.deepEqual(byName.create_dataset.properties.columns.items.properties.type.enum, [
    "text",
    "integer",
    "real",
    "boolean",
    "date",
  ]);
  assert.deepEqual(byName.append_rows.required, ["datasetId", "rows"]);
  assert.deepEqual(byName.query_dataset.required, ["datasetId"]);
  assert.equal(byName.query_dataset.properties.limit.maximum, 1000);
  for (const name of ["get_dataset", "delete_dataset"]) assert.deepEqual(byName[name].required, ["datasetId"]);
});

test("without a session every dataset tool and the tool list answer 401 UNAUTHORIZED, and nothing changes", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const before = await snapshot();

  const anonymous = new Client(worker);
  const forged = new Client(worker);
  forged.cookies.set("better-auth.session_token", "not-a-real-token.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXI%3D");
  const bearer = new Client(worker);
  bearer.bearer = "not-a-real-token";

  for (const client of [anonymous, forged, bearer]) {
    assertError(await client.get("/api/tools"), 401, "UNAUTHORIZED");
    const calls = [
      ["create_dataset", { name: "Anon", columns: [{ name: "a", type: "text" }] }],
      ["list_datasets", {}],
      ["get_dataset", { datasetId: sales.id }],
      ["append_rows", { datasetId: sales.id, rows: [SALES_ROWS[0]] }],
      ["query_dataset", { datasetId: sales.id }],
      ["delete_dataset", { datasetId: sales.id }],
      // Bad arguments still answer 401: no session is checked first.
      ["create_dataset", { name: 42 }],
    ];
    for (const [name, args] of calls) {
      const response = await client.post(`/api/tools/${name}`, args);
      assertError(response, 401, "UNAUTHORIZED");
      assert.equal(response.headers.get("www-authenticate"), "Bearer");
    }
  }
  await assertUnchanged(before);
});

test("an unknown tool answers 404 UNKNOWN_TOOL and changes nothing", async () => {
  const ada = await newUser("Ada");
  await createSales(ada);
  const before = await snapshot();
  for (const name of ["nope", "create_datasets", "CREATE_DATASET", "create_dataset;drop", "drop%20table%20dataset"]) {
    const response = await call(ada, name, { name: "x", columns: [{ name: "a", type: "text" }] });
    assertError(response, 404, "UNKNOWN_TOOL");
  }
  await assertUnchanged(before);
});

// ---------------------------------------------------------------- create, list, get

test("create_dataset with rows answers the dataset; its table holds the rows, typed", async () => {
  const ada = await newUser("Ada");
  const response = await call(ada, "create_dataset", {
    name: "Sales",
    description: "Quarterly sales\nby region",
    columns: SALES_COLUMNS,
    rows: SALES_ROWS,
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const dataset = response.body;
  assert.deepEqual(keys(dataset), DATASET_KEYS);
  assert.equal(typeof dataset.id, "string");
  assert.equal(dataset.name, "Sales");
  assert.equal(dataset.description, "Quarterly sales\nby region");
  assert.equal(dataset.orgId, ada.orgId);
  assert.equal(dataset.createdById, ada.id);
  assert.equal(typeof dataset.createdAt, "number");
  assert.equal(dataset.updatedAt, dataset.createdAt);
  // nullable defaults to false.
  assert.deepEqual(
    dataset.columns,
    SALES_COLUMNS.map((c) => ({ nullable: false, ...c })),
  );
  // The first five rows, as sent, with absent nullable values as null.
  assert.deepEqual(dataset.sampleRows, SALES.slice(0, 5));

  // The record, and a table of orgscope's naming that the answer does not show.
  const row = await worker.db.prepare(`select * from dataset where id = ?`).bind(dataset.id).first();
  assert.equal(row.org_id, ada.orgId);
  assert.equal(row.name, "Sales");
  assert.match(row.table_name, /^ds_[a-z0-9]+$/);
  assert.ok(!JSON.stringify(dataset).includes(row.table_name), "the answer shows the table name");
  assert.ok(await tableExists(row.table_name));

  // Stored typed: booleans as 0/1, dates as the text sent, reals as reals.
  const stored = await storedRows(dataset.id);
  assert.deepEqual(
    stored.map((r) => r._row),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual(
    stored.map(({ _row, ...r }) => r),
    SALES.map((r) => ({ ...r, active: r.active ? 1 : 0 })),
  );
  const types = await worker.db
    .prepare(`select typeof(amount) as a, typeof(units) as u, typeof(active) as b, typeof(day) as d from "${row.table_name}" where n = 2`)
    .first();
  assert.deepEqual(types, { a: "real", u: "integer", b: "integer", d: "text" });
});

test("create_dataset without rows: an empty table, no sample rows; list_datasets lists datasets in creation order", async () => {
  const ada = await newUser("Ada");
  const empty = await ok(ada, "create_dataset", {
    name: "Empty",
    columns: [
      { name: "label", type: "text", nullable: true },
      { name: "happened", type: "date" },
    ],
  });
  assert.deepEqual(empty.sampleRows, []);
  assert.equal(empty.description, null);
  const detail = await ok(ada, "get_dataset", { datasetId: empty.id });
  assert.equal(detail.rowCount, 0);
  assert.deepEqual(detail.dataset.sampleRows, []);
  const rows = await ok(ada, "query_dataset", { datasetId: empty.id });
  assert.deepEqual(rows, { columns: ["label", "happened"], rows: [] });

  const sales = await createSales(ada);
  const listed = await ok(ada, "list_datasets", {});
  assert.deepEqual(keys(listed), ["datasets"]);
  assert.deepEqual(listed.datasets, [empty, sales]);
  // A bodiless call is the same as {}.
  const bare = await ada.client.request("POST", "/api/tools/list_datasets");
  assert.equal(bare.status, 200);
  assert.deepEqual(bare.body, listed);
});

test("get_dataset answers the dataset, its exact rowCount and its first five rows", async () => {
  const ada = await newUser("Ada");
  const first3 = SALES_ROWS.slice(0, 3);
  const created = await ok(ada, "create_dataset", { name: "Sales", columns: SALES_COLUMNS, rows: first3 });
  const detail = await ok(ada, "get_dataset", { datasetId: created.id });
  assert.deepEqual(keys(detail), ["dataset", "rowCount"]);
  assert.equal(detail.rowCount, 3);
  assert.deepEqual(detail.dataset, created);
  assert.deepEqual(detail.dataset.sampleRows, SALES.slice(0, 3));

  // Appending fills the sample up to five rows: the dataset's first five.
  const appended = await ok(ada, "append_rows", { datasetId: created.id, rows: SALES_ROWS.slice(3) });
  assert.deepEqual(appended, { datasetId: created.id, appended: 4 });
  const after = await ok(ada, "get_dataset", { datasetId: created.id });
  assert.equal(after.rowCount, 7);
  assert.deepEqual(after.dataset.sampleRows, SALES.slice(0, 5));
  assert.ok(after.dataset.updatedAt >= created.updatedAt);

  // Once five, later appends leave the sample alone.
  await ok(ada, "append_rows", { datasetId: created.id, rows: [{ ...SALES_ROWS[6], n: 8 }] });
  const later = await ok(ada, "get_dataset", { datasetId: created.id });
  assert.equal(later.rowCount, 8);
  assert.deepEqual(later.dataset.sampleRows, SALES.slice(0, 5));
  assert.equal(await count(worker.db, await tableOf(created.id)), 8);

  // Created with more than five rows, the sample is the first five.
  const seven = await createSales(ada);
  assert.deepEqual(seven.sampleRows, SALES.slice(0, 5));
  assert.equal((await ok(ada, "get_dataset", { datasetId: seven.id })).rowCount, 7);
});

test("append_rows adds rows after the existing ones; nullable columns may be absent or null", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const extra = [
    { n: 8, region: "north", amount: 1, active: true },
    { n: 9, region: "east", amount: 2.5, units: null, active: false, day: null, note: null },
    { n: 10, region: "west", amount: 3, units: 4, active: true, day: "2024-12-31T23:59:59.999Z", note: "" },
  ];
  const appended = await ok(ada, "append_rows", { datasetId: sales.id, rows: extra });
  assert.deepEqual(appended, { datasetId: sales.id, appended: 3 });
  const result = await ok(ada, "query_dataset", { datasetId: sales.id, select: ["n", "units", "day", "note"], filters: [{ column: "n", op: ">", value: 7 }] });
  assert.deepEqual(result.rows, [
    { n: 8, units: null, day: null, note: null },
    { n: 9, units: null, day: null, note: null },
    { n: 10, units: 4, day: "2024-12-31T23:59:59.999Z", note: "" },
  ]);
  assert.equal((await ok(ada, "get_dataset", { datasetId: sales.id })).rowCount, 10);
});

// ---------------------------------------------------------------- query

test("query_dataset without a spec answers every column in insertion order", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const body = await ok(ada, "query_dataset", { datasetId: sales.id, select: ["n", "region", "amount", "units", "day", "note"] });
  assert.deepEqual(keys(body), ["columns", "rows"]);
  assert.deepEqual(body.columns, ["n", "region", "amount", "units", "day", "note"]);
  assert.deepEqual(body.rows, project(SALES, body.columns));

  const all = await ok(ada, "query_dataset", { datasetId: sales.id });
  assert.deepEqual(
    all.columns,
    SALES_COLUMNS.map((c) => c.name),
  );
  assert.equal(all.rows.length, 7);
  assert.deepEqual(
    all.rows.map(({ active, ...rest }) => rest),
    SALES.map(({ active, ...rest }) => rest),
  );

  // select picks and orders the columns.
  const picked = await ok(ada, "query_dataset", { datasetId: sales.id, select: ["note", "n"] });
  assert.deepEqual(picked.columns, ["note", "n"]);
  assert.deepEqual(picked.rows, project(SALES, ["note", "n"]));
});

test("a boolean column reads back from query_dataset as true/false, as it is written and as sampleRows show it", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const body = await ok(ada, "query_dataset", { datasetId: sales.id, select: ["n", "active"] });
  assert.deepEqual(body.rows, project(SALES, ["n", "active"]));
  // The sample of the same rows shows booleans, and filters accept only booleans.
  assert.deepEqual(
    sales.sampleRows.map((r) => r.active),
    [true, false, true, false, true],
  );
  assertInvalid(await call(ada, "query_dataset", { datasetId: sales.id, filters: [{ column: "active", op: "=", value: 1 }] }), "filters[0].value");

  // A row read back can be written back: append what query_dataset answered.
  const read = await ok(ada, "query_dataset", { datasetId: sales.id, limit: 1 });
  const again = await call(ada, "append_rows", { datasetId: sales.id, rows: [{ ...read.rows[0], n: 8 }] });
  assert.equal(again.status, 200, `a row read from query_dataset is refused by append_rows: ${JSON.stringify(again.body)}`);
  // And a value read back can be used in a filter.
  const filtered = await call(ada, "query_dataset", { datasetId: sales.id, select: ["n"], filters: [{ column: "active", op: "=", value: read.rows[0].active }] });
  assert.equal(filtered.status, 200, `a value read from query_dataset is refused as a filter value: ${JSON.stringify(filtered.body)}`);
});

test("query_dataset filters: every op, typed by the column", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const cases = [
    [{ column: "region", op: "=", value: "north" }, [1, 3, 6]],
    [{ column: "region", op: "!=", value: "north" }, [2, 4, 5, 7]],
    [{ column: "amount", op: "<", value: 7 }, [3, 5, 7]],
    [{ column: "amount", op: "<=", value: 7 }, [3, 5, 6, 7]],
    [{ column: "amount", op: ">", value: 20 }, [4]],
    [{ column: "amount", op: ">=", value: 20 }, [2, 4]],
    [{ column: "amount", op: "=", value: 4.25 }, [3]],
    [{ column: "units", op: ">", value: 3 }, [2, 4]],
    [{ column: "units", op: ">=", value: 3 }, [1, 2, 4]],
    [{ column: "units", op: "<", value: 2 }, [5, 7]],
    [{ column: "units", op: "<=", value: 2 }, [5, 6, 7]],
    // null is neither equal nor unequal to anything.
    [{ column: "units", op: "!=", value: 3 }, [2, 4, 5, 6, 7]],
    [{ column: "units", op: "=", value: 0 }, [7]],
    [{ column: "region", op: "in", value: ["east", "west"] }, [4, 7]],
    [{ column: "region", op: "in", value: ["nowhere"] }, []],
    [{ column: "units", op: "in", value: [0, 10, 99] }, [4, 7]],
    [{ column: "note", op: "contains", value: "north" }, [5]],
    [{ column: "region", op: "contains", value: "orth" }, [1, 3, 6]],
    // % and _ are literal, not LIKE wildcards.
    [{ column: "note", op: "contains", value: "%" }, [3]],
    [{ column: "note", op: "contains", value: "_" }, [3]],
    [{ column: "note", op: "contains", value: "'" }, [4]],
    // contains is case-sensitive.
    [{ column: "note", op: "contains", value: "NORTH" }, []],
    [{ column: "units", op: "is_null" }, [3]],
    [{ column: "units", op: "is_null", value: true }, [3]],
    [{ column: "units", op: "is_null", value: false }, [1, 2, 4, 5, 6, 7]],
    [{ column: "day", op: "is_null" }, [4]],
    [{ column: "note", op: "is_null" }, [2, 6]],
    [{ column: "active", op: "=", value: true }, [1, 3, 5, 7]],
    [{ column: "active", op: "!=", value: true }, [2, 4, 6]],
    [{ column: "day", op: ">=", value: "2024-02-01" }, [5, 6]],
    [{ column: "day", op: "<", value: "2024-01-02" }, [1, 7]],
    [{ column: "day", op: "=", value: "2024-03-01T12:30:00Z" }, [6]],
    [{ column: "day", op: "in", value: ["2024-01-01", "2023-12-31"] }, [1, 7]],
  ];
  for (const [filter, expected] of cases) {
    assert.deepEqual(await ns(ada, sales.id, { filters: [filter] }), expected, JSON.stringify(filter));
  }
  // Filters combine with and.
  const both = [
    { column: "region", op: "=", value: "north" },
    { column: "amount", op: ">", value: 5 },
  ];
  assert.deepEqual(await ns(ada, sales.id, { filters: both }), [1, 6]);
  const three = [...both, { column: "units", op: "is_null", value: false }];
  assert.deepEqual(await ns(ada, sales.id, { filters: three }), [1, 6]);
  assert.deepEqual(await ns(ada, sales.id, { filters: [...three, { column: "day", op: "<", value: "2024-02-01" }] }), [1]);
});

test("query_dataset groupBy with count, sum, avg, min and max answers exact numbers", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const grouped = await ok(ada, "query_dataset", {
    datasetId: sales.id,
    groupBy: ["region"],
    aggregates: [
      { function: "count" },
      { function: "count", column: "units" },
      { function: "sum", column: "amount" },
      { function: "avg", column: "amount" },
      { function: "min", column: "amount" },
      { function: "max", column: "amount" },
      { function: "sum", column: "units", alias: "totalUnits" },
      { function: "avg", column: "units" },
      { function: "min", column: "day" },
      { function: "max", column: "day" },
      { function: "sum", column: "active", alias: "actives" },
    ],
    orderBy: [{ column: "region", direction: "asc" }],
  });
  assert.deepEqual(grouped.columns, [
    "region",
    "count",
    "count_units",
    "sum_amount",
    "avg_amount",
    "min_amount",
    "max_amount",
    "totalUnits",
    "avg_units",
    "min_day",
    "max_day",
    "actives",
  ]);
  assert.deepEqual(grouped.rows, [
    {
      region: "east",
      count: 1,
      count_units: 1,
      sum_amount: 100,
      avg_amount: 100,
      min_amount: 100,
      max_amount: 100,
      totalUnits: 10,
      avg_units: 10,
      min_day: null,
      max_day: null,
      actives: 0,
    },
    {
      region: "north",
      count: 3,
      count_units: 2,
      sum_amount: 21.75,
      avg_amount: 7.25,
      min_amount: 4.25,
      max_amount: 10.5,
      totalUnits: 5,
      avg_units: 2.5,
      min_day: "2024-01-01",
      max_day: "2024-03-01T12:30:00Z",
      actives: 2,
    },
    {
      region: "south",
      count: 2,
      count_units: 2,
      sum_amount: 20.25,
      avg_amount: 10.125,
      min_amount: 0.25,
      max_amount: 20,
      totalUnits: 6,
      avg_units: 3,
      min_day: "2024-01-02",
      max_day: "2024-02-29",
      actives: 1,
    },
    {
      region: "west",
      count: 1,
      count_units: 1,
      sum_amount: -3.5,
      avg_amount: -3.5,
      min_amount: -3.5,
      max_amount: -3.5,
      totalUnits: 0,
      avg_units: 0,
      min_day: "2023-12-31",
      max_day: "2023-12-31",
      actives: 1,
    },
  ]);

  // Aggregates without groupBy: one row over the (filtered) table.
  const total = await ok(ada, "query_dataset", {
    datasetId: sales.id,
    aggregates: [
      { function: "count" },
      { function: "sum", column: "amount", alias: "revenue" },
      { function: "min", column: "region" },
      { function: "max", column: "note" },
    ],
  });
  assert.deepEqual(total, {
    columns: ["count", "revenue", "min_region", "max_note"],
    rows: [{ count: 7, revenue: 138.5, min_region: "east", max_note: "x" }],
  });
  const filtered = await ok(ada, "query_dataset", {
    datasetId: sales.id,
    filters: [{ column: "active", op: "=", value: true }],
    aggregates: [{ function: "count" }, { function: "avg", column: "amount" }],
  });
  assert.deepEqual(filtered.rows, [{ count: 4, avg_amount: (10.5 + 4.25 + 0.25 - 3.5) / 4 }]);
  // No row matches: count is 0, the others null.
  const none = await ok(ada, "query_dataset", {
    datasetId: sales.id,
    filters: [{ column: "region", op: "=", value: "nowhere" }],
    aggregates: [{ function: "count" }, { function: "sum", column: "amount" }, { function: "max", column: "units" }],
  });
  assert.deepEqual(none.rows, [{ count: 0, sum_amount: null, max_units: null }]);

  // groupBy over two columns, ordered by an aggregate alias, descending.
  const byTwo = await ok(ada, "query_dataset", {
    datasetId: sales.id,
    groupBy: ["region", "active"],
    aggregates: [{ function: "sum", column: "amount", alias: "total" }],
    orderBy: [
      { column: "total", direction: "desc" },
      { column: "region", direction: "asc" },
    ],
  });
  assert.deepEqual(byTwo.columns, ["region", "active", "total"]);
  assert.deepEqual(
    byTwo.rows.map((r) => [r.region, r.total]),
    [
      ["east", 100],
      ["south", 20],
      ["north", 14.75],
      ["north", 7],
      ["south", 0.25],
      ["west", -3.5],
    ],
  );
  // groupBy alone answers the distinct values.
  const regions = await ok(ada, "query_dataset", { datasetId: sales.id, groupBy: ["region"], orderBy: [{ column: "region", direction: "desc" }] });
  assert.deepEqual(regions, { columns: ["region"], rows: [{ region: "west" }, { region: "south" }, { region: "north" }, { region: "east" }] });
});

test("query_dataset orderBy asc/desc and limit", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const id = sales.id;
  const byAmount = async (direction, extra = {}) =>
    (await ok(ada, "query_dataset", { datasetId: id, select: ["n", "amount", "region"], orderBy: [{ column: "amount", direction }], ...extra })).rows.map((r) => r.n);
  assert.deepEqual(await byAmount("desc"), [4, 2, 1, 6, 3, 5, 7]);
  assert.deepEqual(await byAmount("asc"), [7, 5, 3, 6, 1, 2, 4]);
  assert.deepEqual(await byAmount("desc", { limit: 3 }), [4, 2, 1]);
  // direction defaults to asc.
  const implicit = await ok(ada, "query_dataset", { datasetId: id, select: ["n", "amount"], orderBy: [{ column: "amount" }] });
  assert.deepEqual(
    implicit.rows.map((r) => r.n),
    [7, 5, 3, 6, 1, 2, 4],
  );
  // Two orderings: region asc, then amount desc.
  const twoKeys = await ok(ada, "query_dataset", {
    datasetId: id,
    select: ["n", "region", "amount"],
    orderBy: [
      { column: "region", direction: "asc" },
      { column: "amount", direction: "desc" },
    ],
  });
  assert.deepEqual(
    twoKeys.rows.map((r) => r.n),
    [4, 1, 6, 3, 2, 5, 7],
  );
  // SQLite sorts null first ascending, last descending.
  const byUnits = await ok(ada, "query_dataset", { datasetId: id, select: ["n", "units"], orderBy: [{ column: "units" }] });
  assert.deepEqual(
    byUnits.rows.map((r) => r.n),
    [3, 7, 5, 6, 1, 2, 4],
  );
  const byDayDesc = await ok(ada, "query_dataset", { datasetId: id, select: ["n", "day"], orderBy: [{ column: "day", direction: "desc" }] });
  assert.deepEqual(
    byDayDesc.rows.map((r) => r.n),
    [6, 5, 3, 2, 1, 7, 4],
  );
  // limit without orderBy keeps the rows inserted first.
  assert.deepEqual(await ns(ada, id, { limit: 2 }), [1, 2]);
  assert.deepEqual(await ns(ada, id, { limit: 1 }), [1]);
  assert.deepEqual(await ns(ada, id, { limit: 1000 }), [1, 2, 3, 4, 5, 6, 7]);
  // limit with filters and groups.
  const top = await ok(ada, "query_dataset", {
    datasetId: id,
    groupBy: ["region"],
    aggregates: [{ function: "count" }],
    orderBy: [{ column: "count", direction: "desc" }, { column: "region" }],
    limit: 2,
  });
  assert.deepEqual(top.rows, [
    { region: "north", count: 3 },
    { region: "south", count: 2 },
  ]);
});

test("query_dataset refuses a limit outside 1..1000 and bad query parts with 400 naming the field", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const id = sales.id;
  const before = await snapshot();
  const cases = [
    [{ limit: 1001 }, "limit"],
    [{ limit: 0 }, "limit"],
    [{ limit: 100000 }, "limit"],
    [{ select: ["nope"] }, "select[0]"],
    [{ select: ["n", "n"] }, "select[1]"],
    [{ select: ["_row"] }, "select[0]"],
    [{ select: ["Region"] }, "select[0]"],
    [{ filters: [{ column: "nope", op: "=", value: 1 }] }, "filters[0].column"],
    [{ filters: [{ column: "n", op: "=", value: 1 }, { column: "region\" or 1=1 --", op: "is_null" }] }, "filters[1].column"],
    [{ filters: [{ column: "amount", op: "=", value: "12" }] }, "filters[0].value"],
    [{ filters: [{ column: "units", op: "=", value: 1.5 }] }, "filters[0].value"],
    [{ filters: [{ column: "day", op: "=", value: "2024-02-30" }] }, "filters[0].value"],
    [{ filters: [{ column: "region", op: "=" }] }, "filters[0].value"],
    [{ filters: [{ column: "region", op: "=", value: null }] }, "filters[0].value"],
    [{ filters: [{ column: "region", op: "in", value: "north" }] }, "filters[0].value"],
    [{ filters: [{ column: "region", op: "in", value: [] }] }, "filters[0].value"],
    [{ filters: [{ column: "units", op: "in", value: [1, "two"] }] }, "filters[0].value[1]"],
    [{ filters: [{ column: "units", op: "is_null", value: "yes" }] }, "filters[0].value"],
    [{ filters: [{ column: "amount", op: "contains", value: "1" }] }, "filters[0].op"],
    [{ filters: Array.from({ length: 21 }, () => ({ column: "units", op: "is_null" })) }, "filters"],
    [{ groupBy: ["region", "nope"] }, "groupBy[1]"],
    [{ groupBy: ["region"], select: ["region", "amount"] }, "select[1]"],
    [{ aggregates: [{ function: "sum", column: "region" }] }, "aggregates[0].column"],
    [{ aggregates: [{ function: "avg", column: "day" }] }, "aggregates[0].column"],
    [{ aggregates: [{ function: "max" }] }, "aggregates[0].column"],
    [{ aggregates: [{ function: "count" }, { function: "max", column: "nope" }] }, "aggregates[1].column"],
    [{ aggregates: [{ function: "count", alias: "select" }] }, "aggregates[0].alias"],
    [{ aggregates: [{ function: "count", alias: "n\" from user --" }] }, "aggregates[0].alias"],
    [{ aggregates: [{ function: "count" }, { function: "count" }] }, "aggregates[1].alias"],
    [{ orderBy: [{ column: "nope" }] }, "orderBy[0].column"],
    [{ select: ["n"], orderBy: [{ column: "amount" }] }, "orderBy[0].column"],
    [{ orderBy: Array.from({ length: 6 }, () => ({ column: "n" })) }, "orderBy"],
  ];
  for (const [spec, field] of cases) {
    assertInvalid(await call(ada, "query_dataset", { datasetId: id, ...spec }), field, JSON.stringify(spec));
  }
  await assertUnchanged(before);
  assert.ok(await tableExists(await tableOf(id)));
});

test("query_dataset names the field of a wrongly typed part of the query", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const id = sales.id;
  const before = await snapshot();
  const cases = [
    [{ limit: "10" }, "limit"],
    [{ limit: -1 }, "limit"],
    [{ select: "n" }, "select"],
    [{ filters: [{ column: 1, op: "=", value: 1 }] }, "filters[0].column"],
    [{ filters: [{ column: "n", op: "like", value: 1 }] }, "filters[0].op"],
    [{ aggregates: [{ function: "median", column: "n" }] }, "aggregates[0].function"],
    [{ orderBy: [{ column: "n", direction: "up" }] }, "orderBy[0].direction"],
  ];
  const failures = [];
  for (const [spec, field] of cases) {
    const response = await call(ada, "query_dataset", { datasetId: id, ...spec });
    assertError(response, 400, "VALIDATION_ERROR");
    if (!response.body.message.startsWith(`${field}: `)) failures.push(`${JSON.stringify(spec)} -> ${response.body.message}`);
  }
  await assertUnchanged(before);
  assert.deepEqual(failures, [], "these refusals do not name the field");
});

// ---------------------------------------------------------------- validation

test("create_dataset refuses bad column names with 400 naming the column, and creates nothing", async () => {
  const ada = await newUser("Ada");
  const before = await snapshot();
  const names = [
    "select",
    "SELECT",
    "From",
    "table",
    "rowid",
    "a\"b",
    "x; drop table dataset",
    "x\"; drop table dataset; --",
    "a b",
    "a-b",
    "a.b",
    "1abc",
    "_row",
    "_hidden",
    "",
    "é",
    "a\u0000b",
    "a".repeat(64),
  ];
  for (const bad of names) {
    const response = await call(ada, "create_dataset", {
      name: "Bad",
      columns: [
        { name: "ok", type: "text" },
        { name: bad, type: "text" },
      ],
    });
    assertInvalid(response, "columns[1].name", JSON.stringify(bad));
  }
  // Duplicates, also differing only in case.
  for (const [a, b] of [
    ["amount", "amount"],
    ["amount", "Amount"],
    ["REGION", "region"],
  ]) {
    const response = await call(ada, "create_dataset", {
      name: "Dup",
      columns: [
        { name: a, type: "text" },
        { name: b, type: "real" },
      ],
    });
    assertInvalid(response, "columns[1].name", `${a}/${b}`);
  }
  // Too many or no columns.
  const many = Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, type: "integer" }));
  assertInvalid(await call(ada, "create_dataset", { name: "Wide", columns: many }), "columns");
  assertInvalid(await call(ada, "create_dataset", { name: "None", columns: [] }), "columns");
  await assertUnchanged(before);
  assert.equal(await count(worker.db, "dataset", "org_id = ?", ada.orgId), 0);

  // The edges that are fine: 63 characters, a keyword inside a name, digits and underscores.
  const fine = await ok(ada, "create_dataset", {
    name: "Fine",
    columns: [
      { name: "a".repeat(63), type: "text" },
      { name: "selected", type: "integer" },
      { name: "Count_2024", type: "real" },
    ],
  });
  assert.deepEqual(
    fine.columns.map((c) => c.name),
    ["a".repeat(63), "selected", "Count_2024"],
  );
});

test("create_dataset refuses missing and wrongly typed arguments with 400 naming the field", async () => {
  const ada = await newUser("Ada");
  const before = await snapshot();
  const columns = [{ name: "a", type: "text" }];
  const cases = [
    [{ columns }, /name/],
    [{ name: "x" }, /columns/],
    [{ name: "x", columns: [{ name: "a" }] }, /type/],
    [{ name: "x", columns: [{ type: "text" }] }, /name/],
    [{ name: 42, columns }, "name"],
    [{ name: "   ", columns }, "name"],
    [{ name: "x", columns: "a" }, "columns"],
    [{ name: "x", columns: [{ name: "a", type: "blob" }] }, "columns[0].type"],
    [{ name: "x", columns: [{ name: "a", type: "text", nullable: "yes" }] }, "columns[0].nullable"],
    [{ name: "x", columns: [{ name: "a", type: "text", primary: true }] }, /primary/],
    [{ name: "x", columns, rows: {} }, "rows"],
    [{ name: "x", columns, rows: [1] }, "rows[0]"],
    [{ name: "x", columns, description: 7 }, "description"],
    [{ name: "x", columns, description: "d".repeat(2001) }, "description"],
    [{ name: "x", columns, owner: "someone" }, /owner/],
    [{ name: "x", columns, orgId: "another-org" }, /orgId/],
  ];
  for (const [args, field] of cases) {
    assertInvalid(await call(ada, "create_dataset", args), field, JSON.stringify(args));
  }
  // A body that is not a JSON object.
  for (const body of ["[]", "\"x\"", "{not json"]) {
    assertError(await ada.client.post("/api/tools/create_dataset", body), 400, "VALIDATION_ERROR");
  }
  await assertUnchanged(before);
});

test("get/append/query/delete refuse a missing or wrongly typed datasetId with 400", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const before = await snapshot();
  for (const name of ["get_dataset", "append_rows", "query_dataset", "delete_dataset"]) {
    const extra = name === "append_rows" ? { rows: [SALES_ROWS[0]] } : {};
    assertInvalid(await call(ada, name, extra), /datasetId/, name);
    assertInvalid(await call(ada, name, { datasetId: 7, ...extra }), "datasetId", name);
    assertInvalid(await call(ada, name, { datasetId: null, ...extra }), /datasetId/, name);
  }
  assertInvalid(await call(ada, "append_rows", { datasetId: sales.id }), /rows/);
  assertInvalid(await call(ada, "append_rows", { datasetId: sales.id, rows: [] }), "rows");
  assertInvalid(await call(ada, "append_rows", { datasetId: sales.id, rows: "x" }), "rows");
  assertInvalid(await call(ada, "get_dataset", { datasetId: sales.id, extra: 1 }), /extra/);
  await assertUnchanged(before);
});

test("create_dataset refuses one bad row among many with 400 naming it, and writes nothing", async () => {
  const ada = await newUser("Ada");
  await createSales(ada);
  const before = await snapshot();
  const good = () => SALES_ROWS.map((r) => ({ ...r }));
  const cases = [
    [2, { amount: "12.5" }, "rows[2].amount"],
    [3, { units: 1.5 }, "rows[3].units"],
    [1, { active: "yes" }, "rows[1].active"],
    [1, { active: 1 }, "rows[1].active"],
    [4, { day: "2024-02-30" }, "rows[4].day"],
    [4, { day: "01/02/2024" }, "rows[4].day"],
    [4, { day: "2024-01-01T10:00:00+02:00" }, "rows[4].day"],
    [0, { region: null }, "rows[0].region"],
    [6, { region: 7 }, "rows[6].region"],
    [5, { amount: null }, "rows[5].amount"],
    [2, { bogus: 1 }, "rows[2].bogus"],
    [2, { Region: "north" }, "rows[2].Region"],
    [3, { units: 2 ** 53 }, "rows[3].units"],
    [3, { note: "y".repeat(10_001) }, "rows[3].note"],
  ];
  for (const [index, change, field] of cases) {
    const rows = good();
    rows[index] = { ...rows[index], ...change };
    assertInvalid(await call(ada, "create_dataset", { name: "Bad rows", columns: SALES_COLUMNS, rows }), field, JSON.stringify(change));
  }
  const missing = good();
  delete missing[3].region;
  assertInvalid(await call(ada, "create_dataset", { name: "Bad rows", columns: SALES_COLUMNS, rows: missing }), "rows[3].region");
  const notObject = good();
  notObject[2] = ["north", 1];
  assertInvalid(await call(ada, "create_dataset", { name: "Bad rows", columns: SALES_COLUMNS, rows: notObject }), "rows[2]");
  await assertUnchanged(before);
  assert.equal(await count(worker.db, "dataset", "org_id = ? and name = ?", ada.orgId, "Bad rows"), 0);
});

test("append_rows refuses one bad row among many with 400 naming it, and writes nothing", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const before = await snapshot();
  const more = () => SALES_ROWS.map((r) => ({ ...r, n: r.n + 100 }));
  const cases = [
    [2, { amount: "abc" }, "rows[2].amount"],
    [5, { units: "3" }, "rows[5].units"],
    [6, { active: null }, "rows[6].active"],
    [1, { day: "yesterday" }, "rows[1].day"],
    [4, { extra: true }, "rows[4].extra"],
    [0, { n: -(2 ** 53) }, "rows[0].n"],
  ];
  for (const [index, change, field] of cases) {
    const rows = more();
    rows[index] = { ...rows[index], ...change };
    assertInvalid(await call(ada, "append_rows", { datasetId: sales.id, rows }), field, JSON.stringify(change));
  }
  await assertUnchanged(before);
  assert.equal((await ok(ada, "get_dataset", { datasetId: sales.id })).rowCount, 7);
});

// ---------------------------------------------------------------- injection

test("dataset names keep SQL metacharacters, quotes and comments verbatim; NUL and 100 KB names are refused", async () => {
  const ada = await newUser("Ada");
  const hostile = [
    "Robert'); DROP TABLE dataset;--",
    "x\" OR \"1\"=\"1",
    "' OR 1=1 --",
    "/* comment */ name -- trailing",
    "a; select * from \"user\"; --",
    "back\\slash \\' \\\"",
    "%_*?[]",
    "名前 ✓ émoji 🚀",
    "`ticks` $1 ?1 :name @x",
  ];
  const created = [];
  for (const name of hostile) {
    const dataset = await ok(ada, "create_dataset", { name, columns: [{ name: "a", type: "text" }] });
    assert.equal(dataset.name, name);
    const row = await worker.db.prepare(`select name from dataset where id = ?`).bind(dataset.id).first();
    assert.equal(row.name, name);
    assert.equal((await ok(ada, "get_dataset", { datasetId: dataset.id })).dataset.name, name);
    created.push(dataset.id);
  }
  const listed = await ok(ada, "list_datasets", {});
  assert.deepEqual(
    listed.datasets.map((d) => d.name),
    hostile,
  );
  for (const table of ["dataset", "user", "session", "organization", "member"]) assert.ok(await tableExists(table), table);

  const before = await snapshot();
  for (const name of ["a\u0000b", "\u0000", "name\u0000'; drop table dataset; --", "x".repeat(100_000), "';--".repeat(25_000), "a\u0007b"]) {
    assertInvalid(await call(ada, "create_dataset", { name, columns: [{ name: "a", type: "text" }] }), "name", JSON.stringify(name.slice(0, 40)));
  }
  assertInvalid(await call(ada, "create_dataset", { name: "ok", description: "a\u0000b", columns: [{ name: "a", type: "text" }] }), "description");
  await assertUnchanged(before);
});

test("text values keep quotes, SQL, comments, NUL and 10,000 characters verbatim, stored and returned", async () => {
  const ada = await newUser("Ada");
  const values = [
    "'",
    "\"",
    "''; DROP TABLE dataset; --",
    "\"); DROP TABLE \"user\"; --",
    "' OR '1'='1",
    "/* not a comment */",
    "-- not a comment",
    "a;b;c",
    "nul\u0000inside",
    "\u0000",
    "trailing nul\u0000",
    "tab\tnew\nline\r\n",
    "%_\\",
    "🚀 é 名前",
    "  spaced  ",
    "",
    "';--".repeat(2500),
  ];
  const rows = values.map((text, i) => ({ i, text }));
  const dataset = await ok(ada, "create_dataset", {
    name: "Texts",
    columns: [
      { name: "i", type: "integer" },
      { name: "text", type: "text" },
    ],
    rows,
  });
  assert.deepEqual(dataset.sampleRows, rows.slice(0, 5));

  // Stored verbatim in D1, NUL and all.
  const stored = await storedRows(dataset.id);
  assert.deepEqual(
    stored.map((r) => r.text),
    values,
  );
  const lengths = await worker.db.prepare(`select length(cast("text" as blob)) as bytes from "${await tableOf(dataset.id)}" order by "_row"`).all();
  assert.deepEqual(
    lengths.results.map((r) => r.bytes),
    values.map((v) => Buffer.byteLength(v, "utf8")),
  );

  // Returned verbatim.
  const all = await ok(ada, "query_dataset", { datasetId: dataset.id, limit: 1000 });
  assert.deepEqual(all.rows, rows);

  // Each value finds exactly its own row with =, and by contains.
  for (const [i, text] of values.entries()) {
    const eq = await ok(ada, "query_dataset", { datasetId: dataset.id, select: ["i"], filters: [{ column: "text", op: "=", value: text }] });
    assert.deepEqual(
      eq.rows.map((r) => r.i),
      [i],
      JSON.stringify(text.slice(0, 40)),
    );
  }
  const nul = await ok(ada, "query_dataset", { datasetId: dataset.id, select: ["i"], filters: [{ column: "text", op: "=", value: "nul" }] });
  assert.deepEqual(nul.rows, []);
  const hasNul = await ok(ada, "query_dataset", { datasetId: dataset.id, select: ["i"], filters: [{ column: "text", op: "in", value: ["\u0000", "nul\u0000inside"] }] });
  assert.deepEqual(
    hasNul.rows.map((r) => r.i),
    [8, 9],
  );

  // Appended values too.
  await ok(ada, "append_rows", { datasetId: dataset.id, rows: [{ i: 100, text: "x'); DELETE FROM dataset; --\u0000" }] });
  const appended = await ok(ada, "query_dataset", { datasetId: dataset.id, filters: [{ column: "i", op: "=", value: 100 }] });
  assert.deepEqual(appended.rows, [{ i: 100, text: "x'); DELETE FROM dataset; --\u0000" }]);
  assert.equal(await count(worker.db, "dataset", "org_id = ?", ada.orgId), 1);
  assert.equal((await ok(ada, "get_dataset", { datasetId: dataset.id })).rowCount, values.length + 1);
});

test("filter values are only ever compared: ' OR 1=1 -- matches nothing and every table survives", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const table = await tableOf(sales.id);
  const before = await snapshot();
  const attacks = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "\" OR \"\"=\"",
    "north' --",
    "north'; --",
    "'; DROP TABLE dataset; --",
    `'; DROP TABLE "${table}"; --`,
    "north\u0000' OR 1=1 --",
    ") OR (1=1",
    "*/ OR 1=1 /*",
  ];
  for (const value of attacks) {
    for (const filter of [
      { column: "region", op: "=", value },
      { column: "region", op: "<", value: `a${value}` },
      { column: "note", op: "contains", value },
      { column: "region", op: "in", value: [value, `${value}'`] },
      { column: "day", op: "=", value: "2024-01-01' OR 1=1 --" },
    ]) {
      const response = await call(ada, "query_dataset", { datasetId: sales.id, select: ["n"], filters: [filter] });
      if (filter.column === "day") {
        assertInvalid(response, "filters[0].value");
        continue;
      }
      assert.equal(response.status, 200, JSON.stringify(response.body));
      // (`a' OR ...` sorts before every region: `<` is a comparison, nothing more.)
      assert.deepEqual(response.body.rows, [], JSON.stringify(filter));
    }
  }
  // != with an attack compares too: every row with a region.
  assert.deepEqual(await ns(ada, sales.id, { filters: [{ column: "region", op: "!=", value: "' OR 1=1 --" }] }), [1, 2, 3, 4, 5, 6, 7]);
  await assertUnchanged(before);
  assert.ok(await tableExists(table));
  assert.ok(await tableExists("dataset"));
  assert.equal((await ok(ada, "get_dataset", { datasetId: sales.id })).rowCount, 7);
});

// ---------------------------------------------------------------- 10,000 rows

test("a 10,000-row append in one call is atomic and exact; one bad row at 9,999 writes nothing", async () => {
  const ada = await newUser("Ada");
  const dataset = await ok(ada, "create_dataset", {
    name: "Big",
    columns: [
      { name: "region", type: "text" },
      { name: "amount", type: "real" },
      { name: "units", type: "integer" },
    ],
  });
  const rows = Array.from({ length: 10_000 }, (_, i) => ({ region: `r${i % 7}`, amount: (i % 13) + 0.5, units: i }));
  const appended = await ok(ada, "append_rows", { datasetId: dataset.id, rows });
  assert.deepEqual(appended, { datasetId: dataset.id, appended: 10_000 });
  const detail = await ok(ada, "get_dataset", { datasetId: dataset.id });
  assert.equal(detail.rowCount, 10_000);
  assert.deepEqual(detail.dataset.sampleRows, rows.slice(0, 5));
  const table = await tableOf(dataset.id);
  assert.equal(await count(worker.db, table), 10_000);
  // Every row once, in order.
  const check = await worker.db.prepare(`select min(units) as lo, max(units) as hi, count(distinct units) as n, sum(units) as s from "${table}"`).first();
  assert.deepEqual(check, { lo: 0, hi: 9999, n: 10_000, s: (9999 * 10_000) / 2 });

  // The grouped query's exact sums.
  const expected = new Map();
  for (const row of rows) {
    const g = expected.get(row.region) ?? { region: row.region, count: 0, sum_amount: 0, sum_units: 0, min_units: Infinity, max_units: -Infinity };
    g.count += 1;
    g.sum_amount += row.amount;
    g.sum_units += row.units;
    g.min_units = Math.min(g.min_units, row.units);
    g.max_units = Math.max(g.max_units, row.units);
    expected.set(row.region, g);
  }
  const groups = [...expected.values()].sort((a, b) => a.region.localeCompare(b.region)).map((g) => ({ ...g, avg_units: g.sum_units / g.count }));
  const grouped = await ok(ada, "query_dataset", {
    datasetId: dataset.id,
    groupBy: ["region"],
    aggregates: [
      { function: "count" },
      { function: "sum", column: "amount" },
      { function: "sum", column: "units" },
      { function: "min", column: "units" },
      { function: "max", column: "units" },
      { function: "avg", column: "units" },
    ],
    orderBy: [{ column: "region" }],
  });
  assert.deepEqual(grouped.rows, groups);
  assert.equal(
    grouped.rows.reduce((n, g) => n + g.count, 0),
    10_000,
  );
  // Spot values, worked by hand: r0 holds i = 0, 7, ..., 9996 (1,429 rows).
  assert.equal(grouped.rows[0].count, 1429);
  assert.equal(grouped.rows[0].sum_units, (7 * 1428 * 1429) / 2);
  const total = await ok(ada, "query_dataset", { datasetId: dataset.id, aggregates: [{ function: "count" }, { function: "sum", column: "amount" }] });
  assert.deepEqual(total.rows, [{ count: 10_000, sum_amount: rows.reduce((s, r) => s + r.amount, 0) }]);

  // Queries answer up to 1000 rows; 100 without a limit.
  assert.equal((await ok(ada, "query_dataset", { datasetId: dataset.id, limit: 1000 })).rows.length, 1000);
  assert.equal((await ok(ada, "query_dataset", { datasetId: dataset.id })).rows.length, 100);
  assertInvalid(await call(ada, "query_dataset", { datasetId: dataset.id, limit: 1001 }), "limit");

  // 10,000 more rows whose last is bad: nothing is written.
  const before = await snapshot();
  const bad = rows.map((r) => ({ ...r, units: r.units + 10_000 }));
  bad[9999] = { ...bad[9999], amount: "not a number" };
  assertInvalid(await call(ada, "append_rows", { datasetId: dataset.id, rows: bad }), "rows[9999].amount");
  const badUnknown = rows.map((r) => ({ ...r }));
  badUnknown[9998] = { ...badUnknown[9998], extra: 1 };
  assertInvalid(await call(ada, "append_rows", { datasetId: dataset.id, rows: badUnknown }), "rows[9998].extra");
  await assertUnchanged(before);
  assert.equal((await ok(ada, "get_dataset", { datasetId: dataset.id })).rowCount, 10_000);
  assert.equal(await count(worker.db, table), 10_000);
});

// ---------------------------------------------------------------- delete

test("delete_dataset removes the record and drops its table", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const keep = await createSales(ada, { name: "Keep" });
  const table = await tableOf(sales.id);
  const keepTable = await tableOf(keep.id);
  assert.ok(await tableExists(table));

  const response = await call(ada, "delete_dataset", { datasetId: sales.id });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(response.body, { deleted: true, datasetId: sales.id });
  assert.equal(await count(worker.db, "dataset", "id = ?", sales.id), 0);
  assert.equal(await tableExists(table), false);
  assert.equal(await count(worker.db, "sqlite_master", "tbl_name = ?", table), 0);

  // The other dataset is untouched.
  assert.ok(await tableExists(keepTable));
  assert.equal((await ok(ada, "get_dataset", { datasetId: keep.id })).rowCount, 7);
  assert.deepEqual(
    (await ok(ada, "list_datasets", {})).datasets.map((d) => d.id),
    [keep.id],
  );

  // Gone: every tool answers 404, and a second delete changes nothing.
  const before = await snapshot();
  for (const [name, extra] of [
    ["get_dataset", {}],
    ["query_dataset", {}],
    ["append_rows", { rows: [SALES_ROWS[0]] }],
    ["delete_dataset", {}],
  ]) {
    assertError(await call(ada, name, { datasetId: sales.id, ...extra }), 404, "NOT_FOUND");
  }
  await assertUnchanged(before);
});

test("delete_dataset answers 409 CONFLICT naming the widget that uses it, and deletes nothing", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const table = await tableOf(sales.id);
  const dashboard = await ok(ada, "create_dashboard", { name: "Board" });
  const widget = await ok(ada, "add_widget", {
    dashboardId: dashboard.id,
    datasetId: sales.id,
    title: "Total revenue",
    type: "metric",
    config: { column: "amount", aggregate: "sum" },
  });
  assert.equal(widget.datasetId, sales.id);

  const before = await snapshot();
  const refused = await call(ada, "delete_dataset", { datasetId: sales.id });
  assertError(refused, 409, "CONFLICT");
  assert.match(refused.body.message, /widget/);
  assert.ok(refused.body.message.includes("Total revenue"), refused.body.message);
  assert.ok(refused.body.message.includes(widget.id), refused.body.message);
  await assertUnchanged(before);
  assert.ok(await tableExists(table));
  assert.equal((await ok(ada, "get_dataset", { datasetId: sales.id })).rowCount, 7);
  // The widget still renders.
  const rendered = await call(ada, "render_widget", { widgetId: widget.id });
  assert.equal(rendered.status, 200, JSON.stringify(rendered.body));

  // Once the widget is removed, the dataset may go.
  await ok(ada, "remove_widget", { widgetId: widget.id });
  assert.deepEqual(await ok(ada, "delete_dataset", { datasetId: sales.id }), { deleted: true, datasetId: sales.id });
  assert.equal(await tableExists(table), false);
  assert.equal(await count(worker.db, "dataset", "id = ?", sales.id), 0);
});

// ---------------------------------------------------------------- roles

test("a plain member reads datasets but create_dataset, append_rows and delete_dataset answer 403 FORBIDDEN", async () => {
  const ada = await newUser("Ada");
  const sales = await createSales(ada);
  const bob = await joinAs(ada, "member");

  const listed = await ok(bob, "list_datasets", {});
  assert.deepEqual(
    listed.datasets.map((d) => d.id),
    [sales.id],
  );
  const detail = await ok(bob, "get_dataset", { datasetId: sales.id });
  assert.equal(detail.rowCount, 7);
  assert.deepEqual(detail.dataset, sales);
  assert.deepEqual(await ns(bob, sales.id, { filters: [{ column: "region", op: "=", value: "north" }] }), [1, 3, 6]);
  const grouped = await ok(bob, "query_dataset", { datasetId: sales.id, aggregates: [{ function: "count" }] });
  assert.deepEqual(grouped.rows, [{ count: 7 }]);

  const before = await snapshot();
  assertError(await call(bob, "create_dataset", { name: "Mine", columns: [{ name: "a", type: "text" }], rows: [{ a: "x" }] }), 403, "FORBIDDEN");
  assertError(await call(bob, "append_rows", { datasetId: sales.id, rows: [{ ...SALES_ROWS[0], n: 99 }] }), 403, "FORBIDDEN");
  assertError(await call(bob, "delete_dataset", { datasetId: sales.id }), 403, "FORBIDDEN");
  // Forbidden even with bad arguments or a bad row: the role is checked first.
  assertError(await call(bob, "create_dataset", { name: "Mine", columns: [{ name: "select", type: "text" }] }), 403, "FORBIDDEN");
  assertError(await call(bob, "append_rows", { datasetId: sales.id, rows: [{ bogus: 1 }] }), 403, "FORBIDDEN");
  await assertUnchanged(before);
  assert.equal((await ok(ada, "get_dataset", { datasetId: sales.id })).rowCount, 7);
});

test("an admin may create, append to and delete datasets", async () => {
  const ada = await newUser("Ada");
  const carl = await joinAs(ada, "admin", "Carl");
  const made = await ok(carl, "create_dataset", { name: "Admin's", columns: [{ name: "a", type: "text" }], rows: [{ a: "x" }] });
  assert.equal(made.orgId, ada.orgId);
  assert.equal(made.createdById, carl.id);
  assert.deepEqual(await ok(carl, "append_rows", { datasetId: made.id, rows: [{ a: "y" }] }), { datasetId: made.id, appended: 1 });
  assert.equal((await ok(ada, "get_dataset", { datasetId: made.id })).rowCount, 2);
  const sales = await createSales(ada);
  assert.deepEqual(await ok(carl, "delete_dataset", { datasetId: sales.id }), { deleted: true, datasetId: sales.id });
  assert.equal(await count(worker.db, "dataset", "id = ?", sales.id), 0);
});

// ---------------------------------------------------------------- isolation

test("another organization's dataset answers 404 exactly like a random id, and nothing changes", async () => {
  const ada = await newUser("Ada");
  const eve = await newUser("Eve");
  const sales = await createSales(ada);
  const table = await tableOf(sales.id);
  const evesOwn = await ok(eve, "create_dataset", { name: "Eve's", columns: [{ name: "a", type: "text" }], rows: [{ a: "e" }] });

  const before = await snapshot();
  const calls = [
    ["get_dataset", {}],
    ["append_rows", { rows: [{ ...SALES_ROWS[0], n: 99 }] }],
    ["query_dataset", {}],
    ["query_dataset", { groupBy: ["region"], aggregates: [{ function: "sum", column: "amount" }] }],
    ["query_dataset", { filters: [{ column: "region", op: "=", value: "' OR 1=1 --" }] }],
    ["delete_dataset", {}],
  ];
  for (const [name, extra] of calls) {
    const foreign = await call(eve, name, { datasetId: sales.id, ...extra });
    assertError(foreign, 404, "NOT_FOUND");
    const random = await call(eve, name, { datasetId: `ds_${randomUUID().replaceAll("-", "")}`, ...extra });
    assertError(random, 404, "NOT_FOUND");
    assert.deepEqual(foreign.body, random.body, name);
    assert.equal(foreign.headers.get("content-type"), random.headers.get("content-type"));
    // Not even a table name or another string is answered instead.
    const other = await call(eve, name, { datasetId: table, ...extra });
    assert.deepEqual([other.status, other.body], [random.status, random.body], name);
  }
  // Eve's list shows only her own.
  const listed = await ok(eve, "list_datasets", {});
  assert.deepEqual(
    listed.datasets.map((d) => d.id),
    [evesOwn.id],
  );
  assert.ok(!JSON.stringify(listed).includes(sales.id));
  assert.ok(!JSON.stringify(listed).includes("north"));
  // A widget of Eve's cannot use Ada's dataset either.
  const board = await ok(eve, "create_dashboard", { name: "Eve's board" });
  const widgetBefore = await snapshot();
  const widget = await call(eve, "add_widget", {
    dashboardId: board.id,
    datasetId: sales.id,
    title: "Peek",
    type: "metric",
    config: { column: "amount", aggregate: "sum" },
  });
  assertError(widget, 404, "NOT_FOUND");
  await assertUnchanged(widgetBefore);
  await ok(eve, "delete_dashboard", { dashboardId: board.id });
  await assertUnchanged(before);

  // Ada still has everything, and sees none of Eve's.
  assert.equal((await ok(ada, "get_dataset", { datasetId: sales.id })).rowCount, 7);
  assert.deepEqual(
    (await ok(ada, "list_datasets", {})).datasets.map((d) => d.id),
    [sales.id],
  );
  assertError(await call(ada, "get_dataset", { datasetId: evesOwn.id }), 404, "NOT_FOUND");
});

test("a member of two organizations sees the datasets of the active one only", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const adas = await createSales(ada);
  const bobs = await ok(bob, "create_dataset", { name: "Bob's", columns: [{ name: "a", type: "text" }] });
  await addMember(ada.orgId, bob, "member");

  // Still active in his own organization: Ada's dataset is not there.
  assert.deepEqual(
    (await ok(bob, "list_datasets", {})).datasets.map((d) => d.id),
    [bobs.id],
  );
  assertError(await call(bob, "get_dataset", { datasetId: adas.id }), 404, "NOT_FOUND");

  const switched = await bob.client.post(`${ORG}/set-active`, { organizationId: ada.orgId });
  assert.equal(switched.status, 200);
  assert.deepEqual(
    (await ok(bob, "list_datasets", {})).datasets.map((d) => d.id),
    [adas.id],
  );
  assertError(await call(bob, "get_dataset", { datasetId: bobs.id }), 404, "NOT_FOUND");
  // In Ada's organization he is a plain member, though he owns his own.
  assertError(await call(bob, "delete_dataset", { datasetId: adas.id }), 403, "FORBIDDEN");
  assertError(await call(bob, "delete_dataset", { datasetId: bobs.id }), 403, "FORBIDDEN");
  assert.equal(await count(worker.db, "dataset", "id in (?, ?)", adas.id, bobs.id), 2);
});
