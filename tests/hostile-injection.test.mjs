// Hostile strings in every string argument: SQL metacharacters, quotes,
// comments, `;`, placeholders, NUL and other control characters, and very
// long strings, sent in every string field of every tool and auth endpoint
// (names, emails, passwords, slugs, titles, descriptions, column names,
// aliases, filter values, schedules, ids). Each is either stored and
// answered verbatim, or refused with 400 naming the field (404 or Better
// Auth's not-found code for an id) and nothing written. Never executed: the
// schema, and a bystander organization's records, are intact throughout.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import {
  assertError,
  assertInvalid,
  assertUnchanged,
  mcpCall,
  newUser,
  ok,
  randomId,
  raw,
  snapshot,
  tool,
  uniqueEmail,
  world,
} from "./support/hostile.mjs";
import { Client } from "./support/client.mjs";

const ORG = "/api/auth/organization";

/** SQL metacharacters, quotes, comments, placeholders and look-alikes of SQL values. */
const SQL = [
  "'",
  "''",
  '"',
  "`",
  "\\",
  ";",
  "' OR '1'='1",
  '" OR ""="',
  "' OR 1=1 --",
  '1; DROP TABLE "user"; --',
  "Robert'); DROP TABLE dataset;--",
  "'; DELETE FROM member WHERE '1'='1",
  "x' UNION SELECT token, 1, 2 FROM session --",
  "'); UPDATE member SET role = 'owner' --",
  "/* comment */ x",
  "x -- comment",
  "*/ OR 1=1 /*",
  "%",
  "_",
  "%' AND '%'='",
  "?",
  "?1",
  "$1",
  ":name",
  "@p",
  "NULL",
  "null",
  "\\x00",
  "0x00",
  "😀 ünïcödé \u202e",
  "<script>alert(1)</script>",
  "json_extract(config, '$.datasetId')",
];
/** NUL and other control characters, alone and inside SQL. */
const CONTROL = ["a\u0000b", "\u0000", "x\u0000'; DROP TABLE \"user\"; --", "a\u001bb", "bell\u0007", "line\nbreak", "tab\tstop", "del\u007f"];
const ALL = [...SQL, ...CONTROL];

let worker;
let bystander;
let bystanderWorld;
let bystanderBefore;
let schemaBefore;

/** Every row that belongs to the bystander's organization, and its dataset table. */
async function bystanderState() {
  const db = worker.db;
  const org = bystander.orgId;
  const state = {};
  state.organization = await db.prepare(`select * from organization where id = ?`).bind(org).first();
  state.member = (await db.prepare(`select * from member where "organizationId" = ? order by id`).bind(org).all()).results;
  state.user = await db.prepare(`select * from "user" where id = ?`).bind(bystander.id).first();
  state.account = (await db.prepare(`select * from account where "userId" = ?`).bind(bystander.id).all()).results;
  state.session = (await db.prepare(`select * from session where "userId" = ? order by id`).bind(bystander.id).all()).results;
  for (const table of ["dataset", "dashboard", "widget", "automation", "automation_run"]) {
    state[table] = (await db.prepare(`select * from "${table}" where org_id = ? order by id`).bind(org).all()).results;
  }
  const tableName = state.dataset[0].table_name;
  state.rows = (await db.prepare(`select * from "${tableName}" order by "_row"`).all()).results;
  return state;
}

/** The schema without the dataset tables the tests make. */
async function coreSchema() {
  const { results } = await worker.db
    .prepare(`select type, name, tbl_name, sql from sqlite_master where name not like 'ds\\_%' escape '\\' order by type, name`)
    .all();
  return results;
}

before(async () => {
  worker = await startWorker();
  bystander = await newUser(worker, "Bystander");
  bystanderWorld = await world(bystander, "Bystander");
  bystanderBefore = await bystanderState();
  schemaBefore = await coreSchema();
});

after(async () => {
  await worker?.dispose();
});

/** After every test: the schema and the bystander's organization are untouched. */
async function assertIntact(what) {
  assert.deepEqual(await coreSchema(), schemaBefore, `${what}: the schema changed`);
  assert.deepEqual(await bystanderState(), bystanderBefore, `${what}: the bystander's records changed`);
  const me = await raw(worker, "/api/whoami", { headers: { authorization: `Bearer ${bystander.token}` } });
  assert.equal(me.status, 200);
}

function label(value) {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value);
}

function hasControl(text, allowed = "") {
  return [...text].some((c) => /\p{Cc}/u.test(c) && !allowed.includes(c));
}

/** Whether a name field (trimmed, 1..max characters, no control characters) must refuse `value`. */
function nameRefuses(value, max) {
  const trimmed = value.trim();
  return trimmed === "" || [...trimmed].length > max || hasControl(trimmed);
}

/** Whether a description field (at most 2000 characters, no control but \n \t \r) must refuse `value`. */
function descriptionRefuses(value) {
  return [...value].length > 2000 || hasControl(value, "\n\t\r");
}

