// Hostile credentials: cookies and bearer tokens that are missing, empty,
// forged, swapped, cut, re-encoded, oversized, non-ASCII or tampered with,
// and sessions that ended (deleted user, expiry, sign-out, removal from the
// organization). Each is tried against GET /api/whoami, a writing tool
// (POST /api/tools/create_dashboard) and MCP (POST /mcp tools/call), and
// each must answer 401 UNAUTHORIZED (403 once the user belongs to no
// organization) with a body of exactly {code, message}, and leave D1 as it
// was.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import {
  ORIGIN,
  assertError,
  assertMcpToolError,
  assertUnchanged,
  mcpCall,
  newUser,
  ok,
  raw,
  sign,
  signedCookie,
  snapshot,
  world,
} from "./support/hostile.mjs";

const COOKIE = "better-auth.session_token";
const SECURE_COOKIE = "__Secure-better-auth.session_token";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

// ---------------------------------------------------------------- helpers

function cookie(value, name = COOKIE) {
  return { cookie: `${name}=${value}` };
}

function bearer(value) {
  return { authorization: `Bearer ${value}` };
}

/**
 * The three protected targets, each sent with `headers` as the only
 * credential; `first` is asked first.
 */
async function hitAll(headers, first = "whoami") {
  const json = { "content-type": "application/json", origin: ORIGIN };
  const targets = {
    whoami: () => raw(worker, "/api/whoami", { headers }),
    tool: () => raw(worker, "/api/tools/create_dashboard", {
      method: "POST",
      headers: { ...headers, ...json },
      body: JSON.stringify({ name: "planted by a forged credential" }),
    }),
    mcp: () => raw(worker, "/mcp", {
      method: "POST",
      headers: { ...headers, ...json, accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "create_dashboard", arguments: { name: "planted over MCP" } },
      }),
    }),
  };
  const answers = { [first]: await targets[first]() };
  for (const name of Object.keys(targets)) if (name !== first) answers[name] = await targets[name]();
  return answers;
}

function assertUnauthorized(response, what) {
  assertError(response, 401, "UNAUTHORIZED", "you must be signed in", what);
  assert.equal(response.headers.get("www-authenticate"), "Bearer", what);
  assert.equal(response.headers.getSetCookie().length, 0, `${what}: a refusal sets no cookie`);
}

/** `headers` is refused with 401 by all three targets, and nothing changes. */
async function refusedEverywhere(headers, what) {
  const before = await snapshot(worker.db);
  const answers = await hitAll(headers);
  for (const [target, response] of Object.entries(answers)) assertUnauthorized(response, `${what} @ ${target}`);
  await assertUnchanged(worker.db, before, what);
}

/** The victim's credential still works after the attacks (none of them broke it). */
async function stillWorks(user) {
  const response = await raw(worker, "/api/whoami", { headers: bearer(user.token) });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.userId, user.id);
}

function flip(char) {
  if (char === "A") return "B";
  if (/[a-z]/.test(char)) return char === "z" ? "y" : String.fromCharCode(char.charCodeAt(0) + 1);
  if (/[0-9]/.test(char)) return char === "9" ? "8" : String.fromCharCode(char.charCodeAt(0) + 1);
  return "A";
}

/** `text` with the character at `i` changed. */
function tamper(text, i) {
  return text.slice(0, i) + flip(text[i]) + text.slice(i + 1);
}

async function sessionRow(token) {
  return worker.db.prepare(`select * from "session" where "token" = ?`).bind(token).first();
}

// ---------------------------------------------------------------- missing, empty, malformed

test("control: the same three requests with a valid cookie or bearer succeed and write", async () => {
  const user = await newUser(worker, "Control");
  for (const headers of [cookie(signedCookie(user.token)), bearer(user.token)]) {
    const answers = await hitAll(headers);
    assert.equal(answers.whoami.status, 200);
    assert.equal(answers.whoami.body.userId, user.id);
    assert.equal(answers.tool.status, 200, JSON.stringify(answers.tool.body));
    assert.equal(answers.mcp.status, 200);
    assert.equal(answers.mcp.body.result.isError, false);
  }
  const { results } = await worker.db.prepare(`select name from dashboard where org_id = ? order by name`).bind(user.orgId).all();
  assert.equal(results.length, 4);
});

