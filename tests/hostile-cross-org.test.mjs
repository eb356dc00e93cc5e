// Hostile cross-organization access. Eve, owner of her own organization,
// sends ids that belong to Ada's organization: for every tool and every id
// argument (datasetId, dashboardId, widgetId, automationId, and the ids
// inside a widget's or automation's config), Ada's id must answer exactly
// like a random id (status, body, content type, even the number of D1 round
// trips) and change nothing. For every organization endpoint, a foreign
// organizationId, memberId or invitationId must answer like a missing one.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import {
  TOOL_NAMES,
  METRIC,
  assertError,
  assertInvalid,
  assertUnchanged,
  keys,
  mcpCall,
  newUser,
  ok,
  randomId,
  snapshot,
  tool,
  thresholdConfig,
  uniqueEmail,
  world,
  addMember,
} from "./support/hostile.mjs";

const ORG = "/api/auth/organization";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

/** The headers that must not tell a foreign id from a random one. */
function telling(response) {
  return {
    status: response.status,
    body: response.body,
    contentType: response.headers.get("content-type"),
    roundTrips: response.headers.get("x-d1-round-trips"),
    cookies: response.headers.getSetCookie(),
  };
}

/** Two answers that must be indistinguishable. */
function assertAlike(foreign, missing, what) {
  assert.notEqual(foreign.status, 200, `${what}: a foreign id was served: ${JSON.stringify(foreign.body)?.slice(0, 500)}`);
  assert.notEqual(foreign.status, 500, `${what}: ${JSON.stringify(foreign.body)}`);
  assert.deepEqual(telling(foreign), telling(missing), what);
}

/**
 * Every tool call that takes an id, as [tool, argument, build(id)]: the id
 * goes where `argument` says, every other argument is Eve's own and valid.
 */
function idCalls(eves) {
  const row = { month: "2024-09", region: "eu", amount: 1, units: 1 };
  return [
    ["get_dataset", "datasetId", (id) => ({ datasetId: id })],
    ["append_rows", "datasetId", (id) => ({ datasetId: id, rows: [row] })],
    ["query_dataset", "datasetId", (id) => ({ datasetId: id })],
    ["query_dataset", "datasetId", (id) => ({ datasetId: id, groupBy: ["region"], aggregates: [{ function: "sum", column: "amount" }] })],
    ["query_dataset", "datasetId", (id) => ({ datasetId: id, select: ["nonexistent_column"] })],
    ["delete_dataset", "datasetId", (id) => ({ datasetId: id })],
    ["get_dashboard", "dashboardId", (id) => ({ dashboardId: id })],
    ["update_dashboard", "dashboardId", (id) => ({ dashboardId: id, name: "Eve was here" })],
    ["update_dashboard", "dashboardId", (id) => ({ dashboardId: id, description: null })],
    ["delete_dashboard", "dashboardId", (id) => ({ dashboardId: id })],
    ["render_dashboard", "dashboardId", (id) => ({ dashboardId: id })],
    ["add_widget", "dashboardId", (id) => ({ dashboardId: id, datasetId: eves.ds.id, title: "Peek", type: "metric", config: METRIC })],
    ["add_widget", "datasetId", (id) => ({ dashboardId: eves.dash.id, datasetId: id, title: "Peek", type: "metric", config: METRIC })],
    ["add_widget", "datasetId", (id) => ({ dashboardId: eves.dash.id, datasetId: id, title: "Peek", type: "table", config: { columns: ["secret"] } })],
    ["update_widget", "widgetId", (id) => ({ widgetId: id, title: "Eve was here" })],
    ["update_widget", "widgetId", (id) => ({ widgetId: id, config: { column: "units", aggregate: "max" } })],
    ["move_widget", "widgetId", (id) => ({ widgetId: id, position: 0 })],
    ["move_widget", "widgetId", (id) => ({ widgetId: id, position: 99 })],
    ["remove_widget", "widgetId", (id) => ({ widgetId: id })],
    ["render_widget", "widgetId", (id) => ({ widgetId: id })],
    ["create_automation", "config.datasetId", (id) => ({ name: "Spy", type: "threshold_alert", config: { ...thresholdConfig(eves.ds), datasetId: id } })],
    ["create_automation", "config.dashboardId", (id) => ({ name: "Spy", type: "scheduled_report", config: { dashboardId: id, schedule: "hourly" } })],
    ["update_automation", "automationId", (id) => ({ automationId: id, name: "Eve was here" })],
    ["update_automation", "automationId", (id) => ({ automationId: id, enabled: false })],
    ["update_automation", "config.datasetId", (id) => ({ automationId: eves.auto.id, config: { ...thresholdConfig(eves.ds), datasetId: id } })],
    ["update_automation", "config.dashboardId", (id) => ({ automationId: eves.rep.id, config: { dashboardId: id, schedule: "daily" } })],
    ["delete_automation", "automationId", (id) => ({ automationId: id })],
    ["run_automation", "automationId", (id) => ({ automationId: id })],
    ["list_automation_runs", "automationId", (id) => ({ automationId: id })],
    ["list_automation_runs", "automationId", (id) => ({ automationId: id, limit: 100 })],
  ];
}

