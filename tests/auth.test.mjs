// Sign-up, sign-in, sign-out and get-session: Better Auth's endpoints, with
// their bodies, answers, cookies and error codes, and what each leaves in D1.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startWorker, SECRET, ORIGIN } from "./support/worker.mjs";
import { Client, signUp, uniqueEmail, count } from "./support/client.mjs";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker.dispose());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function rowCounts() {
  const tables = ["user", "account", "organization", "member", "session"];
  return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(worker.db, t)])));
}

test("sign-up creates user, account, personal organization, owner membership and session", async () => {
  const email = uniqueEmail("ada");
  const client = new Client(worker);
  const response = await client.post("/api/auth/sign-up/email", {
    name: "Ada Lovelace",
    email: email.toUpperCase(),
    password: "analytical engine",
  });
  assert.equal(response.status, 200);
  // Everything in one atomic batch of five statements.
  assert.equal(response.headers.get("x-d1-round-trips"), "1");
  assert.equal(response.headers.get("x-d1-statements"), "5");
  const { token, user } = response.body;
  assert.match(token, /^[A-Za-z0-9]{32}$/);
  assert.equal(user.email, email, "emails are lowercased");
  assert.equal(user.name, "Ada Lovelace");
  assert.equal(user.emailVerified, false);
  assert.equal(user.image, null);
  assert.match(user.createdAt, ISO);

  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token="));
  assert.match(cookie, /; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/);
  const value = decodeURIComponent(cookie.split(";")[0].split("=")[1]);
  const signature = createHmac("sha256", SECRET).update(token).digest("base64");
  assert.equal(value, `${token}.${signature}`);

  const account = await worker.db.prepare(`select * from account where "userId" = ?`).bind(user.id).first();
  assert.equal(account.providerId, "credential");
  assert.equal(account.accountId, user.id);
  assert.match(account.password, /^[0-9a-f]{32}:[0-9a-f]{128}$/);

  const member = await worker.db
    .prepare(`select m.role, o.name, o.slug, o.id from member m join organization o on o.id = m."organizationId" where m."userId" = ?`)
    .bind(user.id)
    .all();
  assert.equal(member.results.length, 1);
  assert.equal(member.results[0].role, "owner");
  assert.equal(member.results[0].name, "Ada Lovelace's organization");
  assert.match(member.results[0].slug, /^ada-lovelace-[a-z0-9]{8}$/);

  const session = await worker.db.prepare(`select * from session where token = ?`).bind(token).first();
  assert.equal(session.userId, user.id);
  assert.equal(session.activeOrganizationId, member.results[0].id);
  const lifetime = Date.parse(session.expiresAt) - Date.parse(session.createdAt);
  assert.equal(lifetime, 7 * 24 * 3600 * 1000);
});

test("sign-up refuses bad fields with 400 naming the field, and writes nothing", async () => {
  const before = await rowCounts();
  const cases = [
    [{ email: uniqueEmail(), password: "long enough" }, "VALIDATION_ERROR", /name/],
    [{ name: "   ", email: uniqueEmail(), password: "long enough" }, "VALIDATION_ERROR", /name/],
    [{ name: "A", email: "not-an-email", password: "long enough" }, "VALIDATION_ERROR", /email/],
    [{ name: "A", email: uniqueEmail(), password: "short" }, "PASSWORD_TOO_SHORT", /password/],
    [{ name: "A", email: uniqueEmail(), password: "x".repeat(129) }, "PASSWORD_TOO_LONG", /password/],
    [{ name: "A", email: uniqueEmail(), password: 12345678 }, "VALIDATION_ERROR", /password/],
  ];
  for (const [body, code, field] of cases) {
    const response = await new Client(worker).post("/api/auth/sign-up/email", body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.body.code, code, JSON.stringify(body));
    assert.match(response.body.message, field);
  }
  assert.deepEqual(await rowCounts(), before);
});

test("signing up an existing email answers 422 and adds no rows", async () => {
  const { email } = await signUp(worker);
  const before = await rowCounts();
  const response = await new Client(worker).post("/api/auth/sign-up/email", {
    name: "Again",
    email: email.toUpperCase(),
    password: "another password",
  });
  assert.equal(response.status, 422);
  assert.equal(response.body.code, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
  assert.deepEqual(await rowCounts(), before);
});

test("racing sign-ups for one email create exactly one user and no orphans", async () => {
  const email = uniqueEmail("race");
  const before = await rowCounts();
  const responses = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      new Client(worker).post("/api/auth/sign-up/email", { name: `Racer ${i}`, email, password: "same password" }),
    ),
  );
  const statuses = responses.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 422, 422, 422, 422]);
  for (const r of responses.filter((r) => r.status === 422)) {
    assert.equal(r.body.code, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
  }
  const after = await rowCounts();
  for (const table of Object.keys(before)) assert.equal(after[table], before[table] + 1, table);
});