/**
 * Sends `value` through `send` and expects it refused (400 naming `field`,
 * D1 unchanged) when `refuses`, else stored: `readBack(response)` must
 * answer exactly `expected` (the value, unless it is trimmed or lowered).
 */
async function storedOrRefused({ send, field, value, refuses, readBack, expected = value, what }) {
  const before = refuses ? await snapshot(worker.db) : null;
  const response = await send(value);
  const detail = `${what} ${label(value)}`;
  assert.notEqual(response.status, 500, `${detail}: ${JSON.stringify(response.body)}`);
  if (refuses) {
    assertInvalid(response, field, detail);
    await assertUnchanged(worker.db, before, detail);
    return null;
  }
  assert.equal(response.status, 200, `${detail} was refused: ${JSON.stringify(response.body)?.slice(0, 300)}`);
  assert.deepEqual(await readBack(response), expected, `${detail} not stored verbatim`);
  return response;
}

async function rowOf(table, id) {
  return worker.db.prepare(`select * from "${table}" where id = ?`).bind(id).first();
}

// ---------------------------------------------------------------- auth endpoints

test("sign-up: hostile names are stored verbatim (also in the personal organization's name) or refused naming `name`", async () => {
  for (const value of [...ALL, "n".repeat(256), "n".repeat(257), "x".repeat(60_000)]) {
    await storedOrRefused({
      what: "sign-up name",
      field: "name",
      value,
      refuses: nameRefuses(value, 256),
      send: (name) => new Client(worker).post("/api/auth/sign-up/email", { name, email: uniqueEmail("inj"), password: "long enough" }),
      readBack: async (response) => {
        const user = await rowOf("user", response.body.user.id);
        const org = await worker.db
          .prepare(`select o.name, o.slug from member m join organization o on o.id = m."organizationId" where m."userId" = ?`)
          .bind(user.id)
          .first();
        assert.match(org.slug, /^[a-z0-9-]+$/, "the slug is made safe");
        assert.equal(org.name, `${user.name}'s organization`);
        assert.equal(response.body.user.name, user.name);
        return user.name;
      },
      expected: value.trim(),
    });
  }
  await assertIntact("sign-up names");
});

test("sign-up and sign-in: hostile emails are stored verbatim (lowercased) and sign in, or refused naming `email`", async () => {
  let n = 0;
  const locals = ["o'brien", '"quoted"', "a'--", "x'or'1'='1", "a';drop-table-user;--", "a%_", "a\\b", "a/*c*/", "a`b`", "a?1", "a$1"];
  const refused = ["' OR 1=1 --", "a\u0000b", "a b", "a\tb", "x".repeat(300)];
  for (const local of [...locals, ...refused]) {
    n += 1;
    const email = `${local}-${n}-${Date.now().toString(36)}@example.com`;
    const response = await storedOrRefused({
      what: "sign-up email",
      field: "email",
      value: email,
      refuses: refused.includes(local),
      send: (value) => new Client(worker).post("/api/auth/sign-up/email", { name: "Inj", email: value, password: "long enough" }),
      readBack: async (r) => (await rowOf("user", r.body.user.id)).email,
      expected: email.toLowerCase(),
    });
    if (!response) continue;
    const signIn = await new Client(worker).post("/api/auth/sign-in/email", { email, password: "long enough" });
    assert.equal(signIn.status, 200, `sign-in as ${email}`);
    assert.equal(signIn.body.user.email, email.toLowerCase());
    // The same email with SQL appended is not the same account.
    const before = await snapshot(worker.db);
    const tricked = await new Client(worker).post("/api/auth/sign-in/email", { email: `${email}' --`, password: "long enough" });
    assert.ok([400, 401].includes(tricked.status), `${email}' -- -> ${tricked.status}`);
    assertError(tricked, tricked.status);
    await assertUnchanged(worker.db, before, "sign-in with an email plus SQL");
  }
  await assertIntact("emails");
});

test("sign-in: SQL in the email or password never signs anyone in, and writes nothing", async () => {
  const victim = await newUser(worker, "Victim");
  const before = await snapshot(worker.db);
  const emails = [
    `${victim.email}' --`,
    `${victim.email}' OR '1'='1`,
    `' OR 1=1 --@example.com`,
    `${victim.email}\u0000`,
    `%@example.com`,
    `_${victim.email.slice(1)}`,
    "x".repeat(60_000),
  ];
  for (const email of emails) {
    const response = await new Client(worker).post("/api/auth/sign-in/email", { email, password: victim.password });
    assert.ok([400, 401].includes(response.status), `${label(email)} -> ${response.status} ${JSON.stringify(response.body)}`);
    assertError(response, response.status, response.status === 400 ? "INVALID_EMAIL" : "INVALID_EMAIL_OR_PASSWORD");
    if (response.status === 400) assert.match(response.body.message, /^email: /);
  }
  // (A password followed by NUL bytes is not listed: scrypt keys its PBKDF2 with
  // HMAC, which pads short keys with zero bytes, so "p" and "p\0" hash alike,
  // in orgscope as in Better Auth and node:crypto. NUL inside is different.)
  for (const password of ["' OR '1'='1", "' OR 1=1 --", `${victim.password}' --`, `${victim.password}\u0000x`, `\u0000${victim.password}`, "%", "x".repeat(128)]) {
    const response = await new Client(worker).post("/api/auth/sign-in/email", { email: victim.email, password });
    assertError(response, 401, "INVALID_EMAIL_OR_PASSWORD", undefined, label(password));
  }
  await assertUnchanged(worker.db, before, "hostile sign-ins");
  await assertIntact("sign-in");
});

