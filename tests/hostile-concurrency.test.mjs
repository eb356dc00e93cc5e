// Hostile concurrency: many requests at once that race for one record.
// Simultaneous sign-ups with one email, appends to one dataset, widget
// moves (with adds and removes) on one dashboard, answers to one
// invitation, invitations of one email, organizations with one slug, and a
// dataset deleted while a widget is added to it. The end state must be
// exactly what a serial order would give: no lost, duplicated or orphaned
// rows, and every loser refused with a {code, message} body.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import { Client } from "./support/client.mjs";
import {
  METRIC,
  addMember,
  assertError,
  mcpCall,
  newUser,
  ok,
  raw,
  salesDataset,
  dashboard,
  snapshot,
  tool,
  uniqueEmail,
  widget,
} from "./support/hostile.mjs";

const ORG = "/api/auth/organization";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

async function countWhere(table, where, ...params) {
  const row = await worker.db.prepare(`select count(*) as n from "${table}" where ${where}`).bind(...params).first();
  return row.n;
}

function sorted(values) {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Another session of the same user, as a fresh cookie client. */
async function anotherSession(user) {
  const client = new Client(worker);
  const response = await client.post("/api/auth/sign-in/email", { email: user.email, password: user.password });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return { ...user, client, token: response.body.token };
}

// ---------------------------------------------------------------- sign-up

test("20 simultaneous sign-ups with one email (in different case and spacing) make exactly one user and nothing orphaned", async () => {
  const email = uniqueEmail("race");
  const variants = Array.from({ length: 20 }, (_, i) => [email, email.toUpperCase(), ` ${email} `, email.replace(/^./, (c) => c.toUpperCase())][i % 4]);
  const before = await snapshot(worker.db);
  const responses = await Promise.all(
    variants.map((variant, i) => new Client(worker).post("/api/auth/sign-up/email", { name: `Racer ${i}`, email: variant, password: `password ${i}` })),
  );
  const winners = responses.filter((r) => r.status === 200);
  assert.equal(winners.length, 1, responses.map((r) => r.status).join(","));
  for (const loser of responses.filter((r) => r.status !== 200)) {
    assertError(loser, 422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "User already exists. Use another email.");
    assert.equal(loser.headers.getSetCookie().length, 0, "a loser gets no session cookie");
  }
  const after = await snapshot(worker.db);
  for (const table of ["user", "account", "organization", "member", "session"]) {
    assert.equal(after[table].length, before[table].length + 1, `${table}: exactly one row more`);
  }
  const user = after.user.find((u) => u.email === email);
  assert.equal(user.id, winners[0].body.user.id);
  assert.equal(await countWhere("account", `"userId" = ?`, user.id), 1);
  assert.equal(await countWhere("member", `"userId" = ?`, user.id), 1);
  // The winner's password is the one that signs in.
  const winnerIndex = responses.indexOf(winners[0]);
  const signIn = await new Client(worker).post("/api/auth/sign-in/email", { email, password: `password ${winnerIndex}` });
  assert.equal(signIn.status, 200);
  const loserIndex = (winnerIndex + 1) % variants.length;
  const wrong = await new Client(worker).post("/api/auth/sign-in/email", { email, password: `password ${loserIndex}` });
  assertError(wrong, 401, "INVALID_EMAIL_OR_PASSWORD");
});

test("10 simultaneous organization creations with one slug make exactly one organization and one owner membership", async () => {
  const users = await Promise.all(Array.from({ length: 5 }, (_, i) => newUser(worker, `Founder ${i}`)));
  const slug = `race-${Date.now().toString(36)}`;
  const before = await snapshot(worker.db);
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => users[i % users.length].client.post(`${ORG}/create`, { name: `Race ${i}`, slug })),
  );
  assert.equal(responses.filter((r) => r.status === 200).length, 1, responses.map((r) => r.status).join(","));
  for (const loser of responses.filter((r) => r.status !== 200)) assertError(loser, 400, "ORGANIZATION_ALREADY_EXISTS");
  const after = await snapshot(worker.db);
  assert.equal(after.organization.length, before.organization.length + 1);
  assert.equal(after.member.length, before.member.length + 1);
  const org = after.organization.find((o) => o.slug === slug);
  assert.equal(await countWhere("member", `"organizationId" = ?`, org.id), 1);
  // Only the winner's session moved to the new organization.
  assert.equal(await countWhere("session", `"activeOrganizationId" = ?`, org.id), 1);
});

// ---------------------------------------------------------------- appends