test("no credential, empty cookies and empty or foreign Authorization schemes answer 401 everywhere", async () => {
  const victim = await newUser(worker, "Victim");
  const cases = [
    [{}, "no credential at all"],
    [cookie(""), "an empty session cookie"],
    [cookie("", SECURE_COOKIE), "an empty __Secure- session cookie"],
    [{ cookie: `${COOKIE}` }, "a cookie name without '='"],
    [{ cookie: "; ; =" }, "a cookie header of separators"],
    [{ authorization: "" }, "an empty Authorization header"],
    [{ authorization: "Bearer" }, "Bearer without a token"],
    [{ authorization: "Bearer    " }, "Bearer with only spaces"],
    [{ authorization: `Basic ${Buffer.from(`${victim.email}:${victim.password}`).toString("base64")}` }, "Basic credentials"],
    [{ authorization: `Token ${victim.token}` }, "a valid token under another scheme"],
    [{ authorization: victim.token }, "a valid token without a scheme"],
    [{ authorization: `Bearer ${victim.token}, Bearer ${victim.token}` }, "two bearer tokens in one header"],
    [{ authorization: `Bearer ${victim.token} extra` }, "a token followed by junk"],
    [cookie(victim.token), "a raw (unsigned) token in the cookie"],
    [cookie(`${victim.token}.`), "a token and an empty signature"],
    [cookie(`.${encodeURIComponent(sign(victim.token))}`), "a signature without its token"],
    [{ "x-session-token": victim.token }, "a token in an unknown header"],
  ];
  for (const [headers, what] of cases) await refusedEverywhere(headers, what);

  // Nor is a token accepted from the query string.
  const before = await snapshot(worker.db);
  const viaQuery = await raw(worker, `/api/whoami?token=${victim.token}&session_token=${victim.token}`);
  assertUnauthorized(viaQuery, "a token in the query string");
  await assertUnchanged(worker.db, before, "a token in the query string");
  await stillWorks(victim);
});

test("SQL in a token never reaches D1 as SQL: 401, every table intact", async () => {
  const victim = await newUser(worker, "Victim");
  const injections = [
    "' OR '1'='1",
    "' OR 1=1 --",
    `${victim.token}' OR '1'='1`,
    "x' UNION SELECT * FROM session --",
    "'; DROP TABLE session; --",
    `"${victim.token}"`,
    "%' OR token LIKE '%",
    // 32 characters, as long as a token, but not alphanumeric.
    "'OR''='".padEnd(32, "'"),
  ];
  for (const value of injections) {
    await refusedEverywhere(bearer(value), `bearer ${value}`);
    await refusedEverywhere(cookie(encodeURIComponent(`${value}.${sign(value)}`)), `signed cookie ${value}`);
  }
  await stillWorks(victim);
});

// ---------------------------------------------------------------- forged and swapped signatures

test("a signature made with another secret, or belonging to another token, answers 401", async () => {
  const victim = await newUser(worker, "Victim");
  const other = await newUser(worker, "Other");
  const { token } = victim;
  const wrongSecret = encodeURIComponent(`${token}.${sign(token, "not-the-secret")}`);
  const emptySecret = encodeURIComponent(`${token}.${sign(token, "")}`);
  // Both tokens are live sessions: pairing one with the other's valid signature must not pass.
  const othersSignature = encodeURIComponent(`${token}.${sign(other.token)}`);
  const swapped = encodeURIComponent(`${other.token}.${sign(token)}`);
  // A signature over something else the server signs (the dont_remember flag).
  const flagSignature = encodeURIComponent(`${token}.${sign("true")}`);
  // The signature of the token's signed value, and a signature over a padded token.
  const signedTwice = encodeURIComponent(`${token}.${sign(`${token}.${sign(token)}`)}`);
  const cases = [
    [wrongSecret, "a signature made with another secret"],
    [emptySecret, "a signature made with an empty secret"],
    [othersSignature, "the victim's token with another live session's signature"],
    [swapped, "another live token with the victim's signature"],
    [flagSignature, "the signature of the dont_remember flag"],
    [signedTwice, "a signature of the signed value"],
    [encodeURIComponent(`${token}.${"A".repeat(43)}=`), "an all-A signature"],
    [encodeURIComponent(`${token}.${Buffer.alloc(32).toString("base64")}`), "a zero signature"],
    [encodeURIComponent(`${token}.${sign(token).replace(/=$/, "")}`), "a signature without its padding"],
    [encodeURIComponent(`${token}.${Buffer.from(sign(token), "base64").toString("base64url")}`), "a base64url signature"],
    [encodeURIComponent(`${token}.${Buffer.from(sign(token), "base64").toString("hex")}`), "a hex signature"],
  ];
  for (const [value, what] of cases) {
    await refusedEverywhere(cookie(value), `cookie: ${what}`);
    await refusedEverywhere(bearer(value), `bearer: ${what}`);
  }
  await stillWorks(victim);
  await stillWorks(other);
});

