// Better Auth's organization plugin as orgscope answers it, under
// /api/auth/organization/: every endpoint's success and refusals, checked by
// status, error code and response shape, and by the D1 rows afterwards. A
// refusal must leave the database exactly as it found it.
//
// Every test signs up its own users. A sign-up makes the user, a personal
// organization ("<name>'s organization") with the user as owner, and a
// session whose active organization is that one.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startWorker, ORIGIN } from "./support/worker.mjs";
import { Client, count, uniqueEmail } from "./support/client.mjs";
import * as fixtures from "./support/fixtures.mjs";
import { keys } from "./support/fixtures.mjs";

const ORG = "/api/auth/organization";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HOUR = 3600 * 1000;
const ORGANIZATION_KEYS = ["createdAt", "id", "logo", "metadata", "name", "slug"];
const MEMBER_KEYS = ["createdAt", "id", "organizationId", "role", "userId"];
const INVITATION_KEYS = ["createdAt", "email", "expiresAt", "id", "inviterId", "organizationId", "role", "status"];

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

// ---------------------------------------------------------------- helpers

let slugCounter = 0;
function uniqueSlug(prefix = "org") {
  slugCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${slugCounter}`;
}


/** Signs up a user; adds their id and their personal organization's id. */
function newUser(name = "Test User") {
  return fixtures.newUser(worker, name);
}

/** The active organization of the user's (only) session. */
async function activeOrg(user) {
  const row = await worker.db
    .prepare(`select "activeOrganizationId" as "id" from "session" where "userId" = ?`)
    .bind(user.id)
    .first();
  return row.id;
}

async function memberRow(orgId, userId) {
  return worker.db
    .prepare(`select * from "member" where "organizationId" = ? and "userId" = ?`)
    .bind(orgId, userId)
    .first();
}

async function invitationRow(id) {
  return worker.db.prepare(`select * from "invitation" where "id" = ?`).bind(id).first();
}

async function organizationRow(id) {
  return worker.db.prepare(`select * from "organization" where "id" = ?`).bind(id).first();
}

/** Adds a membership straight in D1, later than any made before. */
function addMember(orgId, user, role) {
  return fixtures.addMember(worker, orgId, user, role);
}

/** Writes an invitation straight in D1 (for states the API cannot reach). */
async function addInvitation({ orgId, email, role = "member", inviterId, status = "pending", expiresAt }) {
  const id = `i${randomUUID().replaceAll("-", "")}`;
  const now = new Date().toISOString();
  await worker.db
    .prepare(
      `insert into "invitation" ("id", "organizationId", "email", "role", "status", "expiresAt", "createdAt", "inviterId")
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(id, orgId, email, role, status, expiresAt ?? new Date(Date.now() + 48 * HOUR).toISOString(), now, inviterId)
    .run();
  return id;
}

async function setExpiresAt(invitationId, ms) {
  await worker.db
    .prepare(`update "invitation" set "expiresAt" = ? where "id" = ?`)
    .bind(new Date(ms).toISOString(), invitationId)
    .run();
}

/** Invites through the API and expects success. */
async function invite(inviter, email, role = "member", extra = {}) {
  const response = await inviter.client.post(`${ORG}/invite-member`, { email, role, ...extra });
  assert.equal(response.status, 200, `invite failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Creates an organization through the API and expects success. */
async function createOrg(user, body = {}) {
  const response = await user.client.post(`${ORG}/create`, { name: "Acme", slug: uniqueSlug("acme"), ...body });
  assert.equal(response.status, 200, `create failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Every row of the tables the organization plugin touches. */
async function snapshot() {
  const state = {};
  for (const table of ["user", "session", "organization", "member", "invitation"]) {
    const { results } = await worker.db.prepare(`select * from "${table}" order by "id"`).all();
    state[table] = results;
  }
  return state;
}

async function assertUnchanged(before, what = "the database") {
  assert.deepEqual(await snapshot(), before, `${what} changed after a refusal`);
}

/** An error answer: the status, and a body of exactly {code, message}. */
function assertError(response, status, code) {
  const detail = `${response.status} ${JSON.stringify(response.body)}`;
  assert.equal(response.status, status, detail);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/, detail);
  assert.deepEqual(keys(response.body), ["code", "message"], detail);
  assert.equal(response.body.code, code, detail);
  assert.equal(typeof response.body.message, "string");
  assert.ok(response.body.message.length > 0);
}

function assertIso(value) {
  assert.match(value, ISO);
}

function assertAbout(isoValue, expectedMs, slackMs = 60_000) {
  const ms = Date.parse(isoValue);
  assert.ok(Math.abs(ms - expectedMs) < slackMs, `${isoValue} is not about ${new Date(expectedMs).toISOString()}`);
}

function assertMemberWithUser(member, user, { orgId, role }) {
  assert.deepEqual(keys(member), [...MEMBER_KEYS, "user"].sort());
  assert.equal(member.organizationId, orgId);
  assert.equal(member.userId, user.id);
  assert.equal(member.role, role);
  assertIso(member.createdAt);
  assert.deepEqual(member.user, { id: user.id, name: user.name, email: user.email, image: null });
}

async function whoami(user) {
  const response = await user.client.get("/api/whoami");
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

// ---------------------------------------------------------------- create

test("create answers the organization with its owner, and switches the session to it", async () => {
  const ada = await newUser("Ada");
  const slug = uniqueSlug("acme");
  const response = await ada.client.post(`${ORG}/create`, { name: "Acme", slug });

  assert.equal(response.status, 200, JSON.stringify(response.body));
  const org = response.body;
  // Without metadata in the request, the answer has no metadata key.
  assert.deepEqual(keys(org), ["createdAt", "id", "logo", "members", "name", "slug"]);
  assert.equal(org.name, "Acme");
  assert.equal(org.slug, slug);
  assert.equal(org.logo, null);
  assertIso(org.createdAt);
  assert.equal(typeof org.id, "string");
  assert.equal(org.members.length, 1);
  assert.deepEqual(keys(org.members[0]), MEMBER_KEYS);
  assert.equal(org.members[0].organizationId, org.id);
  assert.equal(org.members[0].userId, ada.id);
  assert.equal(org.members[0].role, "owner");
  assertIso(org.members[0].createdAt);

  const row = await organizationRow(org.id);
  assert.deepEqual(
    { name: row.name, slug: row.slug, logo: row.logo, metadata: row.metadata, createdAt: row.createdAt },
    { name: "Acme", slug, logo: null, metadata: null, createdAt: org.createdAt },
  );
  const owner = await memberRow(org.id, ada.id);
  assert.equal(owner.id, org.members[0].id);
  assert.equal(owner.role, "owner");
  assert.equal(await count(worker.db, "member", `"organizationId" = ?`, org.id), 1);

  assert.equal(await activeOrg(ada), org.id);
  const me = await whoami(ada);
  assert.equal(me.orgId, org.id);
  assert.deepEqual(me.roles, ["owner"]);
});

test("create with keepCurrentActiveOrganization keeps the session's organization; metadata and logo are kept", async () => {
  const ada = await newUser("Ada");
  const metadata = { plan: "pro", seats: 3 };
  const org = await createOrg(ada, {
    name: "Beta",
    logo: "https://example.com/logo.png",
    metadata,
    keepCurrentActiveOrganization: true,
  });

  // create answers the metadata parsed; it is stored as JSON text.
  assert.deepEqual(org.metadata, metadata);
  assert.equal(org.logo, "https://example.com/logo.png");
  const row = await organizationRow(org.id);
  assert.deepEqual(JSON.parse(row.metadata), metadata);
  assert.equal(row.logo, "https://example.com/logo.png");

  assert.equal(await activeOrg(ada), ada.orgId);
  assert.equal((await whoami(ada)).orgId, ada.orgId);
  assert.equal((await memberRow(org.id, ada.id)).role, "owner");
});

test("create refuses a slug that is taken with 400 ORGANIZATION_ALREADY_EXISTS, and changes nothing", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const taken = await createOrg(ada, { name: "Acme" });

  const before = await snapshot();
  const byOther = await bob.client.post(`${ORG}/create`, { name: "Other Acme", slug: taken.slug });
  assertError(byOther, 400, "ORGANIZATION_ALREADY_EXISTS");
  const bySame = await ada.client.post(`${ORG}/create`, { name: "Acme again", slug: taken.slug });
  assertError(bySame, 400, "ORGANIZATION_ALREADY_EXISTS");
  // A personal organization's slug is taken too.
  const personal = await organizationRow(bob.orgId);
  const byPersonal = await ada.client.post(`${ORG}/create`, { name: "Bob", slug: personal.slug });
  assertError(byPersonal, 400, "ORGANIZATION_ALREADY_EXISTS");
  await assertUnchanged(before);

  assert.equal(await count(worker.db, "organization", `"slug" = ?`, taken.slug), 1);
  assert.equal(await activeOrg(bob), bob.orgId);
});

test("create refuses a bad slug or a missing name with 400 VALIDATION_ERROR naming the field", async () => {
  const ada = await newUser("Ada");
  const before = await snapshot();
  const cases = [
    [{ name: "Acme", slug: "Not A Slug" }, /slug/],
    [{ name: "Acme", slug: "UPPER" }, /slug/],
    [{ name: "Acme", slug: "under_score" }, /slug/],
    [{ name: "Acme", slug: "" }, /slug/],
    [{ name: "Acme" }, /slug/],
    [{ slug: uniqueSlug() }, /name/],
    [{ name: "   ", slug: uniqueSlug() }, /name/],
    [{ name: 42, slug: uniqueSlug() }, /name/],
  ];
  for (const [body, field] of cases) {
    const response = await ada.client.post(`${ORG}/create`, body);
    assertError(response, 400, "VALIDATION_ERROR");
    assert.match(response.body.message, field, JSON.stringify(body));
  }
  await assertUnchanged(before);
});

test("create without a session answers 401 UNAUTHORIZED and creates nothing", async () => {
  await newUser("Ada");
  const before = await snapshot();
  const slug = uniqueSlug("anon");

  const anonymous = new Client(worker);
  assertError(await anonymous.post(`${ORG}/create`, { name: "Anon", slug }), 401, "UNAUTHORIZED");

  const forged = new Client(worker);
  forged.cookies.set("better-auth.session_token", "not-a-real-token.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXI%3D");
  assertError(await forged.post(`${ORG}/create`, { name: "Anon", slug }), 401, "UNAUTHORIZED");

  await assertUnchanged(before);
  assert.equal(await count(worker.db, "organization", `"slug" = ?`, slug), 0);
});

// ---------------------------------------------------------------- list

test("list answers the caller's organizations as a bare array, and no one else's", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const acme = await createOrg(ada, { name: "Acme", metadata: { tier: 1 } });

  const adas = await ada.client.get(`${ORG}/list`);
  assert.equal(adas.status, 200);
  assert.ok(Array.isArray(adas.body));
  assert.deepEqual(adas.body.map((o) => o.id).sort(), [ada.orgId, acme.id].sort());
  for (const org of adas.body) assert.deepEqual(keys(org), ORGANIZATION_KEYS);
  const personal = adas.body.find((o) => o.id === ada.orgId);
  const created = adas.body.find((o) => o.id === acme.id);
  assert.equal(personal.name, "Ada's organization");
  assert.equal(personal.metadata, null);
  // Outside create, metadata is the stored JSON text.
  assert.equal(typeof created.metadata, "string");
  assert.deepEqual(JSON.parse(created.metadata), { tier: 1 });

  const bobs = await bob.client.get(`${ORG}/list`);
  assert.equal(bobs.status, 200);
  assert.deepEqual(
    bobs.body.map((o) => o.id),
    [bob.orgId],
  );
  assert.equal(bobs.body[0].name, "Bob's organization");

  // Joining Ada's organization adds it to Bob's list.
  await addMember(acme.id, bob, "member");
  const after = await bob.client.get(`${ORG}/list`);
  assert.deepEqual(
    after.body.map((o) => o.id),
    [bob.orgId, acme.id],
  );

  assertError(await new Client(worker).get(`${ORG}/list`), 401, "UNAUTHORIZED");
});