test("25 simultaneous appends to one dataset, over HTTP and MCP: no row lost or duplicated, exact count and multiset", async () => {
  const ada = await newUser(worker, "Ada");
  const al = await newUser(worker, "Al");
  await addMember(worker, ada.orgId, al, "admin");
  assert.equal((await al.client.post(`${ORG}/set-active`, { organizationId: ada.orgId })).status, 200);
  const ds = await ok(ada, "create_dataset", {
    name: "Race",
    columns: [
      { name: "k", type: "integer" },
      { name: "v", type: "text" },
      { name: "x", type: "real" },
    ],
    rows: [{ k: -1, v: "seed", x: 0 }],
  });
  const batches = Array.from({ length: 25 }, (_, b) => Array.from({ length: 4 }, (_, j) => ({ k: b * 4 + j, v: `b${b}-r${j}'; --`, x: b + j / 10 })));
  // Bad appends race alongside and must write nothing.
  const bad = Array.from({ length: 5 }, (_, b) => [{ k: 1000 + b, v: "ok", x: 1 }, { k: "not an integer", v: "x", x: 1 }]);
  const answers = await Promise.all([
    ...batches.map((rows, b) => {
      if (b % 3 === 0) return mcpCall(worker, ada.token, "append_rows", { datasetId: ds.id, rows });
      return tool(b % 3 === 1 ? ada : al, "append_rows", { datasetId: ds.id, rows });
    }),
    ...bad.map((rows) => tool(ada, "append_rows", { datasetId: ds.id, rows })),
  ]);
  answers.slice(0, 25).forEach((answer, b) => {
    if (b % 3 === 0) {
      assert.equal(answer.body.result?.isError, false, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.result.structuredContent, { datasetId: ds.id, appended: 4 });
    } else {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body, { datasetId: ds.id, appended: 4 });
    }
  });
  for (const answer of answers.slice(25)) assertError(answer, 400, "VALIDATION_ERROR", /^rows\[1\]\.k: /);

  const table = (await worker.db.prepare(`select table_name from dataset where id = ?`).bind(ds.id).first()).table_name;
  const { results } = await worker.db.prepare(`select k, v, x from "${table}" order by "_row"`).all();
  const expected = [{ k: -1, v: "seed", x: 0 }, ...batches.flat()];
  assert.equal(results.length, expected.length, "exact row count");
  assert.deepEqual(sorted(results.map((r) => JSON.stringify(r))), sorted(expected.map((r) => JSON.stringify(r))), "exact multiset of rows");
  // Each batch landed contiguously, in its own order (one atomic batch each).
  for (const rows of batches) {
    const at = results.findIndex((r) => r.k === rows[0].k);
    assert.deepEqual(results.slice(at, at + 4).map((r) => r.k), rows.map((r) => r.k));
  }
  assert.equal((await ok(ada, "get_dataset", { datasetId: ds.id })).rowCount, expected.length);
  const counted = await ok(ada, "query_dataset", { datasetId: ds.id, aggregates: [{ function: "count" }, { function: "sum", column: "k" }] });
  assert.deepEqual(counted.rows, [{ count: 101, sum_k: -1 + (99 * 100) / 2 }]);
});

test("after simultaneous appends to an empty dataset, its sample rows are its first five rows", async () => {
  const ada = await newUser(worker, "Ada");
  const ds = await ok(ada, "create_dataset", { name: "Sampled", columns: [{ name: "k", type: "integer" }] });
  const answers = await Promise.all(Array.from({ length: 10 }, (_, k) => tool(ada, "append_rows", { datasetId: ds.id, rows: [{ k }] })));
  for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const table = (await worker.db.prepare(`select table_name from dataset where id = ?`).bind(ds.id).first()).table_name;
  const { results } = await worker.db.prepare(`select k from "${table}" order by "_row" limit 5`).all();
  const got = await ok(ada, "get_dataset", { datasetId: ds.id });
  assert.equal(got.rowCount, 10);
  assert.deepEqual(got.dataset.sampleRows, results, "sampleRows are not the dataset's first five rows (a lost update)");
});

// ---------------------------------------------------------------- widgets