test("a valid token or cookie with any one character tampered answers 401", async () => {
  const victim = await newUser(worker, "Victim");
  const { token } = victim;
  const signature = sign(token);
  // Every position of the raw token, as a bearer.
  for (let i = 0; i < token.length; i++) {
    await refusedEverywhere(bearer(tamper(token, i)), `raw token, character ${i} changed`);
  }
  // Positions across the token and the signature of the signed value.
  for (const i of [0, 15, 31]) {
    const value = encodeURIComponent(`${tamper(token, i)}.${signature}`);
    await refusedEverywhere(cookie(value), `signed cookie, token character ${i} changed`);
    await refusedEverywhere(bearer(value), `signed bearer, token character ${i} changed`);
  }
  for (const i of [0, 21, 42]) {
    const value = encodeURIComponent(`${token}.${tamper(signature, i)}`);
    await refusedEverywhere(cookie(value), `signed cookie, signature character ${i} changed`);
    await refusedEverywhere(bearer(value), `signed bearer, signature character ${i} changed`);
  }
  // Case is significant: the token in other case names no session.
  await refusedEverywhere(bearer(token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase()), "token in other case");
  await stillWorks(victim);
});

// ---------------------------------------------------------------- cut, re-encoded, oversized, non-ASCII

test("truncated, extended and double-encoded credentials answer 401", async () => {
  const victim = await newUser(worker, "Victim");
  const { token } = victim;
  const value = signedCookie(token);
  const cases = [
    [bearer(token.slice(0, 31)), "a raw token one character short"],
    [bearer(token.slice(1)), "a raw token missing its first character"],
    [bearer(`${token}A`), "a raw token one character long"],
    [bearer(token.slice(0, 16)), "half a raw token"],
    [cookie(value.slice(0, -1)), "a signed cookie missing its last character"],
    [cookie(value.slice(0, -3)), "a signed cookie missing its encoded '='"],
    [cookie(value.slice(0, 60)), "a signed cookie cut inside the signature"],
    [cookie(value.slice(0, 33)), "a signed cookie cut after the dot"],
    [cookie(`${value}A`), "a signed cookie with a character appended"],
    [cookie(`${token.slice(1)}.${encodeURIComponent(sign(token.slice(1)))}`), "a 31-character token correctly signed"],
    [cookie(`${token}A.${encodeURIComponent(sign(`${token}A`))}`), "a 33-character token correctly signed"],
    [cookie(encodeURIComponent(value)), "a double-encoded signed cookie"],
    [bearer(encodeURIComponent(value)), "a double-encoded signed bearer"],
    [cookie(encodeURIComponent(encodeURIComponent(value))), "a triple-encoded signed cookie"],
    [cookie(`"${value}"`), "a quoted cookie value"],
    [cookie(`${value}%`), "a broken trailing escape"],
    [cookie(value.replace("%3D", "%3")), "a broken escape inside"],
    [cookie(`${encodeURIComponent(`${token}.${sign(token)}`)}.${encodeURIComponent(sign(token))}`), "the signature twice"],
  ];
  for (const [headers, what] of cases) await refusedEverywhere(headers, what);
  await stillWorks(victim);
});

