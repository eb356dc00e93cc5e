// Compatibility with the real Better Auth 1.7.25, in both directions.
//
// A Better Auth instance (the `better-auth` npm package with its
// organization plugin) runs in this Node process on the SAME D1 database as
// the orgscope Worker, with the same secret and origin. Users, sessions,
// cookies and organizations made by one side must work on the other.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { verifyPassword, makeSignature } from "better-auth/crypto";
import { startWorker, SECRET, ORIGIN } from "./support/worker.mjs";
import {
  COOKIE_NAME,
  ID,
  ISO_DATE,
  PASSWORD_HASH,
  betterAuthFetch,
  hmacBase64,
  postJson,
  randomId,
  sessionCookieHeader,
  sessionCookieOf,
  splitSignedValue,
  startBetterAuth,
  uniqueEmail,
} from "./support/better-auth.mjs";

const PASSWORD = "correct horse battery staple";
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

let worker;
let auth;
before(async () => {
  worker = await startWorker();
  auth = startBetterAuth(worker.db);
});
after(() => worker.dispose());

// ---- the two sides -------------------------------------------------------

/** Signs up through orgscope; answers its body and session cookie. */
async function orgscopeSignUp(name, email, password = PASSWORD) {
  const response = await worker.fetch("/api/auth/sign-up/email", postJson({ name, email, password }));
  const body = await response.json();
  assert.equal(response.status, 200, `orgscope sign-up: ${JSON.stringify(body)}`);
  return { body, cookie: sessionCookieOf(response) };
}

/** Signs up through Better Auth; answers its body and session cookie. */
async function betterAuthSignUp(name, email, password = PASSWORD) {
  const response = await betterAuthFetch(auth, "/api/auth/sign-up/email", postJson({ name, email, password }));
  const body = await response.json();
  assert.equal(response.status, 200, `Better Auth sign-up: ${JSON.stringify(body)}`);
  return { body, cookie: sessionCookieOf(response) };
}

async function orgscopeGetSession(cookie) {
  const response = await worker.fetch("/api/auth/get-session", { headers: { cookie } });
  const text = await response.text();
  assert.equal(response.status, 200, `orgscope get-session: ${text}`);
  return JSON.parse(text);
}

async function row(sql, ...params) {
  return worker.db.prepare(sql).bind(...params).first();
}

// ---- 1. orgscope user -> Better Auth -------------------------------------

test("a user signed up through orgscope signs in through Better Auth, which accepts orgscope's session cookie", async () => {
  const email = uniqueEmail("os-to-ba");
  const { body: signUp, cookie } = await orgscopeSignUp("Ada Orgscope", email);
  assert.match(signUp.user.id, ID);
  assert.equal(signUp.user.email, email);

  // Better Auth verifies the password orgscope hashed.
  const signIn = await betterAuthFetch(auth, "/api/auth/sign-in/email", postJson({ email, password: PASSWORD }));
  const signInBody = await signIn.json();
  assert.equal(signIn.status, 200, `Better Auth sign-in: ${JSON.stringify(signInBody)}`);
  assert.equal(signInBody.user.id, signUp.user.id);
  assert.equal(signInBody.user.email, email);
  assert.equal(signInBody.user.name, "Ada Orgscope");
  assert.equal(signInBody.user.emailVerified, false);
  assert.match(signInBody.token, ID);
  sessionCookieOf(signIn);

  // ... and still refuses a wrong one, so the success above is meaningful.
  const wrong = await betterAuthFetch(auth, "/api/auth/sign-in/email", postJson({ email, password: `${PASSWORD}!` }));
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).code, "INVALID_EMAIL_OR_PASSWORD");

  // Better Auth's getSession reads orgscope's cookie and session row.
  const session = await auth.api.getSession({ headers: new Headers({ cookie: cookie.pair }) });
  assert.ok(session, "Better Auth's getSession answered null for orgscope's cookie");
  assert.equal(session.user.id, signUp.user.id);
  assert.equal(session.user.email, email);
  assert.equal(session.session.token, signUp.token);
  assert.equal(session.session.userId, signUp.user.id);
  assert.ok(session.session.expiresAt instanceof Date);
  assert.ok(
    Math.abs(session.session.expiresAt.getTime() - (Date.now() + WEEK_MS)) < 60_000,
    `expiresAt ${session.session.expiresAt.toISOString()} is not about a week away`,
  );

  // The same through Better Auth's HTTP route.
  const viaHttp = await betterAuthFetch(auth, "/api/auth/get-session", { headers: { cookie: cookie.pair } });
  assert.equal(viaHttp.status, 200);
  const viaHttpBody = await viaHttp.json();
  assert.ok(viaHttpBody, "Better Auth's /get-session answered null for orgscope's cookie");
  assert.equal(viaHttpBody.user.email, email);
  assert.equal(viaHttpBody.session.token, signUp.token);

  // A cookie with the signature tampered is refused by Better Auth.
  const { token } = splitSignedValue(cookie.value);
  const forged = sessionCookieHeader(token, "some-other-secret-0123456789abcdef");
  assert.equal(await auth.api.getSession({ headers: new Headers({ cookie: forged }) }), null);
});

