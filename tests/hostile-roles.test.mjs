// Hostile role changes: members promoting themselves, admins removing or
// demoting owners, the last owner removed, demoted or leaving, invitations
// accepted by the wrong person or twice, and plain members calling the
// tools reserved to owners and admins (over HTTP and MCP). Every refusal is
// a {code, message} body and leaves D1 exactly as it was; a role taken away
// takes effect on the very next request.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/worker.mjs";
import {
  METRIC,
  SALES_COLUMNS,
  addMember,
  assertError,
  assertMcpToolError,
  assertUnchanged,
  mcpCall,
  newUser,
  ok,
  snapshot,
  thresholdConfig,
  tool,
  uniqueEmail,
  world,
} from "./support/hostile.mjs";

const ORG = "/api/auth/organization";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

/** Ada owns an organization with an admin (Al) and two plain members (Mo, Max), each active in it. */
async function team() {
  const ada = await newUser(worker, "Ada");
  const members = {};
  for (const [key, name, role] of [
    ["al", "Al", "admin"],
    ["mo", "Mo", "member"],
    ["max", "Max", "member"],
  ]) {
    const user = await newUser(worker, name);
    user.memberIdInOrg = await addMember(worker, ada.orgId, user, role);
    const switched = await user.client.post(`${ORG}/set-active`, { organizationId: ada.orgId });
    assert.equal(switched.status, 200);
    members[key] = user;
  }
  return { ada, ...members };
}

async function roleOf(memberId) {
  return (await worker.db.prepare(`select role from member where id = ?`).bind(memberId).first())?.role ?? null;
}

/** Posts to an organization endpoint and expects a refusal that changes nothing. */
async function refused(user, action, body, status, code, what = action) {
  const before = await snapshot(worker.db);
  const response = await user.client.post(`${ORG}/${action}`, body);
  assertError(response, status, code, undefined, `${what} ${JSON.stringify(body)}`);
  await assertUnchanged(worker.db, before, what);
  return response;
}

// ---------------------------------------------------------------- promotions

test("a plain member cannot promote itself or anyone, in any spelling of the role", async () => {
  const { ada, mo, max } = await team();
  const roles = ["admin", "owner", ["owner"], ["member", "owner"], "member,owner", "admin, owner", " owner ", ["admin", "admin"]];
  for (const role of roles) {
    await refused(mo, "update-member-role", { memberId: mo.memberIdInOrg, role }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "self-promotion");
    await refused(mo, "update-member-role", { memberId: max.memberIdInOrg, role }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "promoting a peer");
    await refused(mo, "update-member-role", { memberId: mo.memberIdInOrg, role, organizationId: ada.orgId }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "self-promotion naming the organization");
  }
  // Roles that do not exist are refused before anything else, whoever asks.
  for (const role of ["Owner", "OWNER", "superadmin", "owner;admin", "", [], ["owner", "root"], "owner\u0000"]) {
    const response = await mo.client.post(`${ORG}/update-member-role`, { memberId: mo.memberIdInOrg, role });
    assert.ok([400, 403].includes(response.status), `${JSON.stringify(role)} -> ${response.status}`);
    assertError(response, response.status, undefined, undefined, JSON.stringify(role));
  }
  // Nor can a member demote the owner or another member.
  await refused(mo, "update-member-role", { memberId: ada.memberId, role: "member" }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "member demoting the owner");
  assert.equal(await roleOf(mo.memberIdInOrg), "member");
  assert.equal(await roleOf(ada.memberId), "owner");
  assert.deepEqual((await mo.client.get("/api/whoami")).body.roles, ["member"]);
});

