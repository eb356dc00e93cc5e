// Fixtures every integration test file uses: the tool names, users with
// their personal organizations, memberships written straight to D1, and
// small helpers for comparing answers.

import { randomUUID } from "node:crypto";
import { signUp } from "./client.mjs";

/** Every tool, in the order `GET /api/tools` and MCP's tools/list answer. */
export const TOOL_NAMES = [
  "whoami",
  "create_dataset",
  "list_datasets",
  "get_dataset",
  "append_rows",
  "query_dataset",
  "delete_dataset",
  "create_dashboard",
  "list_dashboards",
  "get_dashboard",
  "update_dashboard",
  "delete_dashboard",
  "add_widget",
  "update_widget",
  "move_widget",
  "remove_widget",
  "render_widget",
  "render_dashboard",
  "create_automation",
  "list_automations",
  "update_automation",
  "delete_automation",
  "run_automation",
  "list_automation_runs",
];

/** An object's keys, sorted, to compare shapes. */
export function keys(object) {
  return Object.keys(object).sort();
}

/** An id of the right shape that names nothing. */
export function randomId(prefix) {
  const id = randomUUID().replaceAll("-", "");
  return prefix ? `${prefix}_${id}` : id;
}

/**
 * Signs up a user on `worker`; adds their id, their personal organization's
 * id, their membership's id and the worker.
 */
export async function newUser(worker, name = "Test User", extra = {}) {
  const signed = await signUp(worker, { name, ...extra });
  const row = await worker.db
    .prepare(`select "organizationId" as "id", "id" as "memberId" from "member" where "userId" = ?`)
    .bind(signed.user.id)
    .first();
  return { ...signed, id: signed.user.id, name, orgId: row.id, memberId: row.memberId, worker };
}

let memberClock = 0;

/**
 * Adds a membership straight in D1 (a fixture, so that tests of roles do
 * not depend on the invitation flow); answers its id. Each one made gets a
 * later createdAt than the one before.
 */
export async function addMember(worker, orgId, user, role) {
  memberClock = Math.max(memberClock + 1, Date.now());
  const id = `m${randomUUID().replaceAll("-", "")}`;
  await worker.db
    .prepare(`insert into "member" ("id", "organizationId", "userId", "role", "createdAt") values (?, ?, ?, ?, ?)`)
    .bind(id, orgId, user.id, role, new Date(memberClock).toISOString())
    .run();
  return id;
}