// ---- 2. Better Auth user -> orgscope -------------------------------------

test("a user signed up through Better Auth signs in through orgscope, which accepts Better Auth's session cookie", async () => {
  const email = uniqueEmail("ba-to-os");
  const { body: signUp, cookie } = await betterAuthSignUp("Grace Better", email);
  assert.match(signUp.user.id, ID);

  // orgscope verifies the password Better Auth hashed.
  const signIn = await worker.fetch("/api/auth/sign-in/email", postJson({ email, password: PASSWORD }));
  const signInBody = await signIn.json();
  assert.equal(signIn.status, 200, `orgscope sign-in: ${JSON.stringify(signInBody)}`);
  assert.equal(signInBody.redirect, false);
  assert.equal(signInBody.user.id, signUp.user.id);
  assert.equal(signInBody.user.email, email);
  assert.match(signInBody.token, ID);
  const orgscopeCookie = sessionCookieOf(signIn);
  assert.equal(splitSignedValue(orgscopeCookie.value).token, signInBody.token);

  // ... and refuses a wrong one.
  const wrong = await worker.fetch("/api/auth/sign-in/email", postJson({ email, password: `${PASSWORD}!` }));
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).code, "INVALID_EMAIL_OR_PASSWORD");

  // orgscope's get-session reads Better Auth's cookie and session row.
  const session = await orgscopeGetSession(cookie.pair);
  assert.ok(session, "orgscope's get-session answered null for Better Auth's cookie");
  assert.equal(session.user.email, email);
  assert.equal(session.user.id, signUp.user.id);
  assert.equal(session.user.name, "Grace Better");
  assert.equal(session.user.emailVerified, false);
  assert.equal(session.session.token, signUp.token);
  assert.equal(session.session.userId, signUp.user.id);
  assert.match(session.session.expiresAt, ISO_DATE);
  assert.match(session.session.createdAt, ISO_DATE);

  // The session orgscope made at sign-in is readable by Better Auth too.
  const back = await auth.api.getSession({ headers: new Headers({ cookie: orgscopeCookie.pair }) });
  assert.ok(back, "Better Auth's getSession answered null for orgscope's sign-in cookie");
  assert.equal(back.user.id, signUp.user.id);
  assert.equal(back.session.token, signInBody.token);
});

// ---- 3. the rows orgscope writes ----------------------------------------

