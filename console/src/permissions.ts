// What the caller's roles allow, so the console hides or disables what the
// server would refuse anyway (the server decides; this only spares people
// from buttons that cannot work). Roles are combined: a member holding
// `admin,member` may do what either allows, as orgscope rules.

/**
 * The organization, member and invitation actions the console offers. In
 * Better Auth's default statements owners may do all of them, admins all
 * but deleting the organization (which the console does not offer) and
 * plain members none.
 */
type Action = "invitation:create" | "invitation:cancel" | "member:update" | "member:delete";

const EVERY_ACTION: readonly Action[] = ["invitation:create", "invitation:cancel", "member:update", "member:delete"];
const GRANTS = new Map<string, readonly Action[]>([
  ["owner", EVERY_ACTION],
  ["admin", EVERY_ACTION],
  ["member", []],
]);

/** Whether any of `roles` allows `action`. */
export function allows(roles: readonly string[], action: Action): boolean {
  return roles.some((role) => GRANTS.get(role)?.includes(action) ?? false);
}

/** Splits a stored `member.role` (`"admin,member"`) into its roles. */
export function splitRoles(role: string | null | undefined): string[] {
  return (role ?? "")
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "");
}

export function isOwner(roles: readonly string[]): boolean {
  return roles.includes("owner");
}

/** Owners and admins manage datasets and automations and change anything. */
export function isAdmin(roles: readonly string[]): boolean {
  return roles.includes("owner") || roles.includes("admin");
}

/** Whether the caller may change a dashboard or widget `createdById` made. */
export function mayChange(roles: readonly string[], userId: string, createdById: string | null): boolean {
  return isAdmin(roles) || createdById === userId;
}

/** Whether the caller may change the role of a member holding `targetRole`. */
export function mayChangeRole(roles: readonly string[], targetRole: string): boolean {
  return allows(roles, "member:update") && (isOwner(roles) || !isOwner(splitRoles(targetRole)));
}

/** Whether the caller may remove a member holding `targetRole`. */
export function mayRemove(roles: readonly string[], targetRole: string): boolean {
  return allows(roles, "member:delete") && (isOwner(roles) || !isOwner(splitRoles(targetRole)));
}

/** The roles the caller may hand out: only an owner grants `owner`. */
export function grantableRoles(roles: readonly string[]): string[] {
  return isOwner(roles) ? ["member", "admin", "owner"] : ["member", "admin"];
}