test("a sign-up whose batch fails leaves no rows at all", async () => {
  // Make the fourth statement of the batch (the owner membership) fail.
  await worker.db.prepare(`create trigger fail_member before insert on member begin select raise(abort, 'forced'); end`).run();
  try {
    const before = await rowCounts();
    const response = await new Client(worker).post("/api/auth/sign-up/email", {
      name: "Doomed",
      email: uniqueEmail("doomed"),
      password: "long enough",
    });
    assert.equal(response.status, 500);
    assert.deepEqual(response.body, {
      code: "INTERNAL_SERVER_ERROR",
      message: "the server could not complete the request",
    });
    assert.deepEqual(await rowCounts(), before);
  } finally {
    await worker.db.prepare(`drop trigger fail_member`).run();
  }
});

test("sign-in answers {redirect, token, user}, and a new session with the organization active", async () => {
  const { email, password, user } = await signUp(worker);
  const client = new Client(worker);
  const response = await client.post("/api/auth/sign-in/email", { email: email.toUpperCase(), password });
  assert.equal(response.status, 200);
  // The user with their credential, then the new session.
  assert.equal(response.headers.get("x-d1-round-trips"), "2");
  assert.equal(response.body.redirect, false);
  assert.equal(response.body.user.id, user.id);
  const session = await worker.db.prepare(`select * from session where token = ?`).bind(response.body.token).first();
  const membership = await worker.db.prepare(`select "organizationId" from member where "userId" = ?`).bind(user.id).first();
  assert.equal(session.activeOrganizationId, membership.organizationId);
  assert.ok(client.cookies.has("better-auth.session_token"));
});

test("sign-in refuses a wrong password and an unknown email alike", async () => {
  const { email } = await signUp(worker);
  const sessions = await count(worker.db, "session");
  const wrong = await new Client(worker).post("/api/auth/sign-in/email", { email, password: "wrong password" });
  const unknown = await new Client(worker).post("/api/auth/sign-in/email", { email: uniqueEmail("nobody"), password: "whatever1" });
  for (const response of [wrong, unknown]) {
    assert.equal(response.status, 401);
    assert.deepEqual(response.body, { code: "INVALID_EMAIL_OR_PASSWORD", message: "invalid email or password" });
  }
  assert.equal(await count(worker.db, "session"), sessions);
  const badEmail = await new Client(worker).post("/api/auth/sign-in/email", { email: "nope", password: "whatever1" });
  assert.equal(badEmail.status, 400);
  assert.equal(badEmail.body.code, "INVALID_EMAIL");
});

test("rememberMe false makes a one-day session and a browser-session cookie", async () => {
  const { email, password } = await signUp(worker);
  const client = new Client(worker);
  const response = await client.post("/api/auth/sign-in/email", { email, password, rememberMe: false });
  assert.equal(response.status, 200);
  const cookies = response.headers.getSetCookie();
  const session = cookies.find((c) => c.startsWith("better-auth.session_token="));
  assert.doesNotMatch(session, /Max-Age/);
  const flag = cookies.find((c) => c.startsWith("better-auth.dont_remember="));
  const flagValue = decodeURIComponent(flag.split(";")[0].split("=")[1]);
  assert.equal(flagValue, `true.${createHmac("sha256", SECRET).update("true").digest("base64")}`);
  const row = await worker.db.prepare(`select * from session where token = ?`).bind(response.body.token).first();
  assert.equal(Date.parse(row.expiresAt) - Date.parse(row.createdAt), 24 * 3600 * 1000);

  // Such a session is never extended by get-session.
  const old = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
  await worker.db.prepare(`update session set "updatedAt" = ?, "expiresAt" = ? where token = ?`)
    .bind(old, new Date(Date.now() + 3600 * 1000).toISOString(), response.body.token).run();
  const read = await client.get("/api/auth/get-session");
  assert.equal(read.status, 200);
  assert.equal(read.headers.getSetCookie().length, 0);
});

test("get-session answers {session, user}, or null without a session", async () => {
  const { client, user, token } = await signUp(worker);
  const response = await client.get("/api/auth/get-session");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(response.body.user.id, user.id);
  assert.equal(response.body.session.token, token);
  assert.equal(response.body.session.userId, user.id);
  assert.match(response.body.session.expiresAt, ISO);
  assert.equal(response.headers.getSetCookie().length, 0, "a fresh session is not refreshed");

  const anonymous = await new Client(worker).get("/api/auth/get-session");
  assert.equal(anonymous.status, 200);
  assert.equal(anonymous.body, null);
});

test("get-session extends a session last refreshed over a day ago", async () => {
  const { client, token } = await signUp(worker);
  const soon = new Date(Date.now() + 5 * 24 * 3600 * 1000).toISOString();
  await worker.db.prepare(`update session set "expiresAt" = ? where token = ?`).bind(soon, token).run();
  const response = await client.get("/api/auth/get-session");
  assert.equal(response.status, 200);
  const expiresAt = Date.parse(response.body.session.expiresAt);
  assert.ok(Math.abs(expiresAt - (Date.now() + 7 * 24 * 3600 * 1000)) < 60_000);
  const row = await worker.db.prepare(`select "expiresAt" from session where token = ?`).bind(token).first();
  assert.equal(row.expiresAt, response.body.session.expiresAt);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token="));
  assert.match(cookie, /Max-Age=604800/);
});