const PREFIX = { datasetId: "ds", dashboardId: "dash", widgetId: "wdg", automationId: "auto" };

function foreignId(adas, argument) {
  const kind = argument.replace(/^config\./, "");
  return { datasetId: adas.ds.id, dashboardId: adas.dash.id, widgetId: adas.wdg.id, automationId: adas.auto.id }[kind];
}

function missingId(argument) {
  return randomId(PREFIX[argument.replace(/^config\./, "")]);
}

test("every tool and every id argument: another organization's id answers exactly like a random one, over HTTP", async () => {
  const ada = await newUser(worker, "Ada");
  const eve = await newUser(worker, "Eve");
  const adas = await world(ada, "Ada");
  const eves = await world(eve, "Eve");
  const calls = idCalls(eves);

  // Every tool that takes an id is covered.
  const covered = new Set(calls.map(([name]) => name));
  for (const name of TOOL_NAMES.filter((n) => !["whoami", "create_dataset", "list_datasets", "create_dashboard", "list_dashboards", "list_automations"].includes(n))) {
    assert.ok(covered.has(name), `${name} is not covered`);
  }

  const before = await snapshot(worker.db);
  for (const [name, argument, build] of calls) {
    const foreign = await tool(eve, name, build(foreignId(adas, argument)));
    const missing = await tool(eve, name, build(missingId(argument)));
    const what = `${name} with Ada's ${argument}`;
    assertAlike(foreign, missing, what);
    if (argument.startsWith("config.")) assertInvalid(foreign, argument, what);
    else assertError(foreign, 404, "NOT_FOUND", undefined, what);
    assert.ok(!JSON.stringify(foreign.body).includes(foreignId(adas, argument)), `${what}: the refusal repeats the id`);
  }
  await assertUnchanged(worker.db, before, "calls with Ada's ids");

  // Ada's records are whole and Eve's own still work.
  assert.equal((await ok(ada, "get_dataset", { datasetId: adas.ds.id })).rowCount, 3);
  assert.equal((await ok(ada, "get_dashboard", { dashboardId: adas.dash.id })).widgets.length, 1);
  assert.equal((await ok(ada, "list_automation_runs", { automationId: adas.auto.id })).runs.length, 1);
  assert.equal((await ok(eve, "get_dataset", { datasetId: eves.ds.id })).rowCount, 3);
});