// ---------------------------------------------------------------- set-active

test("set-active switches the session's organization, by id or slug, and null clears it", async () => {
  const ada = await newUser("Ada");
  const acme = await createOrg(ada, { name: "Acme", keepCurrentActiveOrganization: true });
  assert.equal(await activeOrg(ada), ada.orgId);

  const byId = await ada.client.post(`${ORG}/set-active`, { organizationId: acme.id });
  assert.equal(byId.status, 200, JSON.stringify(byId.body));
  assert.deepEqual(keys(byId.body), ORGANIZATION_KEYS);
  assert.equal(byId.body.id, acme.id);
  assert.equal(byId.body.slug, acme.slug);
  assert.equal(await activeOrg(ada), acme.id);
  assert.equal((await whoami(ada)).orgId, acme.id);

  const personal = await organizationRow(ada.orgId);
  const bySlug = await ada.client.post(`${ORG}/set-active`, { organizationSlug: personal.slug });
  assert.equal(bySlug.status, 200, JSON.stringify(bySlug.body));
  assert.equal(bySlug.body.id, ada.orgId);
  assert.equal(await activeOrg(ada), ada.orgId);
  assert.equal((await whoami(ada)).orgId, ada.orgId);

  const cleared = await ada.client.post(`${ORG}/set-active`, { organizationId: null });
  assert.equal(cleared.status, 200);
  assert.equal(cleared.body, null);
  assert.equal(await activeOrg(ada), null);

  // With no active organization, get-full-organization without a target is null.
  const full = await ada.client.get(`${ORG}/get-full-organization`);
  assert.equal(full.status, 200);
  assert.equal(full.body, null);
});

test("set-active refuses a foreign organization exactly like a missing one, and changes nothing", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const bobsOrg = await organizationRow(bob.orgId);

  const before = await snapshot();
  const foreign = await ada.client.post(`${ORG}/set-active`, { organizationId: bob.orgId });
  assertError(foreign, 400, "ORGANIZATION_NOT_FOUND");
  const missing = await ada.client.post(`${ORG}/set-active`, { organizationId: randomUUID() });
  assertError(missing, 400, "ORGANIZATION_NOT_FOUND");
  assert.deepEqual(foreign.body, missing.body);
  const foreignSlug = await ada.client.post(`${ORG}/set-active`, { organizationSlug: bobsOrg.slug });
  assertError(foreignSlug, 400, "ORGANIZATION_NOT_FOUND");
  const missingSlug = await ada.client.post(`${ORG}/set-active`, { organizationSlug: uniqueSlug("nowhere") });
  assertError(missingSlug, 400, "ORGANIZATION_NOT_FOUND");
  assert.deepEqual(foreignSlug.body, missingSlug.body);
  await assertUnchanged(before);
  assert.equal(await activeOrg(ada), ada.orgId);

  assertError(await new Client(worker).post(`${ORG}/set-active`, { organizationId: null }), 401, "UNAUTHORIZED");
});

// ---------------------------------------------------------------- get-full-organization