test("sign-up: hostile passwords are hashed, not stored, and only the exact password signs in", async () => {
  for (const base of [...SQL, "a\u0000b", "line\nbreak", "ünïcödé"]) {
    const password = `${base}${"!".repeat(Math.max(0, 8 - base.length))}`;
    const email = uniqueEmail("pw");
    const signed = await new Client(worker).post("/api/auth/sign-up/email", { name: "Pw", email, password });
    assert.equal(signed.status, 200, `${label(password)}: ${JSON.stringify(signed.body)}`);
    const account = await worker.db.prepare(`select password from account where "userId" = ?`).bind(signed.body.user.id).first();
    assert.match(account.password, /^[0-9a-f]{32}:[0-9a-f]{128}$/, "a hash, never the text");
    assert.equal((await new Client(worker).post("/api/auth/sign-in/email", { email, password })).status, 200, label(password));
    const wrong = await new Client(worker).post("/api/auth/sign-in/email", { email, password: `${password}x` });
    assertError(wrong, 401, "INVALID_EMAIL_OR_PASSWORD");
  }
  const tooLong = await new Client(worker).post("/api/auth/sign-up/email", { name: "Pw", email: uniqueEmail("pw"), password: "';--".repeat(40) });
  assertError(tooLong, 400, "PASSWORD_TOO_LONG", /^password: /);
  await assertIntact("passwords");
});

test("sign-up image and organization logo: stored and answered verbatim, or refused naming the field", async () => {
  const ada = await newUser(worker, "Ada");
  for (const value of [...ALL.map((v) => `https://example.com/${v}`), "javascript:alert('x')", "x".repeat(2049)]) {
    await storedOrRefused({
      what: "sign-up image",
      field: "image",
      value,
      refuses: value.trim().length > 2048,
      send: (image) => new Client(worker).post("/api/auth/sign-up/email", { name: "Img", email: uniqueEmail("img"), password: "long enough", image }),
      readBack: async (r) => (await rowOf("user", r.body.user.id)).image,
      expected: value.trim(),
    });
    let n = 0;
    await storedOrRefused({
      what: "organization logo",
      field: "logo",
      value,
      refuses: value.trim().length > 2048,
      send: (logo) => ada.client.post(`${ORG}/create`, { name: "Logo", slug: `logo-${Date.now().toString(36)}-${(n += 1)}-${Math.random().toString(36).slice(2, 8)}`, logo, keepCurrentActiveOrganization: true }),
      readBack: async (r) => {
        assert.equal(r.body.logo, (await rowOf("organization", r.body.id)).logo);
        return r.body.logo;
      },
      expected: value.trim(),
    });
  }
  await assertIntact("images and logos");
});

test("organization create: hostile names and metadata are verbatim; slugs that are not lowercase words are refused naming `slug`", async () => {
  const ada = await newUser(worker, "Ada");
  let n = 0;
  const slug = () => `inj-${Date.now().toString(36)}-${(n += 1)}`;
  for (const value of [...ALL, "x".repeat(257), "x".repeat(60_000)]) {
    await storedOrRefused({
      what: "organization name",
      field: "name",
      value,
      refuses: nameRefuses(value, 256),
      send: (name) => ada.client.post(`${ORG}/create`, { name, slug: slug(), keepCurrentActiveOrganization: true }),
      readBack: async (r) => {
        const listed = await ada.client.get(`${ORG}/list`);
        assert.equal(listed.body.find((o) => o.id === r.body.id).name, r.body.name);
        return (await rowOf("organization", r.body.id)).name;
      },
      expected: value.trim(),
    });
    const badSlug = `inj-${value}`;
    if (!/^[a-z0-9-]{1,64}$/.test(badSlug.trim())) {
      const before = await snapshot(worker.db);
      assertInvalid(await ada.client.post(`${ORG}/create`, { name: "S", slug: badSlug }), "slug", label(badSlug));
      await assertUnchanged(worker.db, before, `slug ${label(badSlug)}`);
    }
  }
  // Metadata: keys and values of any text are kept as JSON, verbatim.
  const metadata = Object.fromEntries(ALL.map((v, i) => [`${v}#${i}`, { v, list: [v, null, 1] }]));
  const created = await ada.client.post(`${ORG}/create`, { name: "Meta", slug: slug(), metadata, keepCurrentActiveOrganization: true });
  assert.equal(created.status, 200, JSON.stringify(created.body)?.slice(0, 300));
  assert.deepEqual(created.body.metadata, metadata);
  assert.deepEqual(JSON.parse((await rowOf("organization", created.body.id)).metadata), metadata);
  await assertIntact("organization create");
});