test("every tool and every id argument: another organization's id answers exactly like a random one, over MCP", async () => {
  const ada = await newUser(worker, "Ada");
  const eve = await newUser(worker, "Eve");
  const adas = await world(ada, "Ada");
  const eves = await world(eve, "Eve");

  const before = await snapshot(worker.db);
  for (const [name, argument, build] of idCalls(eves)) {
    const foreign = await mcpCall(worker, eve.token, name, build(foreignId(adas, argument)));
    const missing = await mcpCall(worker, eve.token, name, build(missingId(argument)));
    const what = `MCP ${name} with Ada's ${argument}`;
    assert.equal(foreign.status, 200, what);
    assert.equal(foreign.body.result?.isError, true, `${what}: ${JSON.stringify(foreign.body).slice(0, 500)}`);
    assert.deepEqual(foreign.body.result, missing.body.result, what);
    assert.deepEqual(keys(foreign.body.result.structuredContent), ["code", "message"], what);
    assert.equal(foreign.headers.get("x-d1-round-trips"), missing.headers.get("x-d1-round-trips"), `${what}: round trips`);
  }
  await assertUnchanged(worker.db, before, "MCP calls with Ada's ids");
});

test("a plain member of another organization gets the same answers for Ada's ids as for random ones", async () => {
  // Eve is only a member of her organization: some tools refuse her role
  // first, but never differently for a foreign id than for a missing one.
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const boss = await newUser(worker, "Boss");
  const bosses = await world(boss, "Boss");
  const eve = await newUser(worker, "Eve");
  await addMember(worker, boss.orgId, eve, "member");
  const switched = await eve.client.post(`${ORG}/set-active`, { organizationId: boss.orgId });
  assert.equal(switched.status, 200);

  const before = await snapshot(worker.db);
  for (const [name, argument, build] of idCalls(bosses)) {
    const foreign = await tool(eve, name, build(foreignId(adas, argument)));
    const missing = await tool(eve, name, build(missingId(argument)));
    assertAlike(foreign, missing, `member: ${name} with Ada's ${argument}`);
  }
  await assertUnchanged(worker.db, before, "a member's calls with Ada's ids");
});

test("nothing of another organization leaks into list, get or render answers", async () => {
  const ada = await newUser(worker, "Ada");
  const eve = await newUser(worker, "Eve");
  const adas = await world(ada, "Ada");
  const eves = await world(eve, "Eve");
  const adaIds = [ada.orgId, adas.ds.id, adas.dash.id, adas.wdg.id, adas.auto.id, adas.rep.id, adas.run.id, "Ada sales", "Ada board"];

  const answers = [
    await ok(eve, "whoami"),
    await ok(eve, "list_datasets"),
    await ok(eve, "list_dashboards"),
    await ok(eve, "list_automations"),
    await ok(eve, "get_dataset", { datasetId: eves.ds.id }),
    await ok(eve, "query_dataset", { datasetId: eves.ds.id }),
    await ok(eve, "get_dashboard", { dashboardId: eves.dash.id }),
    await ok(eve, "render_dashboard", { dashboardId: eves.dash.id }),
    await ok(eve, "render_widget", { widgetId: eves.wdg.id }),
    await ok(eve, "list_automation_runs", { automationId: eves.auto.id }),
    await ok(eve, "run_automation", { automationId: eves.rep.id }),
  ];
  const text = JSON.stringify(answers);
  for (const id of adaIds) assert.ok(!text.includes(id), `Eve's answers mention ${id}`);
  assert.deepEqual((await ok(eve, "list_datasets")).datasets.map((d) => d.id), [eves.ds.id]);
  assert.deepEqual((await ok(eve, "list_dashboards")).dashboards.map((d) => d.id), [eves.dash.id]);
  assert.deepEqual(
    (await ok(eve, "list_automations")).automations.map((a) => a.id).sort(),
    [eves.auto.id, eves.rep.id].sort(),
  );
});