test("get-full-organization shows an owner every member with their user, and the invitations", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  await addMember(ada.orgId, bob, "member");
  const invited = uniqueEmail("carol");
  const invitation = await invite(ada, invited, "admin");

  const response = await ada.client.get(`${ORG}/get-full-organization?organizationId=${ada.orgId}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const full = response.body;
  assert.deepEqual(keys(full), [...ORGANIZATION_KEYS, "invitations", "members"].sort());
  assert.equal(full.id, ada.orgId);
  assert.equal(full.name, "Ada's organization");

  assert.equal(full.members.length, 2);
  assertMemberWithUser(
    full.members.find((m) => m.userId === ada.id),
    ada,
    { orgId: ada.orgId, role: "owner" },
  );
  assertMemberWithUser(
    full.members.find((m) => m.userId === bob.id),
    bob,
    { orgId: ada.orgId, role: "member" },
  );

  assert.equal(full.invitations.length, 1);
  assert.deepEqual(keys(full.invitations[0]), INVITATION_KEYS);
  assert.deepEqual(full.invitations[0], invitation);
  assert.equal(full.invitations[0].email, invited);
  assert.equal(full.invitations[0].status, "pending");

  // Without a target it reads the active organization; the slug works too.
  const active = await ada.client.get(`${ORG}/get-full-organization`);
  assert.deepEqual(active.body, full);
  const slug = (await organizationRow(ada.orgId)).slug;
  const bySlug = await ada.client.get(`${ORG}/get-full-organization?organizationSlug=${slug}`);
  assert.deepEqual(bySlug.body, full);
});

test("get-full-organization shows a plain member no invitations, and an admin none for owners", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  await addMember(ada.orgId, bob, "member");
  await addMember(ada.orgId, carl, "admin");
  const forMember = await invite(ada, uniqueEmail("dan"), "member");
  await invite(ada, uniqueEmail("eve"), "owner");

  const asMember = await bob.client.get(`${ORG}/get-full-organization?organizationId=${ada.orgId}`);
  assert.equal(asMember.status, 200, JSON.stringify(asMember.body));
  assert.deepEqual(asMember.body.invitations, []);
  assert.equal(asMember.body.members.length, 3);

  const asAdmin = await carl.client.get(`${ORG}/get-full-organization?organizationId=${ada.orgId}`);
  assert.equal(asAdmin.status, 200);
  assert.deepEqual(
    asAdmin.body.invitations.map((i) => i.id),
    [forMember.id],
  );

  const asOwner = await ada.client.get(`${ORG}/get-full-organization?organizationId=${ada.orgId}`);
  assert.equal(asOwner.body.invitations.length, 2);
});

test("get-full-organization answers a foreign organization exactly like a missing one", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const slug = (await organizationRow(ada.orgId)).slug;

  const before = await snapshot();
  const foreign = await bob.client.get(`${ORG}/get-full-organization?organizationId=${ada.orgId}`);
  assertError(foreign, 400, "ORGANIZATION_NOT_FOUND");
  const missing = await bob.client.get(`${ORG}/get-full-organization?organizationId=${randomUUID()}`);
  assertError(missing, 400, "ORGANIZATION_NOT_FOUND");
  assert.deepEqual(foreign.body, missing.body);
  const foreignSlug = await bob.client.get(`${ORG}/get-full-organization?organizationSlug=${slug}`);
  assert.deepEqual(foreignSlug.body, missing.body);
  assert.equal(foreignSlug.status, 400);
  await assertUnchanged(before);
  assert.equal(await activeOrg(bob), bob.orgId);

  assertError(await new Client(worker).get(`${ORG}/get-full-organization`), 401, "UNAUTHORIZED");
});

// ---------------------------------------------------------------- list-members

test("list-members answers {members, total} and pages with limit and offset", async () => {
  const ada = await newUser("Ada");
  const others = [await newUser("Bob"), await newUser("Carl"), await newUser("Dora")];
  for (const user of others) await addMember(ada.orgId, user, "member");

  const all = await ada.client.get(`${ORG}/list-members`);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.deepEqual(keys(all.body), ["members", "total"]);
  assert.equal(all.body.total, 4);
  // Oldest membership first: the owner, then the others as they joined.
  assert.deepEqual(
    all.body.members.map((m) => m.userId),
    [ada.id, ...others.map((u) => u.id)],
  );
  assertMemberWithUser(all.body.members[0], ada, { orgId: ada.orgId, role: "owner" });
  assertMemberWithUser(all.body.members[2], others[1], { orgId: ada.orgId, role: "member" });

  const first = await ada.client.get(`${ORG}/list-members?organizationId=${ada.orgId}&limit=2`);
  assert.equal(first.status, 200);
  assert.equal(first.body.total, 4);
  assert.deepEqual(first.body.members, all.body.members.slice(0, 2));
  const second = await ada.client.get(`${ORG}/list-members?organizationId=${ada.orgId}&limit=2&offset=2`);
  assert.equal(second.body.total, 4);
  assert.deepEqual(second.body.members, all.body.members.slice(2, 4));
  const beyond = await ada.client.get(`${ORG}/list-members?offset=10`);
  assert.deepEqual(beyond.body, { members: [], total: 4 });

  // A plain member may list too.
  const asMember = await others[0].client.get(`${ORG}/list-members?organizationId=${ada.orgId}`);
  assert.equal(asMember.status, 200);
  assert.equal(asMember.body.total, 4);
});

test("list-members refuses a non-member like a missing organization, and bad paging", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");

  const foreign = await bob.client.get(`${ORG}/list-members?organizationId=${ada.orgId}`);
  assertError(foreign, 400, "ORGANIZATION_NOT_FOUND");
  const missing = await bob.client.get(`${ORG}/list-members?organizationId=${randomUUID()}`);
  assert.deepEqual(foreign.body, missing.body);

  const badLimit = await ada.client.get(`${ORG}/list-members?limit=-1`);
  assertError(badLimit, 400, "VALIDATION_ERROR");
  assert.match(badLimit.body.message, /limit/);
  const badOffset = await ada.client.get(`${ORG}/list-members?offset=abc`);
  assertError(badOffset, 400, "VALIDATION_ERROR");
  assert.match(badOffset.body.message, /offset/);

  assertError(await new Client(worker).get(`${ORG}/list-members`), 401, "UNAUTHORIZED");
});

// ---------------------------------------------------------------- has-permission

async function hasPermission(user, permissions, organizationId) {
  const body = organizationId === undefined ? { permissions } : { permissions, organizationId };
  const response = await user.client.post(`${ORG}/has-permission`, body);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(keys(response.body), ["error", "success"]);
  assert.equal(response.body.error, null);
  return response.body.success;
}

test("has-permission answers {error: null, success} by the caller's role", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  await addMember(ada.orgId, bob, "admin");
  await addMember(ada.orgId, carl, "member");
  const org = ada.orgId;

  // The owner may do everything, in the active organization by default.
  assert.equal(await hasPermission(ada, { organization: ["delete"] }), true);
  assert.equal(await hasPermission(ada, { member: ["create", "update", "delete"], invitation: ["cancel"] }, org), true);

  // An admin: everything but deleting the organization.
  assert.equal(await hasPermission(bob, { organization: ["delete"] }, org), false);
  assert.equal(await hasPermission(bob, { organization: ["update"] }, org), true);
  assert.equal(await hasPermission(bob, { member: ["delete"], invitation: ["create", "cancel"] }, org), true);
  assert.equal(await hasPermission(bob, { member: ["delete"], organization: ["delete"] }, org), false);

  // A member: only reading access control.
  assert.equal(await hasPermission(carl, { invitation: ["create"] }, org), false);
  assert.equal(await hasPermission(carl, { member: ["update"] }, org), false);
  assert.equal(await hasPermission(carl, { ac: ["read"] }, org), true);

  // Unknown resources, unknown actions and empty action lists fail.
  assert.equal(await hasPermission(ada, { billing: ["read"] }), false);
  assert.equal(await hasPermission(ada, { member: ["fly"] }), false);
  assert.equal(await hasPermission(ada, { member: [] }), false);
  assert.equal(await hasPermission(ada, {}), false);
});

test("has-permission grants the union of a member's roles", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  await addMember(ada.orgId, bob, "admin,member");
  await addMember(ada.orgId, carl, "member, owner");
  const org = ada.orgId;

  assert.equal(await hasPermission(bob, { member: ["delete"], ac: ["read"] }, org), true);
  assert.equal(await hasPermission(bob, { invitation: ["create"] }, org), true);
  assert.equal(await hasPermission(bob, { organization: ["delete"] }, org), false);
  assert.equal(await hasPermission(carl, { organization: ["delete"], ac: ["read"] }, org), true);
});

test("has-permission refuses non-members like a missing organization, and needs `permissions`", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");

  const foreign = await bob.client.post(`${ORG}/has-permission`, { permissions: { member: ["delete"] }, organizationId: ada.orgId });
  assertError(foreign, 400, "ORGANIZATION_NOT_FOUND");
  const missing = await bob.client.post(`${ORG}/has-permission`, { permissions: { member: ["delete"] }, organizationId: randomUUID() });
  assert.deepEqual(foreign.body, missing.body);

  const noPermissions = await ada.client.post(`${ORG}/has-permission`, { organizationId: ada.orgId });
  assertError(noPermissions, 400, "VALIDATION_ERROR");
  assert.match(noPermissions.body.message, /permissions/);

  // No organization named and none active.
  await ada.client.post(`${ORG}/set-active`, { organizationId: null });
  const none = await ada.client.post(`${ORG}/has-permission`, { permissions: { member: ["delete"] } });
  assertError(none, 400, "NO_ACTIVE_ORGANIZATION");

  const anonymous = await new Client(worker).post(`${ORG}/has-permission`, { permissions: { ac: ["read"] } });
  assertError(anonymous, 401, "UNAUTHORIZED");
});

// ---------------------------------------------------------------- invite-member

test("an owner invites an email: a pending invitation, lowercased, for 48 hours", async () => {
  const ada = await newUser("Ada");
  const email = uniqueEmail("bob");
  const response = await ada.client.post(`${ORG}/invite-member`, { email: `  ${email.toUpperCase()} `, role: "member" });

  assert.equal(response.status, 200, JSON.stringify(response.body));
  const invitation = response.body;
  assert.deepEqual(keys(invitation), INVITATION_KEYS);
  assert.equal(invitation.organizationId, ada.orgId);
  assert.equal(invitation.email, email);
  assert.equal(invitation.role, "member");
  assert.equal(invitation.status, "pending");
  assert.equal(invitation.inviterId, ada.id);
  assertIso(invitation.createdAt);
  assertIso(invitation.expiresAt);
  assertAbout(invitation.createdAt, Date.now());
  assertAbout(invitation.expiresAt, Date.now() + 48 * HOUR);

  const row = await invitationRow(invitation.id);
  assert.deepEqual(row, invitation);

  // Roles may be a list; they are stored comma-joined.
  const both = await invite(ada, uniqueEmail("carl"), ["admin", "member"]);
  assert.equal(both.role, "admin,member");
  assert.equal((await invitationRow(both.id)).role, "admin,member");
});

test("a plain member may not invite; an admin may invite but not an owner", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  await addMember(ada.orgId, bob, "member");
  await addMember(ada.orgId, carl, "admin");

  const before = await snapshot();
  const byMember = await bob.client.post(`${ORG}/invite-member`, { email: uniqueEmail(), role: "member", organizationId: ada.orgId });
  assertError(byMember, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION");
  const ownerByAdmin = await carl.client.post(`${ORG}/invite-member`, { email: uniqueEmail(), role: "owner", organizationId: ada.orgId });
  assertError(ownerByAdmin, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE");
  const ownerInList = await carl.client.post(`${ORG}/invite-member`, {
    email: uniqueEmail(),
    role: ["member", "owner"],
    organizationId: ada.orgId,
  });
  assertError(ownerInList, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE");
  await assertUnchanged(before);

  const byAdmin = await invite(carl, uniqueEmail("dan"), "admin", { organizationId: ada.orgId });
  assert.equal(byAdmin.inviterId, carl.id);
  assert.equal(byAdmin.organizationId, ada.orgId);
  assert.equal(await count(worker.db, "invitation", `"organizationId" = ?`, ada.orgId), 1);
});

test("inviting someone already invited is refused; resend extends the same invitation", async () => {
  const ada = await newUser("Ada");
  const email = uniqueEmail("bob");
  const first = await invite(ada, email, "member");

  const before = await snapshot();
  const again = await ada.client.post(`${ORG}/invite-member`, { email, role: "member" });
  assertError(again, 400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION");
  const againOtherRole = await ada.client.post(`${ORG}/invite-member`, { email: email.toUpperCase(), role: "admin" });
  assertError(againOtherRole, 400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION");
  await assertUnchanged(before);

  // Bring the expiry close, then resend: same invitation, 48 hours again.
  const soon = Date.now() + HOUR;
  await setExpiresAt(first.id, soon);
  const resent = await ada.client.post(`${ORG}/invite-member`, { email, role: "admin", resend: true });
  assert.equal(resent.status, 200, JSON.stringify(resent.body));
  assert.equal(resent.body.id, first.id);
  assert.equal(resent.body.status, "pending");
  assert.equal(resent.body.role, "member", "a resend keeps the invitation's role");
  assert.ok(Date.parse(resent.body.expiresAt) > soon);
  assertAbout(resent.body.expiresAt, Date.now() + 48 * HOUR);
  const row = await invitationRow(first.id);
  assert.equal(row.expiresAt, resent.body.expiresAt);
  assert.equal(row.role, "member");
  assert.equal(await count(worker.db, "invitation", `"email" = ?`, email), 1);
});

test("an admin may not resend an owner's invitation", async () => {
  const ada = await newUser("Ada");
  const carl = await newUser("Carl");
  await addMember(ada.orgId, carl, "admin");
  const email = uniqueEmail("heir");
  await invite(ada, email, "owner");

  const before = await snapshot();
  const resent = await carl.client.post(`${ORG}/invite-member`, { email, role: "member", resend: true, organizationId: ada.orgId });
  assertError(resent, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE");
  await assertUnchanged(before);
});

test("an expired invitation does not block a new one", async () => {
  const ada = await newUser("Ada");
  const email = uniqueEmail("bob");
  const old = await invite(ada, email, "member");
  await setExpiresAt(old.id, Date.now() - 1000);

  const fresh = await invite(ada, email, "admin");
  assert.notEqual(fresh.id, old.id);
  assert.equal(fresh.role, "admin");
  assert.equal(await count(worker.db, "invitation", `"email" = ?`, email), 2);
});

test("inviting a member, an unknown role or an invalid email is refused, and changes nothing", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  await addMember(ada.orgId, bob, "member");

  const before = await snapshot();
  const member = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "admin" });
  assertError(member, 400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION");
  const memberUpper = await ada.client.post(`${ORG}/invite-member`, { email: bob.email.toUpperCase(), role: "admin" });
  assertError(memberUpper, 400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION");
  const self = await ada.client.post(`${ORG}/invite-member`, { email: ada.email, role: "member" });
  assertError(self, 400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION");

  assertError(await ada.client.post(`${ORG}/invite-member`, { email: uniqueEmail(), role: "superuser" }), 400, "ROLE_NOT_FOUND");
  assertError(await ada.client.post(`${ORG}/invite-member`, { email: uniqueEmail(), role: ["member", "root"] }), 400, "ROLE_NOT_FOUND");
  const noRole = await ada.client.post(`${ORG}/invite-member`, { email: uniqueEmail(), role: [] });
  assertError(noRole, 400, "VALIDATION_ERROR");
  assert.match(noRole.body.message, /role/);

  for (const email of ["not-an-email", "a@b", "@example.com", "two words@example.com", ""]) {
    assertError(await ada.client.post(`${ORG}/invite-member`, { email, role: "member" }), 400, "INVALID_EMAIL");
  }
  await assertUnchanged(before);
});

test("inviting into an organization one does not belong to is refused alike for foreign and missing ones", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");

  const before = await snapshot();
  const foreign = await bob.client.post(`${ORG}/invite-member`, { email: uniqueEmail(), role: "member", organizationId: ada.orgId });
  assertError(foreign, 400, "MEMBER_NOT_FOUND");
  const missing = await bob.client.post(`${ORG}/invite-member`, { email: uniqueEmail(), role: "member", organizationId: randomUUID() });
  assert.deepEqual(foreign.body, missing.body);
  const anonymous = await new Client(worker).post(`${ORG}/invite-member`, { email: uniqueEmail(), role: "member", organizationId: ada.orgId });
  assertError(anonymous, 401, "UNAUTHORIZED");
  await assertUnchanged(before);
});

// ---------------------------------------------------------------- list-invitations

test("list-invitations answers an organization's invitations to those who may invite", async () => {
  const ada = await newUser("Ada");
  const mia = await newUser("Mia");
  const otto = await newUser("Otto");
  await addMember(ada.orgId, mia, "member");
  const first = await invite(ada, uniqueEmail("bob"), "member");
  const second = await invite(ada, uniqueEmail("carl"), "admin");

  const response = await ada.client.get(`${ORG}/list-invitations`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.ok(Array.isArray(response.body));
  assert.deepEqual(response.body.map((i) => i.id).sort(), [first.id, second.id].sort());
  for (const invitation of response.body) assert.deepEqual(keys(invitation), INVITATION_KEYS);

  assertError(
    await mia.client.get(`${ORG}/list-invitations?organizationId=${ada.orgId}`),
    403,
    "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS",
  );
  const foreign = await otto.client.get(`${ORG}/list-invitations?organizationId=${ada.orgId}`);
  assertError(foreign, 400, "ORGANIZATION_NOT_FOUND");
  const missing = await otto.client.get(`${ORG}/list-invitations?organizationId=${randomUUID()}`);
  assert.deepEqual(foreign.body, missing.body);
});

// ---------------------------------------------------------------- list-user-invitations

test("list-user-invitations answers the invitee's open invitations with the organization's name", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const dora = await newUser("Dora");
  const beta = await createOrg(carl, { name: "Beta" });

  const fromAda = await invite(ada, bob.email, "member");
  const fromCarl = await invite(carl, bob.email.toUpperCase(), "admin", { organizationId: beta.id });
  const expired = await invite(dora, bob.email, "member");
  await setExpiresAt(expired.id, Date.now() - 1000);
  await invite(ada, uniqueEmail("someone-else"), "member");

  const response = await bob.client.get(`${ORG}/list-user-invitations`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.ok(Array.isArray(response.body));
  const byId = Object.fromEntries(response.body.map((i) => [i.id, i]));
  assert.deepEqual(Object.keys(byId).sort(), [fromAda.id, fromCarl.id].sort());
  assert.deepEqual(keys(byId[fromAda.id]), [...INVITATION_KEYS, "organizationName"].sort());
  assert.deepEqual(byId[fromAda.id], { ...fromAda, organizationName: "Ada's organization" });
  assert.deepEqual(byId[fromCarl.id], { ...fromCarl, organizationName: "Beta" });

  const adas = await ada.client.get(`${ORG}/list-user-invitations`);
  assert.deepEqual(adas.body, []);
  assertError(await new Client(worker).get(`${ORG}/list-user-invitations`), 401, "UNAUTHORIZED");
});

// ---------------------------------------------------------------- accept-invitation

test("the invitee accepts: a member with the invited role, and their session switches to the organization", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const invitation = await invite(ada, bob.email, "admin");
  assert.equal((await whoami(bob)).orgId, bob.orgId);

  const response = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(keys(response.body), ["invitation", "member"]);
  assert.deepEqual(response.body.invitation, { ...invitation, status: "accepted" });
  const member = response.body.member;
  assert.deepEqual(keys(member), MEMBER_KEYS);
  assert.equal(member.organizationId, ada.orgId);
  assert.equal(member.userId, bob.id);
  assert.equal(member.role, "admin");
  assertIso(member.createdAt);

  assert.equal((await invitationRow(invitation.id)).status, "accepted");
  const row = await memberRow(ada.orgId, bob.id);
  assert.equal(row.id, member.id);
  assert.equal(row.role, "admin");
  assert.equal(await activeOrg(bob), ada.orgId);

  const me = await whoami(bob);
  assert.equal(me.userId, bob.id);
  assert.equal(me.orgId, ada.orgId);
  assert.deepEqual(me.roles, ["admin"]);

  const orgs = await bob.client.get(`${ORG}/list`);
  assert.deepEqual(orgs.body.map((o) => o.id).sort(), [bob.orgId, ada.orgId].sort());
  const full = await ada.client.get(`${ORG}/get-full-organization`);
  assertMemberWithUser(
    full.body.members.find((m) => m.userId === bob.id),
    bob,
    { orgId: ada.orgId, role: "admin" },
  );
  assert.deepEqual((await bob.client.get(`${ORG}/list-user-invitations`)).body, []);
  // The new admin may now invite in the organization.
  assert.equal(await hasPermission(bob, { invitation: ["create"] }), true);
});

test("an invitation to several roles makes a member holding all of them", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const invitation = await invite(ada, bob.email, ["admin", "member"]);

  const response = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.member.role, "admin,member");
  assert.equal((await memberRow(ada.orgId, bob.id)).role, "admin,member");
  assert.deepEqual((await whoami(bob)).roles, ["admin", "member"]);
  assert.equal(await hasPermission(bob, { member: ["delete"], ac: ["read"] }), true);
});

test("accepting someone else's invitation is refused, 403 inside the organization and like a missing one outside, and changes nothing", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const invitation = await invite(ada, bob.email, "member");

  const before = await snapshot();
  const byCarl = await carl.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assertError(byCarl, 400, "INVITATION_NOT_FOUND");
  const byInviter = await ada.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assertError(byInviter, 403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION");
  await assertUnchanged(before);
  assert.equal((await invitationRow(invitation.id)).status, "pending");
  assert.equal(await memberRow(ada.orgId, carl.id), null);
});

test("an accepted invitation cannot be accepted or rejected again", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const invitation = await invite(ada, bob.email, "member");
  const first = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assert.equal(first.status, 200, JSON.stringify(first.body));

  const before = await snapshot();
  assertError(await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id }), 400, "INVITATION_NOT_FOUND");
  assertError(await bob.client.post(`${ORG}/reject-invitation`, { invitationId: invitation.id }), 400, "INVITATION_NOT_FOUND");
  await assertUnchanged(before);
  assert.equal(await count(worker.db, "member", `"organizationId" = ? and "userId" = ?`, ada.orgId, bob.id), 1);
});

test("an expired or unknown invitation cannot be accepted", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const invitation = await invite(ada, bob.email, "member");
  await setExpiresAt(invitation.id, Date.now() - 1000);

  const before = await snapshot();
  const expired = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assertError(expired, 400, "INVITATION_NOT_FOUND");
  const unknown = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: randomUUID() });
  assertError(unknown, 400, "INVITATION_NOT_FOUND");
  assert.deepEqual(expired.body, unknown.body);
  const noId = await bob.client.post(`${ORG}/accept-invitation`, {});
  assertError(noId, 400, "VALIDATION_ERROR");
  assert.match(noId.body.message, /invitationId/);
  await assertUnchanged(before);
  assert.equal(await memberRow(ada.orgId, bob.id), null);
  assert.equal(await activeOrg(bob), bob.orgId);
});

test("two concurrent accepts of one invitation make exactly one member", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const invitation = await invite(ada, bob.email, "member");

  const answers = await Promise.all([
    bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id }),
    bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id }),
    bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id }),
  ]);
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 400, 400], JSON.stringify(answers.map((a) => a.body)));
  for (const refused of answers.filter((a) => a.status !== 200)) {
    assert.equal(refused.body.code, "INVITATION_NOT_FOUND");
  }
  assert.equal(await count(worker.db, "member", `"organizationId" = ? and "userId" = ?`, ada.orgId, bob.id), 1);
  assert.equal((await invitationRow(invitation.id)).status, "accepted");
  const winner = answers.find((a) => a.status === 200);
  assert.equal((await memberRow(ada.orgId, bob.id)).id, winner.body.member.id);
});

test("accepting an invitation to an organization one already belongs to is refused", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  await addMember(ada.orgId, bob, "member");
  // The API would not invite a member; such a row can exist from before.
  const invitationId = await addInvitation({ orgId: ada.orgId, email: bob.email, role: "admin", inviterId: ada.id });

  const before = await snapshot();
  const response = await bob.client.post(`${ORG}/accept-invitation`, { invitationId });
  assertError(response, 400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION");
  await assertUnchanged(before);
  assert.equal((await memberRow(ada.orgId, bob.id)).role, "member");
});

// ---------------------------------------------------------------- reject-invitation

test("the invitee rejects: {invitation: {status: 'rejected'}, member: null}", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const invitation = await invite(ada, bob.email, "admin");

  const response = await bob.client.post(`${ORG}/reject-invitation`, { invitationId: invitation.id });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(response.body, { invitation: { ...invitation, status: "rejected" }, member: null });
  assert.equal((await invitationRow(invitation.id)).status, "rejected");
  assert.equal(await memberRow(ada.orgId, bob.id), null);
  assert.equal(await activeOrg(bob), bob.orgId);
  assert.deepEqual((await bob.client.get(`${ORG}/list-user-invitations`)).body, []);

  const before = await snapshot();
  assertError(await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id }), 400, "INVITATION_NOT_FOUND");
  assertError(await bob.client.post(`${ORG}/reject-invitation`, { invitationId: invitation.id }), 400, "INVITATION_NOT_FOUND");
  await assertUnchanged(before);

  // As in Better Auth, rejecting does not look at the expiry.
  const expired = await invite(ada, bob.email, "member");
  await setExpiresAt(expired.id, Date.now() - 1000);
  const late = await bob.client.post(`${ORG}/reject-invitation`, { invitationId: expired.id });
  assert.equal(late.status, 200, JSON.stringify(late.body));
  assert.equal((await invitationRow(expired.id)).status, "rejected");
});

test("rejecting someone else's or an unknown invitation is refused, and changes nothing", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const invitation = await invite(ada, bob.email, "member");

  const before = await snapshot();
  assertError(
    await carl.client.post(`${ORG}/reject-invitation`, { invitationId: invitation.id }),
    400,
    "INVITATION_NOT_FOUND",
  );
  assertError(
    await ada.client.post(`${ORG}/reject-invitation`, { invitationId: invitation.id }),
    403,
    "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
  );
  assertError(await bob.client.post(`${ORG}/reject-invitation`, { invitationId: randomUUID() }), 400, "INVITATION_NOT_FOUND");
  assertError(
    await new Client(worker).post(`${ORG}/reject-invitation`, { invitationId: invitation.id }),
    401,
    "UNAUTHORIZED",
  );
  await assertUnchanged(before);
  assert.equal((await invitationRow(invitation.id)).status, "pending");
});

// ---------------------------------------------------------------- cancel-invitation

test("an owner or admin cancels an invitation: the bare invitation, canceled, no longer acceptable", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  await addMember(ada.orgId, carl, "admin");
  const invitation = await invite(ada, bob.email, "member");

  const response = await ada.client.post(`${ORG}/cancel-invitation`, { invitationId: invitation.id });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(response.body, { ...invitation, status: "canceled" });
  assert.equal((await invitationRow(invitation.id)).status, "canceled");
  assert.deepEqual((await bob.client.get(`${ORG}/list-user-invitations`)).body, []);

  const before = await snapshot();
  assertError(await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id }), 400, "INVITATION_NOT_FOUND");
  await assertUnchanged(before);
  assert.equal(await memberRow(ada.orgId, bob.id), null);

  const other = await invite(ada, uniqueEmail("dan"), "member");
  const byAdmin = await carl.client.post(`${ORG}/cancel-invitation`, { invitationId: other.id });
  assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
  assert.equal((await invitationRow(other.id)).status, "canceled");
});

test("cancel: a plain member gets 403, an outsider INVITATION_NOT_FOUND, a settled invitation stays settled", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const mia = await newUser("Mia");
  const otto = await newUser("Otto");
  await addMember(ada.orgId, mia, "member");
  const invitation = await invite(ada, bob.email, "member");

  const before = await snapshot();
  assertError(
    await mia.client.post(`${ORG}/cancel-invitation`, { invitationId: invitation.id }),
    403,
    "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION",
  );
  const outsider = await otto.client.post(`${ORG}/cancel-invitation`, { invitationId: invitation.id });
  assertError(outsider, 400, "INVITATION_NOT_FOUND");
  const unknown = await otto.client.post(`${ORG}/cancel-invitation`, { invitationId: randomUUID() });
  assert.deepEqual(outsider.body, unknown.body);
  // The invitee is not a member: to them it is not found either.
  assertError(await bob.client.post(`${ORG}/cancel-invitation`, { invitationId: invitation.id }), 400, "INVITATION_NOT_FOUND");
  await assertUnchanged(before);
  assert.equal((await invitationRow(invitation.id)).status, "pending");

  const accepted = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assert.equal(accepted.status, 200);
  const afterAccept = await snapshot();
  assertError(await ada.client.post(`${ORG}/cancel-invitation`, { invitationId: invitation.id }), 400, "INVITATION_NOT_FOUND");
  await assertUnchanged(afterAccept);
  assert.equal((await invitationRow(invitation.id)).status, "accepted");
});

// ---------------------------------------------------------------- remove-member

test("an owner removes a member by id and another by email; the removed member's session leaves the organization", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const bobMember = await addMember(ada.orgId, bob, "member");
  const carlMember = await addMember(ada.orgId, carl, "admin");
  const switched = await bob.client.post(`${ORG}/set-active`, { organizationId: ada.orgId });
  assert.equal(switched.status, 200);
  assert.equal((await whoami(bob)).orgId, ada.orgId);

  const byId = await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: bobMember });
  assert.equal(byId.status, 200, JSON.stringify(byId.body));
  assert.deepEqual(keys(byId.body), ["member"]);
  assert.equal(byId.body.member.id, bobMember);
  assert.equal(byId.body.member.userId, bob.id);
  assert.equal(byId.body.member.organizationId, ada.orgId);
  assert.equal(byId.body.member.role, "member");
  assert.equal(await memberRow(ada.orgId, bob.id), null);
  assert.equal(await activeOrg(bob), null);
  const me = await whoami(bob);
  assert.notEqual(me.orgId, ada.orgId);
  assert.equal(me.orgId, bob.orgId);
  assertError(await bob.client.get(`${ORG}/get-full-organization?organizationId=${ada.orgId}`), 400, "ORGANIZATION_NOT_FOUND");
  assert.deepEqual(
    (await bob.client.get(`${ORG}/list`)).body.map((o) => o.id),
    [bob.orgId],
  );

  const byEmail = await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: carl.email.toUpperCase(), organizationId: ada.orgId });
  assert.equal(byEmail.status, 200, JSON.stringify(byEmail.body));
  assert.equal(byEmail.body.member.id, carlMember);
  assert.equal(byEmail.body.member.userId, carl.id);
  assert.equal(await memberRow(ada.orgId, carl.id), null);
  assert.equal(await activeOrg(carl), carl.orgId, "a session elsewhere is left alone");

  assert.equal(await count(worker.db, "member", `"organizationId" = ?`, ada.orgId), 1);
});

test("an admin may remove a member but not an owner; a plain member may remove no one", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const dora = await newUser("Dora");
  const adaMember = (await memberRow(ada.orgId, ada.id)).id;
  const bobMember = await addMember(ada.orgId, bob, "member");
  const carlMember = await addMember(ada.orgId, carl, "admin");
  await addMember(ada.orgId, dora, "member");
  const org = ada.orgId;

  const before = await snapshot();
  assertError(
    await carl.client.post(`${ORG}/remove-member`, { memberIdOrEmail: adaMember, organizationId: org }),
    403,
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
  );
  assertError(
    await carl.client.post(`${ORG}/remove-member`, { memberIdOrEmail: ada.email, organizationId: org }),
    403,
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
  );
  assertError(
    await dora.client.post(`${ORG}/remove-member`, { memberIdOrEmail: bobMember, organizationId: org }),
    403,
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
  );
  assertError(
    await dora.client.post(`${ORG}/remove-member`, { memberIdOrEmail: carlMember, organizationId: org }),
    403,
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
  );
  await assertUnchanged(before);

  const byAdmin = await carl.client.post(`${ORG}/remove-member`, { memberIdOrEmail: bobMember, organizationId: org });
  assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
  assert.equal(await memberRow(org, bob.id), null);
});

test("the last owner can be neither removed nor leave; with two owners one may remove the other", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const adaMember = (await memberRow(ada.orgId, ada.id)).id;

  const before = await snapshot();
  for (const memberIdOrEmail of [adaMember, ada.email]) {
    assertError(
      await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail }),
      400,
      "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
    );
  }
  assertError(
    await ada.client.post(`${ORG}/leave`, { organizationId: ada.orgId }),
    400,
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
  );
  await assertUnchanged(before);

  const bobMember = await addMember(ada.orgId, bob, "owner");
  const removed = await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: bobMember });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal(await memberRow(ada.orgId, bob.id), null);

  const afterRemoval = await snapshot();
  assertError(
    await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: adaMember }),
    400,
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
  );
  await assertUnchanged(afterRemoval);
});

test("two owners removing each other at once leave exactly one owner", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const adaMember = (await memberRow(ada.orgId, ada.id)).id;
  const bobMember = await addMember(ada.orgId, bob, "owner");
  const org = ada.orgId;

  const answers = await Promise.all([
    ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: bobMember, organizationId: org }),
    bob.client.post(`${ORG}/remove-member`, { memberIdOrEmail: adaMember, organizationId: org }),
  ]);
  assert.deepEqual(
    answers.map((a) => a.status).sort(),
    [200, 400],
    JSON.stringify(answers.map((a) => a.body)),
  );
  const refused = answers.find((a) => a.status === 400);
  assert.ok(
    ["YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER", "MEMBER_NOT_FOUND"].includes(refused.body.code),
    JSON.stringify(refused.body),
  );
  assert.equal(await count(worker.db, "member", `"organizationId" = ? and "role" = 'owner'`, org), 1);
});

test("two owners demoting each other at once leave exactly one owner", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const adaMember = (await memberRow(ada.orgId, ada.id)).id;
  const bobMember = await addMember(ada.orgId, bob, "owner");
  const org = ada.orgId;

  const answers = await Promise.all([
    ada.client.post(`${ORG}/update-member-role`, { memberId: bobMember, role: "member", organizationId: org }),
    bob.client.post(`${ORG}/update-member-role`, { memberId: adaMember, role: "member", organizationId: org }),
  ]);
  const statuses = answers.map((a) => a.status).sort();
  assert.equal(statuses[0], 200, JSON.stringify(answers.map((a) => a.body)));
  assert.notEqual(statuses[1], 200, JSON.stringify(answers.map((a) => a.body)));
  assert.equal(await count(worker.db, "member", `"organizationId" = ? and "role" = 'owner'`, org), 1);
});

test("remove-member refuses unknown members, members of other organizations, and non-members", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const carlMember = await addMember(ada.orgId, carl, "member");
  const bobOwnMember = (await memberRow(bob.orgId, bob.id)).id;

  const before = await snapshot();
  const cases = [
    [ada, { memberIdOrEmail: randomUUID() }],
    [ada, { memberIdOrEmail: uniqueEmail("nobody") }],
    // Bob's membership of his own organization, asked for in Ada's.
    [ada, { memberIdOrEmail: bobOwnMember }],
    [ada, { memberIdOrEmail: bob.email }],
    // Bob is not a member of Ada's organization.
    [bob, { memberIdOrEmail: carlMember, organizationId: ada.orgId }],
    [bob, { memberIdOrEmail: carlMember, organizationId: randomUUID() }],
  ];
  for (const [caller, body] of cases) {
    assertError(await caller.client.post(`${ORG}/remove-member`, body), 400, "MEMBER_NOT_FOUND");
  }
  assertError(await ada.client.post(`${ORG}/remove-member`, {}), 400, "VALIDATION_ERROR");
  assertError(
    await new Client(worker).post(`${ORG}/remove-member`, { memberIdOrEmail: carlMember, organizationId: ada.orgId }),
    401,
    "UNAUTHORIZED",
  );
  await assertUnchanged(before);
});

// ---------------------------------------------------------------- update-member-role

test("an owner promotes a member to admin: the bare updated member", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const bobMember = await addMember(ada.orgId, bob, "member");
  assert.equal(await hasPermission(bob, { member: ["update"] }, ada.orgId), false);

  const response = await ada.client.post(`${ORG}/update-member-role`, { memberId: bobMember, role: "admin" });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(keys(response.body), MEMBER_KEYS);
  assert.equal(response.body.id, bobMember);
  assert.equal(response.body.userId, bob.id);
  assert.equal(response.body.organizationId, ada.orgId);
  assert.equal(response.body.role, "admin");
  assert.equal((await memberRow(ada.orgId, bob.id)).role, "admin");
  assert.equal(await hasPermission(bob, { member: ["update"] }, ada.orgId), true);

  const both = await ada.client.post(`${ORG}/update-member-role`, {
    memberId: bobMember,
    role: ["admin", "member", "admin"],
    organizationId: ada.orgId,
  });
  assert.equal(both.status, 200, JSON.stringify(both.body));
  assert.equal(both.body.role, "admin,member");
  assert.equal((await memberRow(ada.orgId, bob.id)).role, "admin,member");
});

test("a member may not promote itself; an admin may not demote an owner nor make one", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const adaMember = (await memberRow(ada.orgId, ada.id)).id;
  const bobMember = await addMember(ada.orgId, bob, "member");
  const carlMember = await addMember(ada.orgId, carl, "admin");
  const org = ada.orgId;

  const before = await snapshot();
  const cases = [
    [bob, { memberId: bobMember, role: "admin", organizationId: org }],
    [bob, { memberId: bobMember, role: "owner", organizationId: org }],
    [bob, { memberId: carlMember, role: "member", organizationId: org }],
    [carl, { memberId: adaMember, role: "member", organizationId: org }],
    [carl, { memberId: adaMember, role: "admin", organizationId: org }],
    [carl, { memberId: bobMember, role: "owner", organizationId: org }],
    [carl, { memberId: carlMember, role: "owner", organizationId: org }],
  ];
  for (const [caller, body] of cases) {
    assertError(
      await caller.client.post(`${ORG}/update-member-role`, body),
      403,
      "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
    );
  }
  await assertUnchanged(before);

  // An admin may change a plain member's role.
  const byAdmin = await carl.client.post(`${ORG}/update-member-role`, { memberId: bobMember, role: "admin", organizationId: org });
  assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
  assert.equal((await memberRow(org, bob.id)).role, "admin");
});

test("the sole owner may not demote itself; with two owners one may demote the other", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const adaMember = (await memberRow(ada.orgId, ada.id)).id;
  const bobMember = await addMember(ada.orgId, bob, "member");
  const org = ada.orgId;

  const before = await snapshot();
  for (const role of ["admin", "member", ["admin", "member"]]) {
    assertError(
      await ada.client.post(`${ORG}/update-member-role`, { memberId: adaMember, role }),
      400,
      "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER",
    );
  }
  await assertUnchanged(before);

  // Keeping owner among the roles is not a demotion.
  const keeps = await ada.client.post(`${ORG}/update-member-role`, { memberId: adaMember, role: "owner,admin" });
  assert.equal(keeps.status, 200, JSON.stringify(keeps.body));
  assert.equal((await memberRow(org, ada.id)).role, "owner,admin");

  const promoted = await ada.client.post(`${ORG}/update-member-role`, { memberId: bobMember, role: "owner" });
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  assert.equal((await memberRow(org, bob.id)).role, "owner");

  const demoted = await bob.client.post(`${ORG}/update-member-role`, { memberId: adaMember, role: "member", organizationId: org });
  assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
  assert.equal(demoted.body.role, "member");
  assert.equal((await memberRow(org, ada.id)).role, "member");

  // Bob is now the only owner.
  const afterDemotion = await snapshot();
  assertError(
    await bob.client.post(`${ORG}/update-member-role`, { memberId: bobMember, role: "admin", organizationId: org }),
    400,
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER",
  );
  assertError(
    await ada.client.post(`${ORG}/update-member-role`, { memberId: bobMember, role: "member", organizationId: org }),
    403,
    "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
  );
  await assertUnchanged(afterDemotion);
});

test("update-member-role refuses unknown roles, unknown members, other organizations' members and non-members", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");
  const carlMember = await addMember(ada.orgId, carl, "member");
  const bobOwnMember = (await memberRow(bob.orgId, bob.id)).id;

  const before = await snapshot();
  assertError(await ada.client.post(`${ORG}/update-member-role`, { memberId: carlMember, role: "root" }), 400, "ROLE_NOT_FOUND");
  assertError(
    await ada.client.post(`${ORG}/update-member-role`, { memberId: carlMember, role: ["admin", "root"] }),
    400,
    "ROLE_NOT_FOUND",
  );
  const missingRole = await ada.client.post(`${ORG}/update-member-role`, { memberId: carlMember });
  assertError(missingRole, 400, "VALIDATION_ERROR");
  assert.match(missingRole.body.message, /role/);
  const emptyRole = await ada.client.post(`${ORG}/update-member-role`, { memberId: carlMember, role: "" });
  assertError(emptyRole, 400, "VALIDATION_ERROR");

  for (const [caller, body] of [
    [ada, { memberId: randomUUID(), role: "admin" }],
    [ada, { memberId: bobOwnMember, role: "member" }],
    [bob, { memberId: carlMember, role: "admin", organizationId: ada.orgId }],
  ]) {
    assertError(await caller.client.post(`${ORG}/update-member-role`, body), 400, "MEMBER_NOT_FOUND");
  }
  assertError(
    await new Client(worker).post(`${ORG}/update-member-role`, { memberId: carlMember, role: "admin", organizationId: ada.orgId }),
    401,
    "UNAUTHORIZED",
  );
  await assertUnchanged(before);
});

// ---------------------------------------------------------------- leave

test("a member leaves: the membership is gone and the session no longer points at the organization", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const invitation = await invite(ada, bob.email, "member");
  const accepted = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invitation.id });
  assert.equal(accepted.status, 200);
  assert.equal(await activeOrg(bob), ada.orgId);

  const response = await bob.client.post(`${ORG}/leave`, { organizationId: ada.orgId });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assertMemberWithUser(response.body, bob, { orgId: ada.orgId, role: "member" });
  assert.equal(response.body.id, accepted.body.member.id);

  assert.equal(await memberRow(ada.orgId, bob.id), null);
  assert.equal(await activeOrg(bob), null);
  assert.equal((await whoami(bob)).orgId, bob.orgId);
  assert.equal(await count(worker.db, "member", `"organizationId" = ?`, ada.orgId), 1);

  // Leaving again: no longer a member.
  const before = await snapshot();
  assertError(await bob.client.post(`${ORG}/leave`, { organizationId: ada.orgId }), 400, "MEMBER_NOT_FOUND");
  await assertUnchanged(before);
});

test("leave: the last owner may not, a non-member cannot, and one of two owners may", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const carl = await newUser("Carl");

  const before = await snapshot();
  assertError(
    await ada.client.post(`${ORG}/leave`, { organizationId: ada.orgId }),
    400,
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
  );
  assertError(await bob.client.post(`${ORG}/leave`, { organizationId: ada.orgId }), 400, "MEMBER_NOT_FOUND");
  assertError(await bob.client.post(`${ORG}/leave`, { organizationId: randomUUID() }), 400, "MEMBER_NOT_FOUND");
  const noOrg = await bob.client.post(`${ORG}/leave`, {});
  assertError(noOrg, 400, "VALIDATION_ERROR");
  assert.match(noOrg.body.message, /organizationId/);
  assertError(await new Client(worker).post(`${ORG}/leave`, { organizationId: ada.orgId }), 401, "UNAUTHORIZED");
  await assertUnchanged(before);
  assert.equal((await memberRow(ada.orgId, ada.id)).role, "owner");

  await addMember(ada.orgId, carl, "owner");
  const left = await ada.client.post(`${ORG}/leave`, { organizationId: ada.orgId });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  assert.equal(await memberRow(ada.orgId, ada.id), null);
  assert.equal(await activeOrg(ada), null);
  assert.equal((await memberRow(ada.orgId, carl.id)).role, "owner");
});

// ---------------------------------------------------------------- origin and sessions

test("a cookie-carrying POST from a foreign origin is refused with 403 INVALID_ORIGIN and changes nothing", async () => {
  const ada = await newUser("Ada");
  const bob = await newUser("Bob");
  const bobMember = await addMember(ada.orgId, bob, "member");
  const invitation = await invite(ada, uniqueEmail("carl"), "member");
  const evil = { headers: { origin: "https://evil.example" } };

  const before = await snapshot();
  const requests = [
    ["create", { name: "Evil", slug: uniqueSlug("evil") }],
    ["set-active", { organizationId: null }],
    ["invite-member", { email: uniqueEmail(), role: "admin" }],
    ["remove-member", { memberIdOrEmail: bobMember }],
    ["update-member-role", { memberId: bobMember, role: "admin" }],
    ["leave", { organizationId: ada.orgId }],
    ["accept-invitation", { invitationId: invitation.id }],
    ["reject-invitation", { invitationId: invitation.id }],
    ["cancel-invitation", { invitationId: invitation.id }],
    ["has-permission", { permissions: { member: ["delete"] } }],
  ];
  for (const [action, body] of requests) {
    const response = await ada.client.post(`${ORG}/${action}`, body, evil);
    assertError(response, 403, "INVALID_ORIGIN");
  }
  // With the cookie and no Origin or Referer at all.
  const bare = await worker.fetch(`${ORG}/cancel-invitation`, {
    method: "POST",
    headers: { cookie: ada.client.cookieHeader(), "content-type": "application/json" },
    body: JSON.stringify({ invitationId: invitation.id }),
  });
  assert.equal(bare.status, 403);
  assert.equal((await bare.json()).code, "MISSING_OR_NULL_ORIGIN");
  await assertUnchanged(before);
  assert.equal((await invitationRow(invitation.id)).status, "pending");

  // Reads are not origin-checked, and the own origin passes.
  const read = await ada.client.get(`${ORG}/list`, evil);
  assert.equal(read.status, 200);
  const own = await ada.client.post(`${ORG}/set-active`, { organizationId: ada.orgId }, { headers: { origin: ORIGIN } });
  assert.equal(own.status, 200);
});

test("every organization endpoint answers 401 UNAUTHORIZED without a session, and changes nothing", async () => {
  const ada = await newUser("Ada");
  const adaMember = (await memberRow(ada.orgId, ada.id)).id;
  const invitation = await invite(ada, uniqueEmail("bob"), "member");
  const anonymous = new Client(worker);

  const before = await snapshot();
  const gets = ["list", "get-full-organization", "list-members", "list-invitations", "list-user-invitations"];
  for (const action of gets) {
    assertError(await anonymous.get(`${ORG}/${action}?organizationId=${ada.orgId}`), 401, "UNAUTHORIZED");
  }
  const posts = [
    ["create", { name: "Anon", slug: uniqueSlug("anon") }],
    ["set-active", { organizationId: ada.orgId }],
    ["has-permission", { permissions: { ac: ["read"] }, organizationId: ada.orgId }],
    ["invite-member", { email: uniqueEmail(), role: "member", organizationId: ada.orgId }],
    ["accept-invitation", { invitationId: invitation.id }],
    ["reject-invitation", { invitationId: invitation.id }],
    ["cancel-invitation", { invitationId: invitation.id }],
    ["remove-member", { memberIdOrEmail: adaMember, organizationId: ada.orgId }],
    ["update-member-role", { memberId: adaMember, role: "member", organizationId: ada.orgId }],
    ["leave", { organizationId: ada.orgId }],
  ];
  for (const [action, body] of posts) {
    assertError(await anonymous.post(`${ORG}/${action}`, body), 401, "UNAUTHORIZED");
  }
  await assertUnchanged(before);
});