test("organization endpoints: hostile ids, slugs, emails, roles and paging never match, never run, and write nothing", async () => {
  const ada = await newUser(worker, "Ada");
  const mia = await newUser(worker, "Mia");
  const invited = await ada.client.post(`${ORG}/invite-member`, { email: mia.email, role: "member" });
  assert.equal(invited.status, 200);
  const before = await snapshot(worker.db);
  const ids = [...ALL, `${ada.orgId}' --`, `${ada.orgId}' OR '1'='1`, `${mia.id}%`, "x".repeat(60_000)];
  for (const id of ids) {
    const what = label(id);
    assertError(await ada.client.post(`${ORG}/set-active`, { organizationId: id }), 400, "ORGANIZATION_NOT_FOUND", undefined, `set-active ${what}`);
    assertError(await ada.client.post(`${ORG}/set-active`, { organizationSlug: id }), 400, "ORGANIZATION_NOT_FOUND", undefined, `set-active slug ${what}`);
    if (id.length < 10_000) {
      const q = encodeURIComponent(id);
      assertError(await ada.client.get(`${ORG}/get-full-organization?organizationId=${q}`), 400, "ORGANIZATION_NOT_FOUND", undefined, `get-full ${what}`);
      assertError(await ada.client.get(`${ORG}/get-full-organization?organizationSlug=${q}`), 400, "ORGANIZATION_NOT_FOUND", undefined, `get-full slug ${what}`);
      if (id !== "") assertError(await ada.client.get(`${ORG}/list-members?organizationId=${q}`), 400, "ORGANIZATION_NOT_FOUND", undefined, `list-members ${what}`);
      assertError(await ada.client.get(`${ORG}/list-members?limit=${q}`), 400, "VALIDATION_ERROR", /^limit: /, `limit ${what}`);
      assertError(await ada.client.get(`${ORG}/list-members?offset=${q}`), 400, "VALIDATION_ERROR", /^offset: /, `offset ${what}`);
    }
    assertError(await ada.client.post(`${ORG}/has-permission`, { organizationId: id, permissions: { member: ["delete"] } }), 400, "ORGANIZATION_NOT_FOUND", undefined, `has-permission ${what}`);
    if (id.length < 10_000) {
      const perm = await ada.client.post(`${ORG}/has-permission`, { permissions: { [id]: [id], member: [id] } });
      assert.deepEqual(perm.body, { error: null, success: false }, `permissions named ${what}`);
    }
    assertError(await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: id }), 400, "MEMBER_NOT_FOUND", undefined, `remove-member ${what}`);
    assertError(await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: `${id}@example.com` }), 400, "MEMBER_NOT_FOUND", undefined, `remove-member email ${what}`);
    assertError(await ada.client.post(`${ORG}/update-member-role`, { memberId: id, role: "admin" }), 400, "MEMBER_NOT_FOUND", undefined, `update-member-role ${what}`);
    assertError(await ada.client.post(`${ORG}/leave`, { organizationId: id }), 400, "MEMBER_NOT_FOUND", undefined, `leave ${what}`);
    for (const action of ["accept-invitation", "reject-invitation", "cancel-invitation"]) {
      assertError(await mia.client.post(`${ORG}/${action}`, { invitationId: id }), 400, "INVITATION_NOT_FOUND", undefined, `${action} ${what}`);
    }
    const role = await ada.client.post(`${ORG}/invite-member`, { email: uniqueEmail("r"), role: id });
    assert.equal(role.status, 400, `role ${what}`);
    assert.ok(["ROLE_NOT_FOUND", "VALIDATION_ERROR"].includes(role.body.code), `role ${what}: ${role.body.code}`);
    assert.match(role.body.message, /^role: /, `role ${what}`);
  }
  await assertUnchanged(worker.db, before, "hostile organization ids");
  await assertIntact("organization endpoints");
});