test("an organization id smuggled into tool arguments is refused, and headers naming an organization are ignored", async () => {
  const ada = await newUser(worker, "Ada");
  const eve = await newUser(worker, "Eve");
  const adas = await world(ada, "Ada");
  const eves = await world(eve, "Eve");

  const before = await snapshot(worker.db);
  const smuggles = [
    ["list_datasets", { orgId: ada.orgId }],
    ["list_dashboards", { organizationId: ada.orgId }],
    ["list_automations", { org_id: ada.orgId }],
    ["create_dashboard", { name: "Planted", orgId: ada.orgId }],
    ["create_dataset", { name: "Planted", columns: [{ name: "a", type: "text" }], orgId: ada.orgId }],
    ["get_dataset", { datasetId: adas.ds.id, orgId: ada.orgId }],
    ["query_dataset", { datasetId: adas.ds.id, organizationId: ada.orgId }],
    ["get_dashboard", { dashboardId: adas.dash.id, org_id: ada.orgId }],
    ["create_automation", { name: "Spy", type: "threshold_alert", config: { ...thresholdConfig(adas.ds), orgId: ada.orgId } }],
    ["add_widget", { dashboardId: eves.dash.id, datasetId: eves.ds.id, title: "W", type: "metric", config: { ...METRIC, orgId: ada.orgId } }],
  ];
  for (const [name, args] of smuggles) {
    const response = await tool(eve, name, args);
    assertError(response, 400, "VALIDATION_ERROR", /orgId|organizationId|org_id|unknown field/, `${name} ${JSON.stringify(args)}`);
  }
  // whoami takes no arguments: like every tool, it refuses unknown ones,
  // and without them it answers the caller's own context.
  for (const args of [{ orgId: ada.orgId }, { organizationId: ada.orgId, userId: ada.id }]) {
    assertError(await tool(eve, "whoami", args), 400, "VALIDATION_ERROR", /unknown field/, `whoami ${JSON.stringify(args)}`);
  }
  const me = await tool(eve, "whoami", {});
  assert.equal(me.status, 200);
  assert.deepEqual([me.body.orgId, me.body.userId], [eve.orgId, eve.id]);
  // Duplicate keys: the last one wins, and Ada's id is still not found.
  const duplicated = await eve.client.post("/api/tools/get_dataset", `{"datasetId":"${eves.ds.id}","datasetId":"${adas.ds.id}"}`);
  const random = await eve.client.post("/api/tools/get_dataset", `{"datasetId":"${eves.ds.id}","datasetId":"${randomId("ds")}"}`);
  assertAlike(duplicated, random, "duplicate datasetId keys");
  await assertUnchanged(worker.db, before, "smuggled organization ids");

  // Headers that could name an organization change nothing.
  for (const header of ["x-org-id", "x-organization-id", "x-active-organization", "organization"]) {
    const listed = await eve.client.post("/api/tools/list_datasets", {}, { headers: { [header]: ada.orgId } });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.datasets.map((d) => d.id), [eves.ds.id], header);
    const me = await eve.client.get(`/api/whoami?orgId=${ada.orgId}&organizationId=${ada.orgId}`, { headers: { [header]: ada.orgId } });
    assert.equal(me.body.orgId, eve.orgId, header);
  }
});

// ---------------------------------------------------------------- organization endpoints

/** Ada's organization with a member (Mia) and a pending invitation; Eve outside it. */
async function organizations() {
  const ada = await newUser(worker, "Ada");
  const mia = await newUser(worker, "Mia");
  const miaMemberId = await addMember(worker, ada.orgId, mia, "member");
  const invited = await ada.client.post(`${ORG}/invite-member`, { email: uniqueEmail("invitee"), role: "member" });
  assert.equal(invited.status, 200, JSON.stringify(invited.body));
  const slug = (await worker.db.prepare(`select slug from organization where id = ?`).bind(ada.orgId).first()).slug;
  const eve = await newUser(worker, "Eve");
  return { ada, mia, miaMemberId, invitation: invited.body, slug, eve };
}

async function send(user, method, path, args) {
  return method === "GET" ? user.client.get(`${path}?${new URLSearchParams(args)}`) : user.client.post(path, args);
}

/** Status, body, content type and cookies alike; answers both responses. */
async function bothAlike(user, method, path, foreignArgs, missingArgs, what) {
  const foreign = await send(user, method, path, foreignArgs);
  const missing = await send(user, method, path, missingArgs);
  const { roundTrips: _f, ...foreignSeen } = telling(foreign);
  const { roundTrips: _m, ...missingSeen } = telling(missing);
  assert.notEqual(foreign.status, 200, `${what}: a foreign id was served: ${JSON.stringify(foreign.body)?.slice(0, 500)}`);
  assert.deepEqual(foreignSeen, missingSeen, what);
  assertError(foreign, foreign.status, undefined, undefined, what);
  return { foreign, missing };
}