test("simultaneous moves by two users, with adds and removes, leave positions a permutation of 0..n-1 and other dashboards untouched", async () => {
  const ada = await newUser(worker, "Ada");
  const al = await newUser(worker, "Al");
  await addMember(worker, ada.orgId, al, "admin");
  assert.equal((await al.client.post(`${ORG}/set-active`, { organizationId: ada.orgId })).status, 200);
  const ds = await salesDataset(ada);
  const board = await dashboard(ada, "Raced");
  const other = await dashboard(ada, "Bystander");
  const ids = [];
  for (let i = 0; i < 8; i++) ids.push((await widget(ada, board, ds, "metric", METRIC, `W${i}`)).id);
  const otherIds = [];
  for (let i = 0; i < 3; i++) otherIds.push((await widget(ada, other, ds, "metric", METRIC, `O${i}`)).id);
  const otherBefore = (await worker.db.prepare(`select * from widget where dashboard_id = ? order by id`).bind(other.id).all()).results;

  const removed = [ids[1], ids[6]];
  for (let round = 0; round < 3; round++) {
    const ops = [];
    for (let i = 0; i < 30; i++) {
      const who = i % 2 === 0 ? ada : al;
      ops.push(tool(who, "move_widget", { widgetId: ids[(i * 5 + round) % ids.length], position: (i * 7 + round) % 11 }));
    }
    if (round === 0) {
      ops.push(tool(ada, "add_widget", { dashboardId: board.id, datasetId: ds.id, title: "Added A", type: "metric", config: METRIC }));
      ops.push(tool(al, "add_widget", { dashboardId: board.id, datasetId: ds.id, title: "Added B", type: "metric", config: METRIC }));
      for (const id of removed) ops.push(tool(al, "remove_widget", { widgetId: id }));
    }
    const answers = await Promise.all(ops);
    for (const answer of answers) {
      if (answer.status === 404) assertError(answer, 404, "NOT_FOUND", "widget not found");
      else assert.equal(answer.status, 200, JSON.stringify(answer.body));
      if (answer.status === 200 && Array.isArray(answer.body?.widgets)) {
        const positions = answer.body.widgets.map((w) => w.position);
        assert.deepEqual(positions, positions.map((_, i) => i), `a move answered positions ${positions}`);
      }
    }
    const { results } = await worker.db.prepare(`select id, position from widget where dashboard_id = ? order by position, id`).bind(board.id).all();
    assert.deepEqual(results.map((r) => r.position), results.map((_, i) => i), `round ${round}: positions ${results.map((r) => r.position)}`);
    assert.equal(results.length, 8, "8 widgets + 2 added - 2 removed");
    for (const id of removed) assert.ok(!results.some((r) => r.id === id), "a removed widget came back");
    const got = await ok(ada, "get_dashboard", { dashboardId: board.id });
    assert.deepEqual(got.widgets.map((w) => [w.id, w.position]), results.map((r) => [r.id, r.position]));
  }
  const otherAfter = (await worker.db.prepare(`select * from widget where dashboard_id = ? order by id`).bind(other.id).all()).results;
  assert.deepEqual(otherAfter, otherBefore, "another dashboard's widgets changed");
});