test("an admin can neither make itself nor anyone an owner", async () => {
  const { al, mo } = await team();
  for (const role of ["owner", ["admin", "owner"], "owner,admin"]) {
    await refused(al, "update-member-role", { memberId: al.memberIdInOrg, role }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "admin self-promotion");
    await refused(al, "update-member-role", { memberId: mo.memberIdInOrg, role }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "admin making an owner");
  }
  // Nor invite one, nor re-send an invitation that grants it.
  await refused(al, "invite-member", { email: uniqueEmail("owner-to-be"), role: "owner" }, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE");
  await refused(al, "invite-member", { email: uniqueEmail("owner-to-be"), role: ["member", "owner"] }, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE");
  assert.equal(await roleOf(al.memberIdInOrg), "admin");
});

test("a plain member can neither invite, cancel invitations, nor remove anyone", async () => {
  const { ada, al, mo, max } = await team();
  const pending = await ada.client.post(`${ORG}/invite-member`, { email: uniqueEmail("pending"), role: "member" });
  assert.equal(pending.status, 200);
  await refused(mo, "invite-member", { email: uniqueEmail("friend"), role: "member" }, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION");
  await refused(mo, "cancel-invitation", { invitationId: pending.body.id }, 403, "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION");
  for (const target of [max.memberIdInOrg, max.email, al.memberIdInOrg, ada.memberId, ada.email]) {
    await refused(mo, "remove-member", { memberIdOrEmail: target }, 403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER", `member removing ${target}`);
  }
  const listed = await mo.client.get(`${ORG}/list-invitations`);
  assertError(listed, 403, "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS");
  const full = await mo.client.get(`${ORG}/get-full-organization`);
  assert.deepEqual(full.body.invitations, [], "a member sees no invitations");
  const allowed = await mo.client.post(`${ORG}/has-permission`, { permissions: { member: ["update"] } });
  assert.deepEqual(allowed.body, { error: null, success: false });
});

// ---------------------------------------------------------------- the owner

test("an admin can neither remove nor demote the owner, by id or by email", async () => {
  const { ada, al } = await team();
  for (const target of [ada.memberId, ada.email, ada.email.toUpperCase(), `  ${ada.email}  `]) {
    await refused(al, "remove-member", { memberIdOrEmail: target }, 403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER", `admin removing the owner by ${target}`);
  }
  for (const role of ["admin", "member", ["admin"], "admin,member"]) {
    await refused(al, "update-member-role", { memberId: ada.memberId, role }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", `admin demoting the owner to ${role}`);
  }
  // An owner that also holds other roles is still an owner.
  await worker.db.prepare(`update member set role = 'admin,owner' where id = ?`).bind(ada.memberId).run();
  await refused(al, "remove-member", { memberIdOrEmail: ada.memberId }, 403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER", "admin removing an admin,owner");
  await refused(al, "update-member-role", { memberId: ada.memberId, role: "admin" }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "admin demoting an admin,owner");
  await worker.db.prepare(`update member set role = 'member, owner' where id = ?`).bind(ada.memberId).run();
  await refused(al, "remove-member", { memberIdOrEmail: ada.memberId }, 403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER", "admin removing a 'member, owner'");
  assert.equal(await roleOf(ada.memberId), "member, owner");
});

test("the last owner can be neither removed, demoted, nor leave, in any way", async () => {
  const { ada, al } = await team();
  await refused(ada, "remove-member", { memberIdOrEmail: ada.memberId }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER", "removing oneself as last owner");
  await refused(ada, "remove-member", { memberIdOrEmail: ada.email.toUpperCase() }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER", "removing oneself by email");
  await refused(ada, "leave", { organizationId: ada.orgId }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER", "the last owner leaving");
  for (const role of ["admin", "member", ["admin", "member"]]) {
    await refused(ada, "update-member-role", { memberId: ada.memberId, role }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER", `the last owner demoting itself to ${role}`);
  }
  // A second "owner" whose role only contains the word does not count.
  await worker.db.prepare(`update member set role = 'co-owner' where id = ?`).bind(al.memberIdInOrg).run().catch(() => {});
  await refused(ada, "leave", { organizationId: ada.orgId }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER", "leaving beside a 'co-owner'");
  await worker.db.prepare(`update member set role = 'owners' where id = ?`).bind(al.memberIdInOrg).run();
  await refused(ada, "update-member-role", { memberId: ada.memberId, role: "member" }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER", "demoting beside an 'owners'");
  // An owner of another organization does not count either.
  const other = await newUser(worker, "Other");
  await refused(ada, "remove-member", { memberIdOrEmail: ada.memberId }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER", "beside an owner elsewhere");
  assert.equal(await roleOf(other.memberId), "owner");
  assert.equal(await roleOf(ada.memberId), "owner");
});

test("an owner's promotion of an admin makes two owners; then, and only then, one may go", async () => {
  const { ada, al } = await team();
  const promoted = await ada.client.post(`${ORG}/update-member-role`, { memberId: al.memberIdInOrg, role: "owner" });
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  // Now Al (owner) demotes Ada; Ada, no longer an owner, cannot climb back.
  const demoted = await al.client.post(`${ORG}/update-member-role`, { memberId: ada.memberId, role: "admin" });
  assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
  await refused(ada, "update-member-role", { memberId: ada.memberId, role: "owner" }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", "ex-owner re-promoting itself");
  await refused(ada, "remove-member", { memberIdOrEmail: al.memberIdInOrg }, 403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER", "ex-owner removing the owner");
  await refused(al, "leave", { organizationId: ada.orgId }, 400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER", "the new sole owner leaving");
});

// ---------------------------------------------------------------- invitations

test("an invitation meant for another email cannot be accepted or rejected by a look-alike address, nor by the inviter", async () => {
  const ada = await newUser(worker, "Ada");
  const target = uniqueEmail("target");
  const invited = await ada.client.post(`${ORG}/invite-member`, { email: target, role: "admin" });
  assert.equal(invited.status, 200);
  // Mallory signs up with look-alike emails; none is the invitee, and
  // outside the organization the invitation answers as missing.
  const lookalikes = [
    target.replace("@", "+x@"),
    target.replace("example.com", "example.co"),
    target.replace("target", "targe1"),
    `x${target}`,
  ];
  for (const email of lookalikes) {
    const mallory = await newUser(worker, "Mallory", { email });
    for (const action of ["accept-invitation", "reject-invitation"]) {
      await refused(mallory, action, { invitationId: invited.body.id }, 400, "INVITATION_NOT_FOUND", `${action} as ${email}`);
    }
    assert.deepEqual((await mallory.client.get(`${ORG}/list`)).body.map((o) => o.id), [mallory.orgId]);
  }
  // The inviter cannot accept on the invitee's behalf either; a member of
  // the organization is told why, as Better Auth does.
  await refused(ada, "accept-invitation", { invitationId: invited.body.id }, 403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION", "the inviter accepting");
  const row = await worker.db.prepare(`select status from invitation where id = ?`).bind(invited.body.id).first();
  assert.equal(row.status, "pending");
});

test("an accepted invitation cannot be reused: not after leaving, not after removal, not by anyone", async () => {
  const ada = await newUser(worker, "Ada");
  const bob = await newUser(worker, "Bob");
  const invited = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "admin" });
  const accepted = await bob.client.post(`${ORG}/accept-invitation`, { invitationId: invited.body.id });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

  // Removed by the owner, Bob replays the invitation to come back (as admin).
  const removed = await ada.client.post(`${ORG}/remove-member`, { memberIdOrEmail: bob.email });
  assert.equal(removed.status, 200);
  await refused(bob, "accept-invitation", { invitationId: invited.body.id }, 400, "INVITATION_NOT_FOUND", "replay after removal");
  await refused(bob, "reject-invitation", { invitationId: invited.body.id }, 400, "INVITATION_NOT_FOUND", "reject after acceptance");

  // Invited again as a member, Bob accepts, leaves, and replays both invitations.
  const again = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "member" });
  assert.equal(again.status, 200);
  assert.equal((await bob.client.post(`${ORG}/accept-invitation`, { invitationId: again.body.id })).status, 200);
  assert.equal((await bob.client.post(`${ORG}/leave`, { organizationId: ada.orgId })).status, 200);
  for (const id of [invited.body.id, again.body.id]) {
    await refused(bob, "accept-invitation", { invitationId: id }, 400, "INVITATION_NOT_FOUND", "replay after leaving");
  }
  // A second session of Bob's does no better.
  const signIn = await worker.fetch("/api/auth/sign-in/email", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: bob.email, password: bob.password }),
  });
  const { token } = await signIn.json();
  const before = await snapshot(worker.db);
  const replay = await worker.fetch(`${ORG}/accept-invitation`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ invitationId: invited.body.id }),
  });
  assert.equal(replay.status, 400);
  assert.equal((await replay.json()).code, "INVITATION_NOT_FOUND");
  await assertUnchanged(worker.db, before, "replay from another session");
  assert.equal(await worker.db.prepare(`select count(*) as n from member where "organizationId" = ? and "userId" = ?`).bind(ada.orgId, bob.id).first("n"), 0);
});

test("rejected, canceled and expired invitations cannot be accepted", async () => {
  const ada = await newUser(worker, "Ada");
  const bob = await newUser(worker, "Bob");
  const rejected = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "admin" });
  assert.equal((await bob.client.post(`${ORG}/reject-invitation`, { invitationId: rejected.body.id })).status, 200);
  await refused(bob, "accept-invitation", { invitationId: rejected.body.id }, 400, "INVITATION_NOT_FOUND", "accepting a rejected invitation");

  const canceled = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "admin" });
  assert.equal((await ada.client.post(`${ORG}/cancel-invitation`, { invitationId: canceled.body.id })).status, 200);
  await refused(bob, "accept-invitation", { invitationId: canceled.body.id }, 400, "INVITATION_NOT_FOUND", "accepting a canceled invitation");

  const expired = await ada.client.post(`${ORG}/invite-member`, { email: bob.email, role: "admin" });
  await worker.db.prepare(`update invitation set "expiresAt" = ? where id = ?`).bind(new Date(Date.now() - 1000).toISOString(), expired.body.id).run();
  await refused(bob, "accept-invitation", { invitationId: expired.body.id }, 400, "INVITATION_NOT_FOUND", "accepting an expired invitation");
  assert.equal(await worker.db.prepare(`select count(*) as n from member where "organizationId" = ? and "userId" = ?`).bind(ada.orgId, bob.id).first("n"), 0);
});

// ---------------------------------------------------------------- admin-only tools

/** Every tool call only owners and admins may make, built from the owner's records. */
function adminOnlyCalls(adas) {
  return [
    ["create_dataset", { name: "Mine", columns: SALES_COLUMNS }],
    ["create_dataset", { name: "Mine", columns: [{ name: "a", type: "text" }], rows: [{ a: "x" }] }],
    ["append_rows", { datasetId: adas.ds.id, rows: [{ month: "m", region: "r", amount: 1, units: 1 }] }],
    ["delete_dataset", { datasetId: adas.ds.id }],
    ["create_automation", { name: "Mine", type: "threshold_alert", config: thresholdConfig(adas.ds) }],
    ["create_automation", { name: "Mine", type: "scheduled_report", config: { dashboardId: adas.dash.id, schedule: "daily" } }],
    ["update_automation", { automationId: adas.auto.id, enabled: false }],
    ["update_automation", { automationId: adas.auto.id, name: "Renamed" }],
    ["delete_automation", { automationId: adas.auto.id }],
    ["run_automation", { automationId: adas.auto.id }],
    ["run_automation", { automationId: adas.rep.id }],
    // Records the owner created: only their creator, owners and admins.
    ["update_dashboard", { dashboardId: adas.dash.id, name: "Renamed" }],
    ["delete_dashboard", { dashboardId: adas.dash.id }],
    ["add_widget", { dashboardId: adas.dash.id, datasetId: adas.ds.id, title: "Mine", type: "metric", config: METRIC }],
    ["update_widget", { widgetId: adas.wdg.id, title: "Renamed" }],
    ["move_widget", { widgetId: adas.wdg.id, position: 3 }],
    ["remove_widget", { widgetId: adas.wdg.id }],
  ];
}

test("a plain member calling owner/admin-only tools gets 403 FORBIDDEN over HTTP and MCP, and nothing changes", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const mo = await newUser(worker, "Mo");
  await addMember(worker, ada.orgId, mo, "member");
  assert.equal((await mo.client.post(`${ORG}/set-active`, { organizationId: ada.orgId })).status, 200);

  const before = await snapshot(worker.db);
  for (const [name, args] of adminOnlyCalls(adas)) {
    assertError(await tool(mo, name, args), 403, "FORBIDDEN", /only/, `${name} ${JSON.stringify(args)}`);
    assertMcpToolError(await mcpCall(worker, mo.token, name, args), "FORBIDDEN", `MCP ${name}`);
  }
  await assertUnchanged(worker.db, before, "a member's calls to admin-only tools");
  // What a member may do still works: read, and make its own dashboard.
  assert.equal((await ok(mo, "get_dataset", { datasetId: adas.ds.id })).rowCount, 3);
  await ok(mo, "create_dashboard", { name: "Mo's" });
});

test("roles the server does not know grant nothing: 'Owner', 'superadmin', 'owner ' spelled oddly in D1", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  for (const role of ["Owner", "ADMIN", "superadmin", "root", "owner;", "ownerx", "admins", ""]) {
    const user = await newUser(worker, `Odd ${role}`);
    await addMember(worker, ada.orgId, user, role);
    assert.equal((await user.client.post(`${ORG}/set-active`, { organizationId: ada.orgId })).status, 200);
    const me = await user.client.get("/api/whoami");
    assert.equal(me.body.orgId, ada.orgId);
    const before = await snapshot(worker.db);
    for (const [name, args] of adminOnlyCalls(adas)) {
      assertError(await tool(user, name, args), 403, "FORBIDDEN", undefined, `role ${JSON.stringify(role)}: ${name}`);
    }
    await refused(user, "invite-member", { email: uniqueEmail("z"), role: "member" }, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION", `role ${role}`);
    await refused(user, "update-member-role", { memberId: ada.memberId, role: "member" }, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER", `role ${role}`);
    await assertUnchanged(worker.db, before, `role ${JSON.stringify(role)}`);
  }
});

test("a role taken away takes effect on the next request: a demoted admin is refused at once", async () => {
  const ada = await newUser(worker, "Ada");
  const adas = await world(ada, "Ada");
  const al = await newUser(worker, "Al");
  const alMember = await addMember(worker, ada.orgId, al, "admin");
  assert.equal((await al.client.post(`${ORG}/set-active`, { organizationId: ada.orgId })).status, 200);
  // As admin, Al may append.
  await ok(al, "append_rows", { datasetId: adas.ds.id, rows: [{ month: "m", region: "r", amount: 1, units: 1 }] });

  const demoted = await ada.client.post(`${ORG}/update-member-role`, { memberId: alMember, role: "member" });
  assert.equal(demoted.status, 200, JSON.stringify(demoted.body));

  const before = await snapshot(worker.db);
  assert.deepEqual((await al.client.get("/api/whoami")).body.roles, ["member"]);
  for (const [name, args] of adminOnlyCalls(adas)) {
    assertError(await tool(al, name, args), 403, "FORBIDDEN", undefined, `demoted admin: ${name}`);
    assertMcpToolError(await mcpCall(worker, al.token, name, args), "FORBIDDEN", `demoted admin over MCP: ${name}`);
  }
  await refused(al, "invite-member", { email: uniqueEmail("late"), role: "member" }, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION", "demoted admin inviting");
  await assertUnchanged(worker.db, before, "a demoted admin's calls");
});