/** The organization endpoint cases: [method, action, foreign arguments, missing arguments]. */
function organizationCases({ ada, miaMemberId, slug }) {
  const missingOrg = randomId();
  return [
    ["POST", "set-active", { organizationId: ada.orgId }, { organizationId: missingOrg }],
    ["POST", "set-active", { organizationSlug: slug }, { organizationSlug: `${slug}-missing` }],
    ["GET", "get-full-organization", { organizationId: ada.orgId }, { organizationId: missingOrg }],
    ["GET", "get-full-organization", { organizationSlug: slug }, { organizationSlug: `${slug}-missing` }],
    ["GET", "list-members", { organizationId: ada.orgId }, { organizationId: missingOrg }],
    ["GET", "list-members", { organizationId: ada.orgId, limit: "100", offset: "0" }, { organizationId: missingOrg, limit: "100", offset: "0" }],
    ["GET", "list-invitations", { organizationId: ada.orgId }, { organizationId: missingOrg }],
    ["POST", "has-permission", { organizationId: ada.orgId, permissions: { member: ["delete"] } }, { organizationId: missingOrg, permissions: { member: ["delete"] } }],
    ["POST", "invite-member", { organizationId: ada.orgId, email: uniqueEmail("x"), role: "member" }, { organizationId: missingOrg, email: uniqueEmail("y"), role: "member" }],
    ["POST", "invite-member", { organizationId: ada.orgId, email: ada.email, role: "member" }, { organizationId: missingOrg, email: ada.email, role: "member" }],
    ["POST", "remove-member", { organizationId: ada.orgId, memberIdOrEmail: miaMemberId }, { organizationId: missingOrg, memberIdOrEmail: randomId() }],
    ["POST", "remove-member", { organizationId: ada.orgId, memberIdOrEmail: ada.email }, { organizationId: missingOrg, memberIdOrEmail: ada.email }],
    ["POST", "update-member-role", { organizationId: ada.orgId, memberId: miaMemberId, role: "admin" }, { organizationId: missingOrg, memberId: randomId(), role: "admin" }],
    ["POST", "update-member-role", { organizationId: ada.orgId, memberId: ada.memberId, role: "member" }, { organizationId: missingOrg, memberId: randomId(), role: "member" }],
    ["POST", "leave", { organizationId: ada.orgId }, { organizationId: missingOrg }],
  ];
}

test("every organization endpoint answers a foreign organizationId or slug exactly like a missing one", async () => {
  const setup = await organizations();
  const before = await snapshot(worker.db);
  for (const [method, action, foreignArgs, missingArgs] of organizationCases(setup)) {
    await bothAlike(setup.eve, method, `${ORG}/${action}`, foreignArgs, missingArgs, `${action} ${JSON.stringify(foreignArgs)}`);
  }
  await assertUnchanged(worker.db, before, "organization endpoints with Ada's organization");
  assert.equal((await setup.eve.client.get("/api/whoami")).body.orgId, setup.eve.orgId);
});

test("the x-d1-round-trips header does not tell a foreign organization or invitation from a missing one", async () => {
  const setup = await organizations();
  const cases = [
    ...organizationCases(setup),
    ["POST", "cancel-invitation", { invitationId: setup.invitation.id }, { invitationId: randomId() }],
  ];
  const telltale = [];
  for (const [method, action, foreignArgs, missingArgs] of cases) {
    const foreign = await send(setup.eve, method, `${ORG}/${action}`, foreignArgs);
    const missing = await send(setup.eve, method, `${ORG}/${action}`, missingArgs);
    const f = foreign.headers.get("x-d1-round-trips");
    const m = missing.headers.get("x-d1-round-trips");
    if (f !== m) telltale.push(`${action} ${Object.keys(foreignArgs).join("+")}: foreign ${f}, missing ${m}`);
  }
  assert.deepEqual(telltale, [], `round trips reveal which ids exist:\n${telltale.join("\n")}`);
});