test("a dataset deleted while widgets are added to it: either the widget or the deletion wins, never an orphan", async () => {
  const ada = await newUser(worker, "Ada");
  for (let attempt = 0; attempt < 5; attempt++) {
    const ds = await salesDataset(ada, `Doomed ${attempt}`);
    const board = await dashboard(ada, `Board ${attempt}`);
    const table = (await worker.db.prepare(`select table_name from dataset where id = ?`).bind(ds.id).first()).table_name;
    const answers = await Promise.all([
      tool(ada, "add_widget", { dashboardId: board.id, datasetId: ds.id, title: "Late", type: "metric", config: METRIC }),
      tool(ada, "delete_dataset", { datasetId: ds.id }),
      tool(ada, "add_widget", { dashboardId: board.id, datasetId: ds.id, title: "Later", type: "metric", config: METRIC }),
    ]);
    for (const answer of answers) {
      if (answer.status !== 200) assertError(answer, answer.status, undefined, undefined, `attempt ${attempt}`);
      assert.ok([200, 404, 409].includes(answer.status), `attempt ${attempt}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    const datasetRow = await worker.db.prepare(`select id from dataset where id = ?`).bind(ds.id).first();
    const tableExists = await countWhere("sqlite_master", `type = 'table' and name = ?`, table);
    const widgets = await countWhere("widget", "dataset_id = ?", ds.id);
    assert.equal(Boolean(datasetRow), tableExists === 1, `attempt ${attempt}: the record and its table disagree`);
    if (widgets > 0) {
      assert.ok(datasetRow, `attempt ${attempt}: ${widgets} widgets use a deleted dataset`);
      assert.equal(answers[1].status, 409, `attempt ${attempt}: the deletion answered ${answers[1].status}`);
      const rendered = await ok(ada, "render_dashboard", { dashboardId: board.id });
      assert.equal(rendered.widgets.length, widgets);
    } else {
      assert.equal(answers[1].status, 200, `attempt ${attempt}: no widget, yet the deletion answered ${answers[1].status}`);
      assert.equal(datasetRow, null);
    }
  }
});

test("10 simultaneous runs of one automation record 10 runs, each once, each a success", async () => {
  const ada = await newUser(worker, "Ada");
  const ds = await salesDataset(ada);
  const automation = await ok(ada, "create_automation", {
    name: "Raced",
    type: "threshold_alert",
    config: { datasetId: ds.id, column: "amount", aggregate: "sum", operator: "gt", threshold: 1, schedule: "hourly" },
  });
  const answers = await Promise.all(Array.from({ length: 10 }, () => tool(ada, "run_automation", { automationId: automation.id })));
  for (const answer of answers) {
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.status, "success");
  }
  const ids = answers.map((a) => a.body.id);
  assert.equal(new Set(ids).size, 10);
  const { results } = await worker.db.prepare(`select id, status from automation_run where automation_id = ? order by id`).bind(automation.id).all();
  assert.deepEqual(results.map((r) => r.id), sorted(ids));
  assert.ok(results.every((r) => r.status === "success"));
});

// ---------------------------------------------------------------- invitations

test("10 simultaneous accepts of one invitation from 10 sessions make exactly one member", async () => {
  const ada = await newUser(worker, "Ada");
  const bob = await newUser(worker, "Bob");
  const invited = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "admin" });
  assert.equal(invited.status, 200);
  const sessions = [bob, ...(await Promise.all(Array.from({ length: 9 }, () => anotherSession(bob))))];
  const answers = await Promise.all(sessions.map((s) => s.client.post(`${ORG}/accept-invitation`, { invitationId: invited.body.id })));
  const winners = answers.filter((a) => a.status === 200);
  assert.equal(winners.length, 1, answers.map((a) => `${a.status} ${a.body?.code ?? ""}`).join(", "));
  for (const loser of answers.filter((a) => a.status !== 200)) {
    assertError(loser, 400, undefined);
    assert.ok(["INVITATION_NOT_FOUND", "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION"].includes(loser.body.code), loser.body.code);
  }
  assert.equal(await countWhere("member", `"organizationId" = ? and "userId" = ?`, ada.orgId, bob.id), 1);
  const member = await worker.db.prepare(`select * from member where "organizationId" = ? and "userId" = ?`).bind(ada.orgId, bob.id).first();
  assert.equal(member.role, "admin");
  assert.equal(member.id, winners[0].body.member.id);
  assert.equal((await worker.db.prepare(`select status from invitation where id = ?`).bind(invited.body.id).first()).status, "accepted");
  // Only the winning session moved to the organization.
  const winnerSession = sessions[answers.indexOf(winners[0])];
  assert.equal((await raw(worker, "/api/whoami", { headers: { authorization: `Bearer ${winnerSession.token}` } })).body.orgId, ada.orgId);
});

test("accept, reject and cancel of one invitation at once: exactly one wins, and the rows agree with it", async () => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const ada = await newUser(worker, "Ada");
    const bob = await newUser(worker, "Bob");
    const invited = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "member" });
    const second = await anotherSession(bob);
    const [accept1, reject, cancel, accept2] = await Promise.all([
      bob.client.post(`${ORG}/accept-invitation`, { invitationId: invited.body.id }),
      second.client.post(`${ORG}/reject-invitation`, { invitationId: invited.body.id }),
      ada.client.post(`${ORG}/cancel-invitation`, { invitationId: invited.body.id }),
      second.client.post(`${ORG}/accept-invitation`, { invitationId: invited.body.id }),
    ]);
    const outcomes = { accept1, reject, cancel, accept2 };
    const won = Object.entries(outcomes).filter(([, r]) => r.status === 200).map(([k]) => k);
    assert.equal(won.length, 1, `attempt ${attempt}: ${Object.entries(outcomes).map(([k, r]) => `${k} ${r.status}`).join(", ")}`);
    for (const [, r] of Object.entries(outcomes).filter(([, r]) => r.status !== 200)) assertError(r, 400, "INVITATION_NOT_FOUND");
    const status = (await worker.db.prepare(`select status from invitation where id = ?`).bind(invited.body.id).first()).status;
    const members = await countWhere("member", `"organizationId" = ? and "userId" = ?`, ada.orgId, bob.id);
    const expected = { accept1: ["accepted", 1], accept2: ["accepted", 1], reject: ["rejected", 0], cancel: ["canceled", 0] }[won[0]];
    assert.deepEqual([status, members], expected, `attempt ${attempt}: ${won[0]} won`);
  }
});

test("10 simultaneous invitations of one email make exactly one pending invitation", async () => {
  const ada = await newUser(worker, "Ada");
  const al = await newUser(worker, "Al");
  await addMember(worker, ada.orgId, al, "admin");
  assert.equal((await al.client.post(`${ORG}/set-active`, { organizationId: ada.orgId })).status, 200);
  const email = uniqueEmail("wanted");
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 ? al : ada).client.post(`${ORG}/invite-member`, { email: i % 3 ? email : email.toUpperCase(), role: "member" })),
  );
  const winners = answers.filter((a) => a.status === 200);
  const pending = await countWhere("invitation", `"organizationId" = ? and lower(email) = ? and status = 'pending'`, ada.orgId, email);
  assert.equal(pending, 1, `${pending} pending invitations for one email (answers: ${answers.map((a) => a.status).join(",")})`);
  assert.equal(winners.length, 1);
  for (const loser of answers.filter((a) => a.status !== 200)) assertError(loser, 400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION");
});