test("an expired session reads as null, is deleted, and its cookies are cleared", async () => {
  const { client, token } = await signUp(worker);
  const past = new Date(Date.now() - 1000).toISOString();
  await worker.db.prepare(`update session set "expiresAt" = ? where token = ?`).bind(past, token).run();
  const response = await client.get("/api/auth/get-session");
  assert.equal(response.status, 200);
  assert.equal(response.body, null);
  assert.ok(response.headers.getSetCookie().some((c) => /^better-auth.session_token=;.*Max-Age=0/.test(c)));
  assert.equal(await count(worker.db, "session", "token = ?", token), 0);
});

test("sign-out deletes the session and clears the cookie", async () => {
  const { client, token } = await signUp(worker);
  const response = await client.post("/api/auth/sign-out", {});
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, { success: true });
  assert.equal(await count(worker.db, "session", "token = ?", token), 0);
  assert.equal(client.cookies.size, 0);
  const after = await client.get("/api/whoami");
  assert.equal(after.status, 401);
});

test("a bearer token, raw or signed, authenticates like the cookie", async () => {
  const { token, user } = await signUp(worker);
  const signed = encodeURIComponent(`${token}.${createHmac("sha256", SECRET).update(token).digest("base64")}`);
  for (const credential of [token, signed]) {
    const response = await worker.fetch("/api/whoami", { headers: { authorization: `Bearer ${credential}` } });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).userId, user.id);
  }
  const wrong = await worker.fetch("/api/whoami", { headers: { authorization: `Bearer ${"x".repeat(32)}` } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("www-authenticate"), "Bearer");
});

test("over https the cookie is __Secure- prefixed and Secure", async () => {
  const response = await worker.fetch(new URL("/api/auth/sign-up/email", "https://orgscope.example"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Secure", email: uniqueEmail("secure"), password: "long enough" }),
  });
  assert.equal(response.status, 200);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("__Secure-better-auth.session_token="));
  assert.ok(cookie, response.headers.getSetCookie().join("\n"));
  assert.match(cookie, /; Secure$/);
});

test("cookie-carrying POSTs from an untrusted or missing origin are refused", async () => {
  const { client } = await signUp(worker);
  const organizations = await count(worker.db, "organization");
  const evil = await client.post("/api/auth/organization/create", { name: "X", slug: "x-evil" }, { headers: { origin: "https://evil.example" } });
  assert.equal(evil.status, 403);
  assert.equal(evil.body.code, "INVALID_ORIGIN");
  const missing = await client.post("/api/auth/organization/create", { name: "X", slug: "x-missing" }, { headers: { origin: "" } });
  assert.equal(missing.status, 403);
  assert.equal(missing.body.code, "MISSING_OR_NULL_ORIGIN");
  assert.equal(await count(worker.db, "organization"), organizations);
  const own = await client.post("/api/auth/organization/create", { name: "X", slug: "x-own" }, { headers: { origin: ORIGIN } });
  assert.equal(own.status, 200);
});

test("a sign-in posted from a foreign page is refused even without a cookie", async () => {
  const { email, password } = await signUp(worker);
  const response = await new Client(worker, { origin: "https://evil.example" }).post("/api/auth/sign-in/email", { email, password });
  assert.equal(response.status, 403);
  assert.equal(response.body.code, "INVALID_ORIGIN");
});

test("without BETTER_AUTH_SECRET, requests that need it fail with a logged server error", async () => {
  const bare = await startWorker({ bindings: { BETTER_AUTH_SECRET: undefined } });
  try {
    const users = await count(bare.db, "user");
    const response = await new Client(bare).post("/api/auth/sign-up/email", {
      name: "No Secret",
      email: uniqueEmail("nosecret"),
      password: "long enough",
    });
    assert.equal(response.status, 500);
    assert.equal(response.body.code, "INTERNAL_SERVER_ERROR");
    assert.doesNotMatch(response.body.message, /SECRET/);
    assert.equal(await count(bare.db, "user"), users, "nothing was written");
    const health = await bare.fetch("/health");
    assert.equal(health.status, 200);
  } finally {
    await bare.dispose();
  }
});

test("repeated sign-ins for one email are refused with 429 and Retry-After", async () => {
  const { email, password } = await signUp(worker);
  const other = await signUp(worker);
  // The limiter's windows are fixed minutes: start early in one.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
  const sessions = await count(worker.db, "session");
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    const response = await new Client(worker).post("/api/auth/sign-in/email", { email, password: "wrong password" });
    statuses.push(response.status);
    if (response.status === 429) {
      assert.equal(response.body.code, "TOO_MANY_REQUESTS");
      assert.equal(response.headers.get("retry-after"), "60");
    }
  }
  assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
  // The right password is refused too while the window lasts.
  const locked = await new Client(worker).post("/api/auth/sign-in/email", { email, password });
  assert.equal(locked.status, 429);
  assert.equal(await count(worker.db, "session"), sessions);
  // Another email is not affected.
  const fine = await new Client(worker).post("/api/auth/sign-in/email", { email: other.email, password: other.password });
  assert.equal(fine.status, 200);
});