test("oversized cookies and bearer tokens (over 4 KB) are refused with 401, never a 500", async () => {
  const victim = await newUser(worker, "Victim");
  const { token } = victim;
  const value = signedCookie(token);
  const cases = [
    [cookie("A".repeat(5000)), "a 5,000-character cookie"],
    [cookie(`${value}${"A".repeat(5000)}`), "a valid cookie followed by 5,000 characters"],
    [cookie(`${"A".repeat(5000)}${value}`), "5,000 characters followed by a valid cookie"],
    [cookie(encodeURIComponent(`${token}.${sign(token)}${"=".repeat(4100)}`)), "a signature padded past 4 KB"],
    [cookie(encodeURIComponent(`${"A".repeat(4096)}.${sign("A".repeat(4096))}`)), "a 4 KB token correctly signed"],
    [bearer("A".repeat(5000)), "a 5,000-character bearer"],
    [bearer(`${token}${"A".repeat(5000)}`), "a valid token followed by 5,000 characters"],
    [bearer(`${value}${"%41".repeat(2000)}`), "a signed bearer padded with escapes past 4 KB"],
    [cookie(`${"%00".repeat(2000)}`), "2,000 encoded NUL bytes"],
  ];
  for (const [headers, what] of cases) await refusedEverywhere(headers, what);

  // A cookie header of many cookies, none of them the session: still 401.
  const many = Array.from({ length: 200 }, (_, i) => `c${i}=${"x".repeat(30)}`).join("; ");
  await refusedEverywhere({ cookie: many }, "200 unrelated cookies");
  // The session cookie after 200 others is still found.
  const found = await raw(worker, "/api/whoami", { headers: { cookie: `${many}; ${COOKIE}=${value}` } });
  assert.equal(found.status, 200, JSON.stringify(found.body));
  await stillWorks(victim);
});

test("non-ASCII and control characters in credentials answer 401", async () => {
  const victim = await newUser(worker, "Victim");
  const { token } = victim;
  const latin1 = `${token.slice(0, 31)}é`;
  const cases = [
    [bearer(latin1), "a raw Latin-1 character in a bearer"],
    [cookie(`${latin1}.${encodeURIComponent(sign(latin1))}`), "a raw Latin-1 character in a cookie"],
    [cookie(encodeURIComponent(`${token.slice(0, 30)}é.${sign(`${token.slice(0, 30)}é`)}`)), "a UTF-8 token, percent-encoded and correctly signed"],
    [cookie(encodeURIComponent(`${token.slice(0, 28)}🔑.${sign(`${token.slice(0, 28)}🔑`)}`)), "an emoji token, correctly signed"],
    [cookie(`%FF%FE${signedCookie(token)}`), "bytes that are not UTF-8"],
    [cookie(`${encodeURIComponent(`${token}\u0000.${sign(`${token}\u0000`)}`)}`), "an encoded NUL in the token"],
    [cookie(`${encodeURIComponent(`${token.slice(0, 31)}\u0000`)}.${encodeURIComponent(sign(`${token.slice(0, 31)}\u0000`))}`), "a NUL as the 32nd character"],
    [bearer(`${token.slice(0, 31)}\u00a0`), "a no-break space as the 32nd character"],
    [bearer(`${token.slice(0, 31)}ÿ`), "ÿ as the 32nd character"],
    [bearer(`\t${token.slice(1)}`), "a tab in place of the first character"],
    [bearer(`${token.slice(0, 16)}%20${token.slice(17)}`), "an escape in a raw token"],
  ];
  for (const [headers, what] of cases) await refusedEverywhere(headers, what);
  await stillWorks(victim);
});

// ---------------------------------------------------------------- the wrong identifier, or two credentials

test("a session's id, a user's id or an organization's id is not a token", async () => {
  const victim = await newUser(worker, "Victim");
  const session = await sessionRow(victim.token);
  const account = await worker.db.prepare(`select "id" from "account" where "userId" = ?`).bind(victim.id).first();
  const ids = [
    [session.id, "the session's id"],
    [victim.id, "the user's id"],
    [victim.orgId, "the organization's id"],
    [victim.memberId, "the membership's id"],
    [account.id, "the account's id"],
  ];
  for (const [id, what] of ids) {
    assert.match(id, /^[A-Za-z0-9]{32}$/, "every id has a token's shape");
    await refusedEverywhere(bearer(id), `bearer: ${what}`);
    await refusedEverywhere(cookie(signedCookie(id)), `correctly signed cookie: ${what}`);
  }
  await stillWorks(victim);
});

test("a malformed session cookie never falls back to a valid bearer token", async () => {
  const victim = await newUser(worker, "Victim");
  const value = signedCookie(victim.token);
  const cases = [
    [{ cookie: `${COOKIE}=garbage`, authorization: `Bearer ${victim.token}` }, "a garbage cookie"],
    [{ cookie: `${COOKIE}=${value.slice(0, -4)}`, authorization: `Bearer ${victim.token}` }, "a truncated cookie"],
    [{ cookie: `${COOKIE}=${encodeURIComponent(`${victim.token}.${sign(victim.token, "wrong")}`)}`, authorization: `Bearer ${victim.token}` }, "a forged cookie"],
    [{ cookie: `${SECURE_COOKIE}=garbage; ${COOKIE}=${value}` }, "a garbage __Secure- cookie beside a valid plain one"],
  ];
  for (const [headers, what] of cases) await refusedEverywhere(headers, what);
  await stillWorks(victim);
});

