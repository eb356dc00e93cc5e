// The AuthContext: built from the cookie or bearer token on every protected
// request, bound to one organization, and refused when it cannot be built.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import { Client, signUp, count } from "./support/client.mjs";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker.dispose());

async function personalOrganization(userId) {
  const row = await worker.db.prepare(`select "organizationId" as id from member where "userId" = ? order by "createdAt" limit 1`).bind(userId).first();
  return row.id;
}

test("whoami answers the context of the session", async () => {
  const { client, user, email } = await signUp(worker);
  const response = await client.get("/api/whoami");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-d1-round-trips"), "1", "the context costs one D1 round trip");
  assert.deepEqual(response.body, {
    userId: user.id,
    email,
    orgId: await personalOrganization(user.id),
    roles: ["owner"],
  });
});

test("no session, a forged cookie or an unknown token answers 401 UNAUTHORIZED", async () => {
  const { client } = await signUp(worker);
  const valid = client.cookies.get("better-auth.session_token");
  const forged = valid.replace(/%3D$/, "").slice(0, -2) + "AA%3D";
  for (const cookie of [undefined, `better-auth.session_token=${forged}`, "better-auth.session_token=garbage"]) {
    const headers = cookie ? { cookie } : {};
    const response = await worker.fetch("/api/whoami", { headers });
    assert.equal(response.status, 401, String(cookie));
    assert.equal((await response.json()).code, "UNAUTHORIZED");
  }
});

test("a user with no membership left answers 403", async () => {
  const { client, user } = await signUp(worker);
  await worker.db.prepare(`delete from member where "userId" = ?`).bind(user.id).run();
  const response = await client.get("/api/whoami");
  assert.equal(response.status, 403);
  assert.equal(response.body.code, "NO_ACTIVE_ORGANIZATION");
  assert.match(response.body.message, /not a member of any organization/);
});

test("an expired session answers 401 and its row is removed", async () => {
  const { client, token } = await signUp(worker);
  await worker.db.prepare(`update session set "expiresAt" = ? where token = ?`).bind(new Date(Date.now() - 1).toISOString(), token).run();
  const response = await client.get("/api/whoami");
  assert.equal(response.status, 401);
  assert.equal(await count(worker.db, "session", "token = ?", token), 0);
});

test("set-active switches the organization of the next request", async () => {
  const { client, user } = await signUp(worker);
  const personal = await personalOrganization(user.id);
  const created = await client.post("/api/auth/organization/create", {
    name: "Second",
    slug: `second-${Date.now()}`,
    keepCurrentActiveOrganization: true,
  });
  assert.equal(created.status, 200);
  assert.equal((await client.get("/api/whoami")).body.orgId, personal);

  const switched = await client.post("/api/auth/organization/set-active", { organizationId: created.body.id });
  assert.equal(switched.status, 200);
  assert.equal(switched.body.id, created.body.id);
  assert.equal((await client.get("/api/whoami")).body.orgId, created.body.id);

  const back = await client.post("/api/auth/organization/set-active", { organizationId: personal });
  assert.equal(back.status, 200);
  assert.equal((await client.get("/api/whoami")).body.orgId, personal);
});

test("when the active organization's membership is gone, the most recent membership is used", async () => {
  const { client, user } = await signUp(worker);
  const personal = await personalOrganization(user.id);
  const first = await client.post("/api/auth/organization/create", { name: "First", slug: `first-${Date.now()}` });
  const second = await client.post("/api/auth/organization/create", { name: "Latest", slug: `latest-${Date.now()}` });
  await client.post("/api/auth/organization/set-active", { organizationId: first.body.id });
  assert.equal((await client.get("/api/whoami")).body.orgId, first.body.id);

  await worker.db.prepare(`delete from member where "organizationId" = ? and "userId" = ?`).bind(first.body.id, user.id).run();
  const response = await client.get("/api/whoami");
  assert.equal(response.status, 200);
  assert.equal(response.body.orgId, second.body.id);
  assert.notEqual(response.body.orgId, personal);
});

test("roles come from member.role, comma-joined", async () => {
  const { client, user } = await signUp(worker);
  await worker.db.prepare(`update member set role = 'admin,member' where "userId" = ?`).bind(user.id).run();
  const response = await client.get("/api/whoami");
  assert.deepEqual(response.body.roles, ["admin", "member"]);
});

test("a session of a deleted user answers 401", async () => {
  const { client, user } = await signUp(worker);
  await worker.db.prepare(`delete from "user" where id = ?`).bind(user.id).run();
  const response = await client.get("/api/whoami");
  assert.equal(response.status, 401);
});

test("whoami accepts a bearer token from sign-in for agents", async () => {
  const { email, password, user } = await signUp(worker);
  const agent = new Client(worker, { origin: null });
  const signIn = await agent.post("/api/auth/sign-in/email", { email, password });
  agent.cookies.clear();
  agent.bearer = signIn.body.token;
  const response = await agent.get("/api/whoami");
  assert.equal(response.status, 200);
  assert.equal(response.body.userId, user.id);
});