test("invite-member: hostile emails are stored verbatim (lowercased) or refused with INVALID_EMAIL naming `email`", async () => {
  const ada = await newUser(worker, "Ada");
  let n = 0;
  for (const local of ["o'brien", '"q"', "a'--", "x'or'1'='1", "a;drop", "a%_", "a\\b", "' OR 1=1 --", "a\u0000b"]) {
    n += 1;
    const email = `${local}-${n}@Example.com`;
    const valid = !/[\s\p{Cc}]/u.test(email);
    const before = await snapshot(worker.db);
    const response = await ada.client.post(`${ORG}/invite-member`, { email, role: "member" });
    if (!valid) {
      assertError(response, 400, "INVALID_EMAIL", /^email: /, label(email));
      await assertUnchanged(worker.db, before, `invite ${label(email)}`);
      continue;
    }
    assert.equal(response.status, 200, `${label(email)}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.email, email.toLowerCase());
    assert.equal((await rowOf("invitation", response.body.id)).email, email.toLowerCase());
  }
  await assertIntact("invitations");
});

// ---------------------------------------------------------------- tools: names, titles, descriptions

test("tools: hostile names, titles and descriptions are stored and answered verbatim, or refused naming the field", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const values = [...ALL, "n".repeat(200), "n".repeat(201), "d".repeat(2001), "x".repeat(100_000)];
  const columns = [{ name: "a", type: "text" }];
  for (const value of values) {
    // Names and titles.
    const names = [
      ["create_dataset name", "name", (v) => tool(ada, "create_dataset", { name: v, columns }), async (r) => (await rowOf("dataset", r.body.id)).name],
      ["create_dashboard name", "name", (v) => tool(ada, "create_dashboard", { name: v }), async (r) => (await rowOf("dashboard", r.body.id)).name],
      ["update_dashboard name", "name", (v) => tool(ada, "update_dashboard", { dashboardId: adas.dash.id, name: v }), async () => (await rowOf("dashboard", adas.dash.id)).name],
      ["add_widget title", "title", (v) => tool(ada, "add_widget", { dashboardId: adas.dash.id, datasetId: adas.ds.id, title: v, type: "metric", config: { column: "amount", aggregate: "sum" } }), async (r) => (await rowOf("widget", r.body.id)).title],
      ["update_widget title", "title", (v) => tool(ada, "update_widget", { widgetId: adas.wdg.id, title: v }), async () => (await rowOf("widget", adas.wdg.id)).title],
      ["create_automation name", "name", (v) => tool(ada, "create_automation", { name: v, type: "scheduled_report", config: { dashboardId: adas.dash.id, schedule: "daily" } }), async (r) => (await rowOf("automation", r.body.id)).name],
      ["update_automation name", "name", (v) => tool(ada, "update_automation", { automationId: adas.auto.id, name: v }), async () => (await rowOf("automation", adas.auto.id)).name],
    ];
    for (const [what, field, send, readBack] of names) {
      await storedOrRefused({ what, field, value, refuses: nameRefuses(value, 200), send, readBack, expected: value.trim() });
    }
    // Descriptions.
    const descriptions = [
      ["create_dataset description", (v) => tool(ada, "create_dataset", { name: "D", description: v, columns }), async (r) => (await rowOf("dataset", r.body.id)).description],
      ["create_dashboard description", (v) => tool(ada, "create_dashboard", { name: "D", description: v }), async (r) => (await rowOf("dashboard", r.body.id)).description],
      ["update_dashboard description", (v) => tool(ada, "update_dashboard", { dashboardId: adas.dash.id, description: v }), async () => (await rowOf("dashboard", adas.dash.id)).description],
      ["create_automation description", (v) => tool(ada, "create_automation", { name: "D", description: v, type: "scheduled_report", config: { dashboardId: adas.dash.id, schedule: "daily" } }), async (r) => (await rowOf("automation", r.body.id)).description],
      ["update_automation description", (v) => tool(ada, "update_automation", { automationId: adas.auto.id, description: v }), async () => (await rowOf("automation", adas.auto.id)).description],
    ];
    for (const [what, send, readBack] of descriptions) {
      await storedOrRefused({ what, field: "description", value, refuses: descriptionRefuses(value), send, readBack });
    }
  }
  // Read back through the tools too.
  const listed = await ok(ada, "list_dashboards");
  for (const d of listed.dashboards) assert.equal(d.name, (await rowOf("dashboard", d.id)).name);
  await assertIntact("names and descriptions");
});

test("tools over MCP: hostile names are stored verbatim or refused as an isError result naming the field", async () => {
  const ada = await newUser(worker, "Ada");
  for (const value of ALL) {
    const before = await snapshot(worker.db);
    const response = await mcpCall(worker, ada.token, "create_dashboard", { name: value, description: value });
    assert.equal(response.status, 200);
    const result = response.body.result;
    if (nameRefuses(value, 200)) {
      assert.equal(result.isError, true, label(value));
      assert.equal(result.structuredContent.code, "VALIDATION_ERROR");
      assert.match(result.structuredContent.message, /^(name|description): /);
      await assertUnchanged(worker.db, before, `MCP ${label(value)}`);
    } else if (descriptionRefuses(value)) {
      assert.match(result.structuredContent.message, /^description: /);
    } else {
      assert.equal(result.isError, false, `${label(value)}: ${JSON.stringify(result)}`);
      const row = await rowOf("dashboard", result.structuredContent.id);
      assert.deepEqual([row.name, row.description], [value, value]);
      assert.equal(JSON.parse(result.content[0].text).name, value);
    }
  }
  await assertIntact("MCP names");
});

// ---------------------------------------------------------------- tools: column names, query parts, configs

test("create_dataset: hostile column names are refused naming columns[i].name; none becomes SQL", async () => {
  const ada = await newUser(worker, "Ada");
  const before = await snapshot(worker.db);
  const names = [...ALL, "a b", "a-b", "a.b", "a\"b", "_row", "rowid", "oid", "select", "DROP", "sqlite_master\"; --", "x".repeat(64), "1a", ""];
  for (const name of names) {
    const response = await tool(ada, "create_dataset", { name: "Cols", columns: [{ name: "ok", type: "text" }, { name, type: "text" }] });
    assertInvalid(response, "columns[1].name", label(name));
  }
  // Column types are an enum: anything else is refused naming the type.
  for (const type of ["text; DROP TABLE dataset", "text not null default (select 1)", "TEXT", "blob"]) {
    const response = await tool(ada, "create_dataset", { name: "Cols", columns: [{ name: "a", type }] });
    assertInvalid(response, "columns[0].type", label(type));
  }
  await assertUnchanged(worker.db, before, "hostile column names");
  await assertIntact("column names");
});

test("append_rows and create_dataset rows: hostile keys are refused naming the row and key; hostile text values are verbatim", async () => {
  const ada = await newUser(worker, "Ada");
  const ds = await ok(ada, "create_dataset", { name: "Vals", columns: [{ name: "i", type: "integer" }, { name: "t", type: "text" }] });
  const before = await snapshot(worker.db);
  for (const key of ALL) {
    const response = await tool(ada, "append_rows", { datasetId: ds.id, rows: [{ i: 1, t: "x" }, { i: 2, t: "y", [key]: "z" }] });
    assertInvalid(response, `rows[1].${key}`, `key ${label(key)}`);
  }
  for (const value of ALL) {
    assertInvalid(await tool(ada, "append_rows", { datasetId: ds.id, rows: [{ i: value, t: "x" }] }), "rows[0].i", `integer ${label(value)}`);
  }
  assertInvalid(await tool(ada, "append_rows", { datasetId: ds.id, rows: [{ i: 1, t: "x".repeat(10_001) }] }), "rows[0].t", "10,001 characters");
  await assertUnchanged(worker.db, before, "hostile row keys");

  const values = [...ALL, "x".repeat(10_000)];
  await ok(ada, "append_rows", { datasetId: ds.id, rows: values.map((t, i) => ({ i, t })) });
  const table = (await rowOf("dataset", ds.id)).table_name;
  const { results } = await worker.db.prepare(`select i, t from "${table}" order by "_row"`).all();
  assert.deepEqual(results, values.map((t, i) => ({ i, t })));
  const answered = await ok(ada, "query_dataset", { datasetId: ds.id, limit: 1000 });
  assert.deepEqual(answered.rows, values.map((t, i) => ({ i, t })));
  await assertIntact("row values");
});

test("query_dataset: hostile column names, aliases, ops, functions and directions are refused naming the field; hostile values only compare", async () => {
  const ada = await newUser(worker, "Ada");
  const values = [...SQL, ...CONTROL];
  const ds = await ok(ada, "create_dataset", {
    name: "Q",
    columns: [{ name: "i", type: "integer" }, { name: "t", type: "text" }],
    rows: values.map((t, i) => ({ i, t })),
  });
  const before = await snapshot(worker.db);
  const q = (spec) => tool(ada, "query_dataset", { datasetId: ds.id, ...spec });
  // Names differ in case from a column: unknown, as SQLite would otherwise match them.
  assertInvalid(await q({ select: ["T"] }), "select[0]", "select T");
  assertInvalid(await q({ filters: [{ column: "I", op: "=", value: 1 }] }), "filters[0].column", "filter I");
  for (const name of [...ALL, "t\"", "i, t", "*", "x".repeat(100_000)]) {
    const what = label(name);
    assertInvalid(await q({ select: [name] }), "select[0]", `select ${what}`);
    assertInvalid(await q({ groupBy: [name] }), "groupBy[0]", `groupBy ${what}`);
    assertInvalid(await q({ filters: [{ column: name, op: "=", value: "x" }] }), "filters[0].column", `filter column ${what}`);
    assertInvalid(await q({ orderBy: [{ column: name }] }), "orderBy[0].column", `orderBy ${what}`);
    assertInvalid(await q({ aggregates: [{ function: "count", column: name }] }), "aggregates[0].column", `aggregate column ${what}`);
    assertInvalid(await q({ aggregates: [{ function: "count", alias: name }] }), "aggregates[0].alias", `alias ${what}`);
    assertInvalid(await q({ filters: [{ column: "t", op: name, value: "x" }] }), "filters[0].op", `op ${what}`);
    assertInvalid(await q({ aggregates: [{ function: name, column: "i" }] }), "aggregates[0].function", `function ${what}`);
    assertInvalid(await q({ orderBy: [{ column: "t", direction: name }] }), "orderBy[0].direction", `direction ${what}`);
    assertInvalid(await q({ filters: [{ column: "i", op: "=", value: name }] }), "filters[0].value", `integer value ${what}`);
    assertInvalid(await q({ filters: [{ column: "t", op: "is_null", value: name }] }), "filters[0].value", `is_null value ${what}`);
  }
  await assertUnchanged(worker.db, before, "hostile query parts");

  // Each hostile value, compared with =, finds exactly its own row; in finds them all; != all others.
  for (const [i, value] of values.entries()) {
    const eq = await ok(ada, "query_dataset", { datasetId: ds.id, select: ["i"], filters: [{ column: "t", op: "=", value }] });
    assert.deepEqual(eq.rows, [{ i }], `= ${label(value)}`);
    const ne = await ok(ada, "query_dataset", { datasetId: ds.id, select: ["i"], filters: [{ column: "t", op: "!=", value }], limit: 1000 });
    assert.equal(ne.rows.length, values.length - 1, `!= ${label(value)}`);
    if (!value.includes("\u0000")) {
      const contains = await ok(ada, "query_dataset", { datasetId: ds.id, select: ["i"], filters: [{ column: "t", op: "contains", value }], limit: 1000 });
      const expected = values.map((t, j) => [t, j]).filter(([t]) => t.includes(value)).map(([, j]) => ({ i: j }));
      assert.deepEqual(contains.rows, expected, `contains ${label(value)}`);
    }
  }
  const all = await ok(ada, "query_dataset", { datasetId: ds.id, select: ["i"], filters: [{ column: "t", op: "in", value: values }], limit: 1000 });
  assert.equal(all.rows.length, values.length);
  // A grouped query keyed by the hostile values answers each once, verbatim.
  const grouped = await ok(ada, "query_dataset", { datasetId: ds.id, groupBy: ["t"], aggregates: [{ function: "count", alias: "n" }], limit: 1000 });
  assert.deepEqual(grouped.rows.map((r) => r.t).sort(), [...values].sort());
  await assertUnchanged(worker.db, before, "hostile filter values");
  await assertIntact("query parts");
});

test("add_widget and update_widget: hostile config column names and types are refused naming the config field; filter values are verbatim", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const add = (type, config) => tool(ada, "add_widget", { dashboardId: adas.dash.id, datasetId: adas.ds.id, title: "W", type, config });
  const before = await snapshot(worker.db);
  for (const name of [...ALL, "x".repeat(100_000)]) {
    const what = label(name);
    assertInvalid(await add("metric", { column: name, aggregate: "sum" }), "config.column", `metric column ${what}`);
    assertInvalid(await add("chart", { chartType: "bar", x: name, y: "amount", aggregate: "sum" }), "config.x", `chart x ${what}`);
    assertInvalid(await add("chart", { chartType: "bar", x: "month", y: name, aggregate: "sum" }), "config.y", `chart y ${what}`);
    assertInvalid(await add("chart", { chartType: "bar", x: "month", y: "amount", aggregate: "sum", groupBy: name }), "config.groupBy", `chart groupBy ${what}`);
    assertInvalid(await add("table", { columns: ["month", name] }), "config.columns[1]", `table column ${what}`);
    assertInvalid(await add("table", { columns: ["month"], orderBy: { column: name } }), "config.orderBy.column", `table orderBy ${what}`);
    assertInvalid(await add("metric", { column: "amount", aggregate: "sum", filters: [{ column: name, op: "=", value: "x" }] }), "config.filters[0].column", `filter column ${what}`);
    assertInvalid(await tool(ada, "update_widget", { widgetId: adas.wdg.id, config: { column: name, aggregate: "sum" } }), "config.column", `update column ${what}`);
    const type = await tool(ada, "add_widget", { dashboardId: adas.dash.id, datasetId: adas.ds.id, title: "W", type: name, config: {} });
    assertInvalid(type, "type", `widget type ${what}`);
    const chartType = await add("chart", { chartType: name, x: "month", y: "amount", aggregate: "sum" });
    assertInvalid(chartType, "config.chartType", `chartType ${what}`);
  }
  await assertUnchanged(worker.db, before, "hostile widget configs");

  for (const value of ALL) {
    const widget = await ok(ada, "add_widget", {
      dashboardId: adas.dash.id,
      datasetId: adas.ds.id,
      title: "Filtered",
      type: "metric",
      config: { column: "amount", aggregate: "sum", filters: [{ column: "region", op: "=", value }] },
    });
    const stored = JSON.parse((await rowOf("widget", widget.id)).config);
    assert.equal(stored.filters[0].value, value, label(value));
    const rendered = await ok(ada, "render_widget", { widgetId: widget.id });
    assert.equal(rendered.data.value ?? null, null, `${label(value)} matched rows: ${JSON.stringify(rendered.data)}`);
  }
  await assertIntact("widget configs");
});

test("create_automation and update_automation: hostile schedules, columns and operators are refused naming config fields; filter values are verbatim", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const base = { datasetId: adas.ds.id, column: "amount", aggregate: "sum", operator: "gt", threshold: 1, schedule: "hourly" };
  const create = (config, type = "threshold_alert") => tool(ada, "create_automation", { name: "A", type, config });
  const before = await snapshot(worker.db);
  for (const value of [...ALL, "* * * * *; DROP TABLE automation", "0 0 * * * ' OR 1=1", "x".repeat(100_000)]) {
    const what = label(value);
    assertInvalid(await create({ ...base, schedule: value }), "config.schedule", `schedule ${what}`);
    assertInvalid(await create({ dashboardId: adas.dash.id, schedule: value }, "scheduled_report"), "config.schedule", `report schedule ${what}`);
    assertInvalid(await tool(ada, "update_automation", { automationId: adas.auto.id, config: { ...base, schedule: value } }), "config.schedule", `update schedule ${what}`);
    assertInvalid(await create({ ...base, column: value }), "config.column", `column ${what}`);
    assertInvalid(await create({ ...base, filters: [{ column: value, op: "=", value: "x" }] }), "config.filters[0].column", `filter column ${what}`);
    assertInvalid(await create({ ...base, operator: value }), "config.operator", `operator ${what}`);
    assertInvalid(await create({ ...base, aggregate: value }), "config.aggregate", `aggregate ${what}`);
    assertInvalid(await create({ ...base, datasetId: value }), "config.datasetId", `datasetId ${what}`);
    assertInvalid(await create({ dashboardId: value, schedule: "daily" }, "scheduled_report"), "config.dashboardId", `dashboardId ${what}`);
    assertInvalid(await tool(ada, "create_automation", { name: "A", type: value, config: base }), "type", `type ${what}`);
  }
  await assertUnchanged(worker.db, before, "hostile automation configs");

  for (const value of ALL) {
    const created = await ok(ada, "create_automation", { name: "F", type: "threshold_alert", config: { ...base, filters: [{ column: "region", op: "=", value }] } });
    assert.equal(JSON.parse((await rowOf("automation", created.id)).config).filters[0].value, value);
    const run = await ok(ada, "run_automation", { automationId: created.id });
    assert.equal(run.status, "success", JSON.stringify(run));
    assert.equal(run.result.value, null, `${label(value)} matched rows`);
  }
  await assertIntact("automation configs");
});

test("every id argument of every tool: hostile ids answer 404 NOT_FOUND (400 for ids inside a config), like a random id", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const table = (await rowOf("dataset", adas.ds.id)).table_name;
  const ids = [
    ...ALL,
    `${adas.ds.id}' --`,
    `${adas.ds.id}' OR '1'='1`,
    `' OR id LIKE '%`,
    `${adas.ds.id}\u0000`,
    table,
    `"${table}"`,
    "sqlite_master",
    "x".repeat(100_000),
  ];
  const calls = [
    ["get_dataset", (id) => ({ datasetId: id })],
    ["append_rows", (id) => ({ datasetId: id, rows: [{ month: "m", region: "r", amount: 1, units: 1 }] })],
    ["query_dataset", (id) => ({ datasetId: id })],
    ["delete_dataset", (id) => ({ datasetId: id })],
    ["get_dashboard", (id) => ({ dashboardId: id })],
    ["update_dashboard", (id) => ({ dashboardId: id, name: "N" })],
    ["delete_dashboard", (id) => ({ dashboardId: id })],
    ["render_dashboard", (id) => ({ dashboardId: id })],
    ["add_widget", (id) => ({ dashboardId: id, datasetId: adas.ds.id, title: "W", type: "metric", config: { column: "amount", aggregate: "sum" } })],
    ["add_widget", (id) => ({ dashboardId: adas.dash.id, datasetId: id, title: "W", type: "metric", config: { column: "amount", aggregate: "sum" } })],
    ["update_widget", (id) => ({ widgetId: id, title: "T" })],
    ["move_widget", (id) => ({ widgetId: id, position: 0 })],
    ["remove_widget", (id) => ({ widgetId: id })],
    ["render_widget", (id) => ({ widgetId: id })],
    ["update_automation", (id) => ({ automationId: id, enabled: false })],
    ["delete_automation", (id) => ({ automationId: id })],
    ["run_automation", (id) => ({ automationId: id })],
    ["list_automation_runs", (id) => ({ automationId: id })],
  ];
  const before = await snapshot(worker.db);
  for (const [name, build] of calls) {
    const random = await tool(ada, name, build(randomId("x")));
    assertError(random, 404, "NOT_FOUND", undefined, `${name} random`);
    for (const id of ids) {
      const response = await tool(ada, name, build(id));
      assert.deepEqual([response.status, response.body], [random.status, random.body], `${name} ${label(id)}`);
    }
  }
  await assertUnchanged(worker.db, before, "hostile ids");
  await assertIntact("ids");
});