// ---------------------------------------------------------------- sessions that ended

test("a session of a deleted user answers 401 everywhere, by cookie and by bearer", async () => {
  const doomed = await newUser(worker, "Doomed");
  const value = signedCookie(doomed.token);
  await ok(doomed, "create_dashboard", { name: "made before deletion" });
  await worker.db.prepare(`delete from "user" where "id" = ?`).bind(doomed.id).run();
  await refusedEverywhere(bearer(doomed.token), "bearer of a deleted user");
  await refusedEverywhere(cookie(value), "cookie of a deleted user");

  // Even if the session row outlived its user (no cascade), it is not a way in.
  const ghost = await newUser(worker, "Ghost");
  const orphan = await worker.db
    .prepare(`update "session" set "userId" = ? where "token" = ?`)
    .bind("u_deleted_user_that_never_existed", ghost.token)
    .run()
    .then(() => true)
    .catch(() => false);
  if (orphan) {
    await refusedEverywhere(bearer(ghost.token), "a session row whose user does not exist");
  }
});

test("an expired session answers 401 on every target, by cookie and by bearer, and only its own row is removed", async () => {
  const past = new Date(Date.now() - 1000).toISOString();
  for (const target of ["whoami", "tool", "mcp"]) {
    for (const kind of ["cookie", "bearer"]) {
      const user = await newUser(worker, "Expiring");
      const bystander = await newUser(worker, "Bystander");
      await worker.db.prepare(`update "session" set "expiresAt" = ? where "token" = ?`).bind(past, user.token).run();
      const headers = kind === "cookie" ? cookie(signedCookie(user.token)) : bearer(user.token);
      const before = await snapshot(worker.db);
      const answers = await hitAll(headers, target);
      const what = `expired session by ${kind} @ ${target}`;
      // The first request deletes the row; the others find nothing. All refuse alike.
      for (const [name, response] of Object.entries(answers)) {
        assertError(response, 401, "UNAUTHORIZED", "you must be signed in", `${what} (${name})`);
      }
      assert.equal(await sessionRow(user.token), null, `${what}: the expired row is deleted`);
      const after = await snapshot(worker.db);
      const expected = { ...before, session: before.session.filter((s) => s.token !== user.token) };
      assert.deepEqual(after, expected, `${what}: only the expired session row changed`);
      await stillWorks(bystander);
    }
  }
});

test("a session that expires in a minute works; one that expired a millisecond ago does not", async () => {
  const user = await newUser(worker, "Edge");
  await worker.db
    .prepare(`update "session" set "expiresAt" = ? where "token" = ?`)
    .bind(new Date(Date.now() + 60_000).toISOString(), user.token)
    .run();
  assert.equal((await raw(worker, "/api/whoami", { headers: bearer(user.token) })).status, 200);
  await worker.db
    .prepare(`update "session" set "expiresAt" = ? where "token" = ?`)
    .bind(new Date(Date.now() - 1).toISOString(), user.token)
    .run();
  const answers = await hitAll(bearer(user.token));
  for (const response of Object.values(answers)) assertError(response, 401, "UNAUTHORIZED");
});

