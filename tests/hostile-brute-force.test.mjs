// Hostile password guessing: repeated sign-ins for one email are refused
// with 429 TOO_MANY_REQUESTS and Retry-After after 10 in a minute, however
// the email is spelled and whether or not it has an account, in sequence
// and in a parallel burst; the refusal writes nothing; another email is
// unaffected; and the lock lifts when the window ends.
//
// The limiter (the SIGN_IN_LIMITER binding: 10 a minute) counts in fixed
// one-minute windows, so each test starts early in a window: past second
// 45 it first waits for the next minute.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import { Client } from "./support/client.mjs";
import { assertError, assertUnchanged, newUser, raw, sleep, snapshot, uniqueEmail } from "./support/hostile.mjs";

const LIMIT = 10;
const TOO_MANY = { code: "TOO_MANY_REQUESTS", message: "too many attempts, retry in 60 seconds" };

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

/** Waits for the next minute when the current one is past second 45. */
async function earlyInWindow() {
  const into = Date.now() % 60_000;
  if (into > 45_000) await sleep(60_000 - into + 500);
}

function signIn(email, password, headers = {}) {
  return raw(worker, "/api/auth/sign-in/email", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ email, password }),
  });
}

function assertTooMany(response, what) {
  assertError(response, 429, TOO_MANY.code, TOO_MANY.message, what);
  assert.deepEqual(response.body, TOO_MANY, what);
  assert.equal(response.headers.get("retry-after"), "60", what);
  assert.equal(response.headers.getSetCookie().length, 0, `${what}: no cookie`);
}

test("after 10 failed sign-ins for one email in a minute, the 11th and later answer 429 with Retry-After, even with the right password", async () => {
  const victim = await newUser(worker, "Victim");
  const other = await newUser(worker, "Other");
  await earlyInWindow();
  const before = await snapshot(worker.db);
  for (let i = 0; i < LIMIT; i++) {
    assertError(await signIn(victim.email, `wrong guess ${i}`), 401, "INVALID_EMAIL_OR_PASSWORD", "invalid email or password", `attempt ${i + 1}`);
  }
  for (let i = 0; i < 3; i++) assertTooMany(await signIn(victim.email, `wrong guess ${LIMIT + i}`), `attempt ${LIMIT + i + 1}`);
  assertTooMany(await signIn(victim.email, victim.password), "the right password while locked");
  assertTooMany(await signIn(victim.email, victim.password, { "x-forwarded-for": "203.0.113.7", "cf-connecting-ip": "203.0.113.8" }), "another claimed IP address");
  await assertUnchanged(worker.db, before, "failed and refused sign-ins");

  // Another email is unaffected: its wrong password is a 401, its right one signs in.
  assertError(await signIn(other.email, "wrong guess"), 401, "INVALID_EMAIL_OR_PASSWORD");
  const fine = await signIn(other.email, other.password);
  assert.equal(fine.status, 200, JSON.stringify(fine.body));
  assert.equal(fine.body.user.id, other.id);
  // And the victim's existing session still works: the lock is on signing in, not on the account.
  assert.equal((await raw(worker, "/api/whoami", { headers: { authorization: `Bearer ${victim.token}` } })).status, 200);
});

test("every spelling of one email counts toward the same limit: case and surrounding spaces do not reset it", async () => {
  const victim = await newUser(worker, "Victim");
  const spellings = [victim.email, victim.email.toUpperCase(), ` ${victim.email} `, victim.email.replace(/^./, (c) => c.toUpperCase()), `\t${victim.email.toUpperCase()}\n`];
  await earlyInWindow();
  const before = await snapshot(worker.db);
  const statuses = [];
  for (let i = 0; i < LIMIT + 5; i++) {
    const response = await signIn(spellings[i % spellings.length], `wrong guess ${i}`);
    statuses.push(response.status);
    if (response.status === 429) assertTooMany(response, `attempt ${i + 1} as ${JSON.stringify(spellings[i % spellings.length])}`);
  }
  assert.deepEqual(statuses, [...Array(LIMIT).fill(401), ...Array(5).fill(429)]);
  for (const spelling of spellings) assertTooMany(await signIn(spelling, victim.password), `right password as ${JSON.stringify(spelling)}`);
  await assertUnchanged(worker.db, before, "spelled sign-ins");
});

