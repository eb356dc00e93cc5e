// The migrations, applied to a fresh D1 database, create exactly the schema
// orgscope and Better Auth rely on. Read back through PRAGMA.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker.dispose());

async function columns(table) {
  const { results } = await worker.db.prepare(`select * from pragma_table_info(?)`).bind(table).all();
  return Object.fromEntries(results.map((c) => [c.name, { type: c.type, notnull: c.notnull, pk: c.pk }]));
}

async function foreignKeys(table) {
  const { results } = await worker.db
    .prepare(`select "from", "table", "to", on_delete from pragma_foreign_key_list(?)`)
    .bind(table)
    .all();
  return results.map((k) => `${k.from} -> ${k.table}.${k.to} ${k.on_delete}`).sort();
}

async function indexes() {
  const { results } = await worker.db
    .prepare(`select name, tbl_name from sqlite_master where type = 'index' and name not like 'sqlite_%'`)
    .all();
  return Object.fromEntries(results.map((r) => [r.name, r.tbl_name]));
}

const betterAuthTables = {
  user: ["id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"],
  session: ["id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId", "activeOrganizationId"],
  account: ["id", "accountId", "providerId", "userId", "accessToken", "refreshToken", "idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "scope", "password", "createdAt", "updatedAt"],
  verification: ["id", "identifier", "value", "expiresAt", "createdAt", "updatedAt"],
  organization: ["id", "name", "slug", "logo", "createdAt", "metadata"],
  member: ["id", "organizationId", "userId", "role", "createdAt"],
  invitation: ["id", "organizationId", "email", "role", "status", "expiresAt", "createdAt", "inviterId"],
};

const domainTables = {
  dataset: ["id", "org_id", "name", "description", "table_name", "schema", "sample_data", "created_by_id", "created_at", "updated_at"],
  dashboard: ["id", "org_id", "name", "description", "created_by_id", "created_at", "updated_at"],
  widget: ["id", "dashboard_id", "org_id", "dataset_id", "title", "type", "config", "position", "created_by_id", "created_at", "updated_at"],
  automation: ["id", "org_id", "name", "description", "type", "config", "enabled", "created_by_id", "created_at", "updated_at"],
  automation_run: ["id", "automation_id", "org_id", "status", "result", "error", "executed_at", "scheduled_for"],
};

test("Better Auth's tables have its exact columns", async () => {
  for (const [table, expected] of Object.entries(betterAuthTables)) {
    assert.deepEqual(Object.keys(await columns(table)), expected, table);
  }
  const user = await columns("user");
  assert.equal(user.createdAt.type, "date");
  assert.equal(user.emailVerified.notnull, 1);
  assert.equal(user.image.notnull, 0);
  assert.equal(user.id.pk, 1);
});

test("orgscope's tables have their columns, with integer timestamps", async () => {
  for (const [table, expected] of Object.entries(domainTables)) {
    const found = await columns(table);
    assert.deepEqual(Object.keys(found), expected, table);
    for (const [name, column] of Object.entries(found)) {
      if (/_at$/.test(name)) assert.equal(column.type, "INTEGER", `${table}.${name}`);
    }
  }
  const dataset = await columns("dataset");
  assert.equal(dataset.org_id.notnull, 1);
  assert.equal(dataset.table_name.notnull, 1);
});

test("foreign keys cascade where they should", async () => {
  assert.deepEqual(await foreignKeys("session"), ["userId -> user.id CASCADE"]);
  assert.deepEqual(await foreignKeys("member"), [
    "organizationId -> organization.id CASCADE",
    "userId -> user.id CASCADE",
  ]);
  assert.deepEqual(await foreignKeys("widget"), [
    "created_by_id -> user.id SET NULL",
    "dashboard_id -> dashboard.id CASCADE",
    "dataset_id -> dataset.id NO ACTION",
  ]);
  assert.deepEqual(await foreignKeys("automation_run"), ["automation_id -> automation.id CASCADE"]);
});

test("every named index exists on its table", async () => {
  const found = await indexes();
  const expected = {
    session_userId_idx: "session",
    account_userId_idx: "account",
    verification_identifier_idx: "verification",
    member_organizationId_idx: "member",
    member_userId_idx: "member",
    invitation_organizationId_idx: "invitation",
    invitation_email_idx: "invitation",
    dataset_org_id_idx: "dataset",
    dashboard_org_id_idx: "dashboard",
    widget_dashboard_id_idx: "widget",
    widget_org_id_idx: "widget",
    automation_org_id_idx: "automation",
  };
  for (const [name, table] of Object.entries(expected)) assert.equal(found[name], table, name);
});

test("a widget for a missing dashboard is refused", async () => {
  const insert = worker.db
    .prepare(
      `insert into widget (id, dashboard_id, org_id, title, type, config, position, created_at, updated_at)
       values ('w1', 'no-such-dashboard', 'org', 't', 'metric', '{}', 0, 0, 0)`,
    )
    .run();
  await assert.rejects(insert, /FOREIGN KEY constraint failed/);
});

test("JSON columns refuse text that is not JSON", async () => {
  const insert = worker.db
    .prepare(
      `insert into dashboard (id, org_id, name, created_at, updated_at) values ('d1', 'org', 'n', 0, 0)`,
    )
    .run()
    .then(() =>
      worker.db
        .prepare(
          `insert into widget (id, dashboard_id, org_id, title, type, config, position, created_at, updated_at)
           values ('w2', 'd1', 'org', 't', 'metric', '{not json', 0, 0, 0)`,
        )
        .run(),
    );
  await assert.rejects(insert, /CHECK constraint failed/);
});