test("after sign-out, the old cookie and the old bearer token are refused everywhere", async () => {
  const user = await newUser(worker, "Leaver");
  const value = signedCookie(user.token);
  const out = await user.client.post("/api/auth/sign-out", {});
  assert.equal(out.status, 200);
  assert.equal(await sessionRow(user.token), null);
  await refusedEverywhere(cookie(value), "a replayed cookie after sign-out");
  await refusedEverywhere(bearer(user.token), "a replayed bearer after sign-out");
  // Signing out with someone else's credential does not end their session.
  const victim = await newUser(worker, "Victim");
  const before = await snapshot(worker.db);
  const forged = await raw(worker, "/api/auth/sign-out", {
    method: "POST",
    headers: { ...cookie(encodeURIComponent(`${victim.token}.${sign(victim.token, "wrong")}`)), origin: ORIGIN, "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(forged.status, 200);
  await assertUnchanged(worker.db, before, "sign-out with a forged cookie");
  await stillWorks(victim);
});

// ---------------------------------------------------------------- removed from the organization since

test("a user removed from the organization gets 403 on the next request, and none of its data", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const bob = await newUser(worker, "Bob");
  // Bob belongs to Ada's organization only: his personal membership is gone.
  await worker.db.prepare(`delete from "member" where "userId" = ?`).bind(bob.id).run();
  const bobMember = await ada.client.post("/api/auth/organization/invite-member", { email: bob.email, role: "admin" });
  assert.equal(bobMember.status, 200, JSON.stringify(bobMember.body));
  const accepted = await bob.client.post("/api/auth/organization/accept-invitation", { invitationId: bobMember.body.id });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

  // Before: Bob reads Ada's data by cookie, by bearer and over MCP.
  assert.equal((await ok(bob, "get_dataset", { datasetId: adas.ds.id })).dataset.id, adas.ds.id);
  const mcpBefore = await mcpCall(worker, bob.token, "get_dataset", { datasetId: adas.ds.id });
  assert.equal(mcpBefore.body.result.isError, false);

  const removed = await ada.client.post("/api/auth/organization/remove-member", { memberIdOrEmail: accepted.body.member.id });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));

  const before = await snapshot(worker.db);
  const json = { "content-type": "application/json", origin: ORIGIN };
  for (const headers of [cookie(signedCookie(bob.token)), bearer(bob.token)]) {
    const whoami = await raw(worker, "/api/whoami", { headers });
    assertError(whoami, 403, "NO_ACTIVE_ORGANIZATION", undefined, "whoami after removal");
    for (const [name, args] of [
      ["get_dataset", { datasetId: adas.ds.id }],
      ["query_dataset", { datasetId: adas.ds.id }],
      ["render_dashboard", { dashboardId: adas.dash.id }],
      ["list_datasets", {}],
      ["append_rows", { datasetId: adas.ds.id, rows: [{ month: "x", region: "x", amount: 1, units: 1 }] }],
      ["delete_automation", { automationId: adas.auto.id }],
    ]) {
      const response = await raw(worker, `/api/tools/${name}`, { method: "POST", headers: { ...headers, ...json }, body: JSON.stringify(args) });
      assertError(response, 403, "NO_ACTIVE_ORGANIZATION", undefined, `${name} after removal`);
      const overMcp = await raw(worker, "/mcp", {
        method: "POST",
        headers: { ...headers, ...json },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
      });
      assertError(overMcp, 403, "NO_ACTIVE_ORGANIZATION", undefined, `MCP ${name} after removal`);
      assert.ok(!overMcp.text.includes(adas.ds.id) && !response.text.includes("eu"), "no data in the refusal");
    }
  }
  await assertUnchanged(worker.db, before, "requests after removal");
});

test("a user removed from the active organization falls back to its own, never to stale data", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const bob = await newUser(worker, "Bob");
  const invited = await ada.client.post("/api/auth/organization/invite-member", { email: bob.email, role: "admin" });
  const accepted = await bob.client.post("/api/auth/organization/accept-invitation", { invitationId: invited.body.id });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal((await bob.client.get("/api/whoami")).body.orgId, ada.orgId);

  const removed = await ada.client.post("/api/auth/organization/remove-member", { memberIdOrEmail: bob.email });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));

  const me = await raw(worker, "/api/whoami", { headers: bearer(bob.token) });
  assert.equal(me.status, 200);
  assert.deepEqual(me.body, { userId: bob.id, email: bob.email, orgId: bob.orgId, roles: ["owner"] });

  const before = await snapshot(worker.db);
  for (const [name, args, code] of [
    ["get_dataset", { datasetId: adas.ds.id }, "NOT_FOUND"],
    ["get_dashboard", { dashboardId: adas.dash.id }, "NOT_FOUND"],
    ["render_widget", { widgetId: adas.wdg.id }, "NOT_FOUND"],
    ["list_automation_runs", { automationId: adas.auto.id }, "NOT_FOUND"],
    ["append_rows", { datasetId: adas.ds.id, rows: [{ month: "x", region: "x", amount: 1, units: 1 }] }, "NOT_FOUND"],
    ["delete_dashboard", { dashboardId: adas.dash.id }, "NOT_FOUND"],
  ]) {
    assertError(await bob.client.post(`/api/tools/${name}`, args), 404, code, undefined, name);
    assertMcpToolError(await mcpCall(worker, bob.token, name, args), code, `MCP ${name}`);
  }
  const lists = await ok(bob, "list_datasets");
  assert.deepEqual(lists.datasets, []);
  await assertUnchanged(worker.db, before, "requests after removal");
});