test("rows orgscope writes have ISO-8601 dates, 0/1 booleans and a Better Auth credential account", async () => {
  const email = uniqueEmail("rows");
  const { body: signUp } = await orgscopeSignUp("Rosalind Rows", email);
  const userId = signUp.user.id;

  const user = await row(`select * from "user" where "id" = ?`, userId);
  assert.ok(user, "no user row");
  assert.equal(user.email, email);
  assert.equal(user.name, "Rosalind Rows");
  assert.equal(user.emailVerified, 0);
  assert.equal(user.image, null);
  assert.match(user.createdAt, ISO_DATE);
  assert.match(user.updatedAt, ISO_DATE);
  assert.ok(Math.abs(Date.parse(user.createdAt) - Date.now()) < 60_000);

  const session = await row(`select * from "session" where "token" = ?`, signUp.token);
  assert.ok(session, "no session row for the token orgscope answered");
  assert.match(session.id, ID);
  assert.equal(session.userId, userId);
  for (const column of ["expiresAt", "createdAt", "updatedAt"]) assert.match(session[column], ISO_DATE, column);
  const lifetime = Date.parse(session.expiresAt) - Date.parse(session.createdAt);
  assert.ok(Math.abs(lifetime - WEEK_MS) < 5_000, `session lasts ${lifetime} ms, not 7 days`);

  const account = await row(`select * from "account" where "userId" = ?`, userId);
  assert.ok(account, "no account row");
  assert.match(account.id, ID);
  assert.equal(account.providerId, "credential");
  assert.equal(account.accountId, userId);
  assert.match(account.password, PASSWORD_HASH);
  assert.match(account.createdAt, ISO_DATE);
  assert.match(account.updatedAt, ISO_DATE);
  for (const column of ["accessToken", "refreshToken", "idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "scope"]) {
    assert.equal(account[column], null, column);
  }
  assert.equal(await verifyPassword({ hash: account.password, password: PASSWORD }), true);
  assert.equal(await verifyPassword({ hash: account.password, password: `${PASSWORD}!` }), false);

  // The personal organization of the sign-up, and one made by create.
  const personal = await row(
    `select o.*, m."id" as "memberId", m."role", m."createdAt" as "memberCreatedAt"
       from "member" m join "organization" o on o."id" = m."organizationId"
      where m."userId" = ?`,
    userId,
  );
  assert.ok(personal, "orgscope's sign-up made no organization membership");
  assert.match(personal.id, ID);
  assert.match(personal.memberId, ID);
  assert.equal(personal.role, "owner");
  assert.match(personal.createdAt, ISO_DATE);
  assert.match(personal.memberCreatedAt, ISO_DATE);

  const slug = `rows-${randomId().toLowerCase().slice(0, 10)}`;
  const created = await worker.fetch(
    "/api/auth/organization/create",
    postJson({ name: "Rows Inc", slug, metadata: { plan: "pro" } }, sessionCookieHeader(signUp.token)),
  );
  const createdBody = await created.json();
  assert.equal(created.status, 200, `orgscope organization/create: ${JSON.stringify(createdBody)}`);
  const organization = await row(`select * from "organization" where "slug" = ?`, slug);
  assert.ok(organization, "no organization row");
  assert.equal(organization.id, createdBody.id);
  assert.equal(organization.name, "Rows Inc");
  assert.equal(organization.logo, null);
  assert.match(organization.createdAt, ISO_DATE);
  assert.deepEqual(JSON.parse(organization.metadata), { plan: "pro" });
  const member = await row(`select * from "member" where "organizationId" = ?`, organization.id);
  assert.ok(member, "no member row");
  assert.match(member.id, ID);
  assert.equal(member.userId, userId);
  assert.equal(member.role, "owner");
  assert.match(member.createdAt, ISO_DATE);
});

// ---- 4. cookie signing ---------------------------------------------------

test("orgscope accepts a Better Auth–format session row with a cookie signed by node:crypto, and signs its own cookies the same way", async () => {
  const email = uniqueEmail("cookie");
  const { body: signUp, cookie } = await orgscopeSignUp("Carl Cookie", email);

  // orgscope's cookie: token + "." + base64(HMAC-SHA256(SECRET, token)), URL-encoded.
  const { token, signature } = splitSignedValue(cookie.value);
  assert.equal(token, signUp.token);
  assert.equal(signature, hmacBase64(token));
  assert.equal(signature, await makeSignature(token, SECRET));
  assert.equal(signature.length, 44);
  assert.equal(cookie.value, encodeURIComponent(`${token}.${signature}`));
  const attributes = cookie.attributes.map((attribute) => attribute.toLowerCase());
  for (const expected of ["httponly", "samesite=lax", "path=/", "max-age=604800"]) {
    assert.ok(attributes.includes(expected), `cookie lacks ${expected}: ${cookie.header}`);
  }

  // A session row written directly in Better Auth's format, and a cookie
  // signed with node:crypto rather than by either implementation.
  const now = Date.now();
  const sessionId = randomId();
  const sessionToken = randomId();
  await worker.db
    .prepare(
      `insert into "session" ("id", "expiresAt", "token", "createdAt", "updatedAt",
                              "ipAddress", "userAgent", "userId", "activeOrganizationId")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      sessionId,
      new Date(now + WEEK_MS).toISOString(),
      sessionToken,
      new Date(now).toISOString(),
      new Date(now).toISOString(),
      "203.0.113.7",
      "compat-test",
      signUp.user.id,
      null,
    )
    .run();

  const session = await orgscopeGetSession(sessionCookieHeader(sessionToken));
  assert.ok(session, "orgscope's get-session answered null for a node:crypto-signed cookie");
  assert.equal(session.session.id, sessionId);
  assert.equal(session.session.token, sessionToken);
  assert.equal(session.session.userId, signUp.user.id);
  assert.equal(session.session.expiresAt, new Date(now + WEEK_MS).toISOString());
  assert.equal(session.session.createdAt, new Date(now).toISOString());
  assert.equal(session.session.ipAddress, "203.0.113.7");
  assert.equal(session.session.userAgent, "compat-test");
  assert.equal(session.user.email, email);

  // The same token under another secret is not a session.
  const forged = await orgscopeGetSession(sessionCookieHeader(sessionToken, "some-other-secret-0123456789abcdef"));
  assert.equal(forged, null);

  // A session Better Auth itself creates (through its internal adapter) works too.
  const context = await auth.$context;
  const made = await context.internalAdapter.createSession(signUp.user.id);
  assert.match(made.token, ID);
  const stored = await row(`select * from "session" where "token" = ?`, made.token);
  assert.match(stored.expiresAt, ISO_DATE);
  const viaBetterAuthRow = await orgscopeGetSession(sessionCookieHeader(made.token));
  assert.ok(viaBetterAuthRow, "orgscope's get-session answered null for a session Better Auth created");
  assert.equal(viaBetterAuthRow.session.id, made.id);
  assert.equal(viaBetterAuthRow.user.id, signUp.user.id);
});

// ---- 5. organizations ----------------------------------------------------

test("organizations made by one side are listed by the other", async () => {
  // Better Auth's organization plugin creates an organization...
  const baEmail = uniqueEmail("ba-org");
  const { body: baUser, cookie: baCookie } = await betterAuthSignUp("Barbara Org", baEmail);
  const slug = `ba-org-${randomId().toLowerCase().slice(0, 10)}`;
  const created = await betterAuthFetch(
    auth,
    "/api/auth/organization/create",
    postJson({ name: "Better Org", slug, metadata: { source: "better-auth" } }, baCookie.pair),
  );
  const baOrg = await created.json();
  assert.equal(created.status, 200, `Better Auth organization/create: ${JSON.stringify(baOrg)}`);
  assert.equal(baOrg.members[0].userId, baUser.user.id);
  assert.equal(baOrg.members[0].role, "owner");

  // ... and orgscope lists it for that user's Better Auth cookie.
  const listed = await worker.fetch("/api/auth/organization/list", { headers: { cookie: baCookie.pair } });
  const listedBody = await listed.json();
  assert.equal(listed.status, 200, `orgscope organization/list: ${JSON.stringify(listedBody)}`);
  assert.ok(Array.isArray(listedBody), "organization/list is not an array");
  const found = listedBody.find((org) => org.id === baOrg.id);
  assert.ok(found, `orgscope does not list Better Auth's organization: ${JSON.stringify(listedBody)}`);
  assert.equal(found.name, "Better Org");
  assert.equal(found.slug, slug);
  assert.equal(found.createdAt, baOrg.createdAt);
  assert.deepEqual(JSON.parse(found.metadata), { source: "better-auth" });

  // orgscope's full view of it shows Better Auth's owner.
  const full = await worker.fetch(
    `/api/auth/organization/get-full-organization?organizationId=${encodeURIComponent(baOrg.id)}`,
    { headers: { cookie: baCookie.pair } },
  );
  const fullBody = await full.json();
  assert.equal(full.status, 200, `orgscope get-full-organization: ${JSON.stringify(fullBody)}`);
  assert.equal(fullBody.id, baOrg.id);
  assert.equal(fullBody.members.length, 1);
  assert.equal(fullBody.members[0].role, "owner");
  assert.equal(fullBody.members[0].user.email, baEmail);

  // The other way: orgscope's sign-up makes a personal organization...
  const osEmail = uniqueEmail("os-org");
  const { body: osUser, cookie: osCookie } = await orgscopeSignUp("Oscar Org", osEmail);
  const membership = await row(`select "organizationId" from "member" where "userId" = ?`, osUser.user.id);
  assert.ok(membership, "orgscope's sign-up made no organization");
  const headers = new Headers({ cookie: osCookie.pair });

  // ... which Better Auth lists and reads in full for orgscope's cookie.
  const baList = await auth.api.listOrganizations({ headers });
  assert.ok(Array.isArray(baList));
  assert.deepEqual(
    baList.map((org) => org.id),
    [membership.organizationId],
  );
  assert.ok(baList[0].createdAt instanceof Date && !Number.isNaN(baList[0].createdAt.getTime()));

  const baFull = await auth.api.getFullOrganization({
    headers,
    query: { organizationId: membership.organizationId },
  });
  assert.ok(baFull, "Better Auth's getFullOrganization answered null");
  assert.equal(baFull.id, membership.organizationId);
  assert.equal(baFull.members.length, 1);
  assert.equal(baFull.members[0].userId, osUser.user.id);
  assert.equal(baFull.members[0].role, "owner");
  assert.equal(baFull.members[0].user.email, osEmail);

  // Over HTTP, and with the active organization orgscope set on its session.
  const baListHttp = await betterAuthFetch(auth, "/api/auth/organization/list", { headers: { cookie: osCookie.pair } });
  assert.equal(baListHttp.status, 200);
  assert.deepEqual(
    (await baListHttp.json()).map((org) => org.id),
    [membership.organizationId],
  );
  const baActive = await auth.api.getFullOrganization({ headers });
  assert.ok(baActive, "Better Auth sees no active organization on orgscope's session");
  assert.equal(baActive.id, membership.organizationId);

  // Neither side leaks the other user's organization.
  assert.ok(!baList.some((org) => org.id === baOrg.id));
  assert.ok(!listedBody.some((org) => org.id === membership.organizationId));
});