test("a foreign memberId or member email inside one's own organization answers like a missing one", async () => {
  const { ada, mia, miaMemberId, eve } = await organizations();
  const before = await snapshot(worker.db);
  const cases = [
    ["remove-member", { memberIdOrEmail: miaMemberId }, { memberIdOrEmail: randomId() }],
    ["remove-member", { memberIdOrEmail: ada.memberId }, { memberIdOrEmail: randomId() }],
    ["remove-member", { memberIdOrEmail: mia.email }, { memberIdOrEmail: uniqueEmail("nobody") }],
    ["remove-member", { memberIdOrEmail: ada.email.toUpperCase() }, { memberIdOrEmail: uniqueEmail("nobody").toUpperCase() }],
    ["remove-member", { organizationId: eve.orgId, memberIdOrEmail: miaMemberId }, { organizationId: eve.orgId, memberIdOrEmail: randomId() }],
    ["update-member-role", { memberId: miaMemberId, role: "admin" }, { memberId: randomId(), role: "admin" }],
    ["update-member-role", { memberId: ada.memberId, role: "member" }, { memberId: randomId(), role: "member" }],
    ["update-member-role", { organizationId: eve.orgId, memberId: miaMemberId, role: "owner" }, { organizationId: eve.orgId, memberId: randomId(), role: "owner" }],
  ];
  for (const [action, foreignArgs, missingArgs] of cases) {
    const { foreign } = await bothAlike(eve, "POST", `${ORG}/${action}`, foreignArgs, missingArgs, `${action} ${JSON.stringify(foreignArgs)}`);
    assertError(foreign, 400, "MEMBER_NOT_FOUND");
  }
  await assertUnchanged(worker.db, before, "foreign members in Eve's organization");
});

test("cancel-invitation answers another organization's invitation exactly like a missing one", async () => {
  const { invitation, eve } = await organizations();
  const before = await snapshot(worker.db);
  const { foreign } = await bothAlike(eve, "POST", `${ORG}/cancel-invitation`, { invitationId: invitation.id }, { invitationId: randomId() }, "cancel-invitation");
  assertError(foreign, 400, "INVITATION_NOT_FOUND");
  await assertUnchanged(worker.db, before, "cancel of a foreign invitation");
  assert.equal((await worker.db.prepare(`select status from invitation where id = ?`).bind(invitation.id).first()).status, "pending");
});

test(
  "accept-invitation and reject-invitation answer another organization's invitation, addressed to someone else, like a missing one",
  async () => {
    const { invitation, eve } = await organizations();
    const before = await snapshot(worker.db);
    for (const action of ["accept-invitation", "reject-invitation"]) {
      const foreign = await eve.client.post(`${ORG}/${action}`, { invitationId: invitation.id });
      const missing = await eve.client.post(`${ORG}/${action}`, { invitationId: randomId() });
      // Whatever it answers, the refusal names nothing of the organization.
      assert.ok(!JSON.stringify(foreign.body).includes(invitation.organizationId), action);
      assert.ok(!JSON.stringify(foreign.body).includes(invitation.email), action);
      await assertUnchanged(worker.db, before, action);
      assertAlike(foreign, missing, action);
    }
  },
);

test("accepting or rejecting another's invitation changes nothing and reveals nothing of the organization", async () => {
  const { invitation, eve } = await organizations();
  const before = await snapshot(worker.db);
  for (const action of ["accept-invitation", "reject-invitation"]) {
    const foreign = await eve.client.post(`${ORG}/${action}`, { invitationId: invitation.id });
    assertError(foreign, 400, "INVITATION_NOT_FOUND", undefined, action);
    for (const secret of [invitation.organizationId, invitation.email, invitation.inviterId, "Ada"]) {
      assert.ok(!foreign.text?.includes?.(secret) && !JSON.stringify(foreign.body).includes(secret), `${action} reveals ${secret}`);
    }
  }
  await assertUnchanged(worker.db, before, "answering another's invitation");
  assert.deepEqual((await eve.client.get(`${ORG}/list`)).body.map((o) => o.id), [eve.orgId]);
});