test("an email with no account is limited exactly like one with an account: the limiter reveals nothing", async () => {
  const known = await newUser(worker, "Known");
  const unknown = uniqueEmail("nobody");
  await earlyInWindow();
  const before = await snapshot(worker.db);
  const answers = { known: [], unknown: [] };
  for (let i = 0; i < LIMIT + 2; i++) {
    answers.known.push(await signIn(known.email, `wrong guess ${i}`));
    answers.unknown.push(await signIn(unknown, `wrong guess ${i}`));
  }
  const shape = (list) => list.map((r) => [r.status, r.body, r.headers.get("retry-after")]);
  assert.deepEqual(shape(answers.unknown), shape(answers.known));
  assert.deepEqual(answers.known.map((r) => r.status), [...Array(LIMIT).fill(401), 429, 429]);
  await assertUnchanged(worker.db, before, "known and unknown emails");
});

test("a parallel burst of 25 guesses lets at most 10 through to the password check", async () => {
  const victim = await newUser(worker, "Victim");
  await earlyInWindow();
  const before = await snapshot(worker.db);
  const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => signIn(victim.email, `burst guess ${i}`)));
  const checked = answers.filter((r) => r.status === 401);
  const refused = answers.filter((r) => r.status === 429);
  assert.equal(checked.length + refused.length, 25, answers.map((r) => r.status).join(","));
  assert.ok(checked.length <= LIMIT, `${checked.length} guesses reached the password check`);
  assert.equal(checked.length, LIMIT, answers.map((r) => r.status).join(","));
  for (const response of refused) assertTooMany(response, "burst");
  assertTooMany(await signIn(victim.email, victim.password), "the right password after the burst");
  await assertUnchanged(worker.db, before, "a burst of guesses");
});

test("successful sign-ins count too: the 11th sign-in in a minute is refused even with the right password", async () => {
  const user = await newUser(worker, "Busy");
  await earlyInWindow();
  const tokens = [];
  for (let i = 0; i < LIMIT; i++) {
    const response = await signIn(user.email, user.password);
    assert.equal(response.status, 200, `sign-in ${i + 1}: ${JSON.stringify(response.body)}`);
    tokens.push(response.body.token);
  }
  assert.equal(new Set(tokens).size, LIMIT);
  const before = await snapshot(worker.db);
  assertTooMany(await signIn(user.email, user.password), "the 11th right sign-in");
  await assertUnchanged(worker.db, before, "the 11th sign-in");
});

test("requests refused before the password check (over-long passwords) are not guesses and use up no attempts", async () => {
  const victim = await newUser(worker, "Victim");
  await earlyInWindow();
  const before = await snapshot(worker.db);
  for (let i = 0; i < LIMIT + 5; i++) {
    assertError(await signIn(victim.email, "x".repeat(129 + i)), 400, "PASSWORD_TOO_LONG", undefined, `over-long ${i}`);
  }
  await assertUnchanged(worker.db, before, "over-long passwords");
  const fine = await signIn(victim.email, victim.password);
  assert.equal(fine.status, 200, JSON.stringify(fine.body));
});

test("sign-up is not a password oracle: an existing email answers 422 alike for its right and a wrong password, and writes nothing", async () => {
  const victim = await newUser(worker, "Victim");
  const before = await snapshot(worker.db);
  const answers = [];
  for (const password of [victim.password, "wrong password", victim.password.toUpperCase()]) {
    const response = await new Client(worker).post("/api/auth/sign-up/email", { name: "Guess", email: victim.email, password });
    assertError(response, 422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    answers.push([response.status, response.body, response.headers.getSetCookie()]);
  }
  assert.deepEqual(answers[0], answers[1]);
  assert.deepEqual(answers[1], answers[2]);
  await assertUnchanged(worker.db, before, "sign-ups with a taken email");
});

test("the lock lifts when the window ends: the next minute the right password signs in", async () => {
  const victim = await newUser(worker, "Victim");
  await earlyInWindow();
  for (let i = 0; i < LIMIT; i++) assertError(await signIn(victim.email, `wrong guess ${i}`), 401, "INVALID_EMAIL_OR_PASSWORD");
  assertTooMany(await signIn(victim.email, victim.password), "locked");
  // Wait for the next window.
  await sleep(60_000 - (Date.now() % 60_000) + 1_000);
  const fine = await signIn(victim.email, victim.password);
  assert.equal(fine.status, 200, JSON.stringify(fine.body));
  // A new window is a new count of 10, not an unlimited one.
  for (let i = 0; i < LIMIT - 1; i++) assertError(await signIn(victim.email, `wrong again ${i}`), 401, "INVALID_EMAIL_OR_PASSWORD");
  assertTooMany(await signIn(victim.email, "wrong again"), "the 11th of the new window");
});
