// The organization screen: invitations addressed to me (accept, reject),
// the active organization's members with their roles (change a role,
// remove, leave), invitations it sent (invite, cancel), and creating a new
// organization. Controls the caller's roles do not allow are left out.

import { organizations } from "../api";
import { button, confirmButton, formatDate, h, same, select } from "../dom";
import { field, formError, onSubmit, showError } from "../forms";
import { allows, grantableRoles, isOwner, mayChangeRole, mayRemove, splitRoles } from "../permissions";
import type { Screen } from "../screen";
import { changeOrganization, refreshSession } from "../session";
import type { FullOrganization, Invitation, Member, UserInvitation } from "../types";

/** Lowercase letters, digits and dashes, as organization slugs must be. */
function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

function textInput(name: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h("input", { name, type: "text", ...attrs });
}

function myInvitation(invitation: UserInvitation, status: HTMLElement): HTMLElement {
  const failed = (error: unknown) => showError(status, error);
  return h(
    "li",
    { class: "invitation" },
    h("span", {}, h("strong", {}, invitation.organizationName), ` as ${invitation.role ?? "member"}`),
    h(
      "span",
      { class: "actions" },
      button(
        "Accept",
        () => void changeOrganization(() => organizations.accept(invitation.id)).catch(failed),
        { class: "primary" },
      ),
      button("Reject", () => void organizations.reject(invitation.id).then(refreshSession, failed)),
    ),
  );
}

function myInvitations(screen: Screen): HTMLElement | null {
  const invitations = screen.session.invitations;
  if (invitations.length === 0) return null;
  const status = h("div", {}, formError());
  return h(
    "section",
    { class: "card", "aria-label": "Invitations for you" },
    h("h2", {}, "Invitations for you"),
    status,
    h("ul", { class: "plain" }, ...invitations.map((i) => myInvitation(i, status))),
  );
}

function roleControl(screen: Screen, org: FullOrganization, member: Member, status: HTMLElement): HTMLElement {
  const roles = screen.ctx.roles;
  if (!mayChangeRole(roles, member.role)) return h("span", {}, member.role);
  const choices = grantableRoles(roles);
  // A combined role (`admin,member`) stays selectable as it is.
  if (!choices.includes(member.role)) choices.push(member.role);
  const control = select("role", same(choices), member.role, { "aria-label": `Role of ${member.user.email}` });
  control.addEventListener("change", () => {
    control.disabled = true;
    organizations.updateRole(org.id, member.id, control.value).then(
      () => screen.refresh(),
      (error: unknown) => {
        control.disabled = false;
        control.value = member.role;
        showError(status, error);
      },
    );
  });
  return control;
}

function memberRow(screen: Screen, org: FullOrganization, member: Member, status: HTMLElement): HTMLElement {
  const me = member.userId === screen.ctx.userId;
  const remove =
    !me && mayRemove(screen.ctx.roles, member.role)
      ? confirmButton("Remove", () => {
          organizations.remove(org.id, member.id).then(
            () => screen.refresh(),
            (error: unknown) => showError(status, error),
          );
        })
      : null;
  // An organization never loses its last owner: the server refuses that
  // leave, so the button is not offered.
  const owners = org.members.filter((m) => isOwner(splitRoles(m.role))).length;
  const lastOwner = isOwner(splitRoles(member.role)) && owners === 1;
  const leave = me && !lastOwner
    ? confirmButton("Leave", () => {
        changeOrganization(() => organizations.leave(org.id)).catch((error: unknown) => showError(status, error));
      })
    : null;
  return h(
    "tr",
    {},
    h(
      "td",
      {},
      member.user.name,
      me ? " (you)" : "",
      // At a phone's width the email goes under the name, not in a column.
      h("div", { class: "muted narrow-only" }, member.user.email),
    ),
    h("td", { class: "email wide-only" }, member.user.email),
    h("td", {}, roleControl(screen, org, member, status)),
    h("td", { class: "actions" }, remove, leave),
  );
}

function members(screen: Screen, org: FullOrganization): HTMLElement {
  const status = h("div", {}, formError());
  const rows = org.members.map((m) => memberRow(screen, org, m, status));
  return h(
    "section",
    { class: "card", "aria-label": "Members" },
    h("h2", {}, "Members"),
    status,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", { class: "wide-only" }, "Email"), h("th", {}, "Role"), h("th", {}, ""))),
        h("tbody", {}, ...rows),
      ),
    ),
  );
}

function isPending(invitation: Invitation): boolean {
  return invitation.status === "pending" && Date.parse(invitation.expiresAt) > Date.now();
}

function sentInvitations(screen: Screen, org: FullOrganization): HTMLElement | null {
  const roles = screen.ctx.roles;
  if (!allows(roles, "invitation:create")) return null;
  const pending = org.invitations.filter(isPending);
  const status = h("div", {}, formError());
  const rows = pending.map((invitation) =>
    h(
      "li",
      { class: "invitation" },
      h("span", { class: "email" }, invitation.email),
      h("span", {}, ` as ${invitation.role ?? "member"}, until ${formatDate(invitation.expiresAt)}`),
      allows(roles, "invitation:cancel")
        ? button("Cancel", () => {
            organizations.cancel(invitation.id).then(
              () => screen.refresh(),
              (error: unknown) => showError(status, error),
            );
          })
        : null,
    ),
  );
  return h(
    "section",
    { class: "card", "aria-label": "Invitations" },
    h("h2", {}, "Invite someone"),
    inviteForm(screen, org),
    h("h3", {}, "Pending invitations"),
    status,
    rows.length > 0 ? h("ul", { class: "plain" }, ...rows) : h("p", { class: "muted" }, "None."),
  );
}

function inviteForm(screen: Screen, org: FullOrganization): HTMLFormElement {
  const email = h("input", { name: "email", type: "email", autocomplete: "off" });
  const role = select("role", same(grantableRoles(screen.ctx.roles)), "member");
  const form = h(
    "form",
    { class: "inline-form", novalidate: true, "aria-label": "Invite" },
    formError(),
    field("Email", email, "email"),
    field("Role", role, "role"),
    h("button", { type: "submit", class: "primary" }, "Invite"),
  );
  onSubmit(
    form,
    async () => {
      await organizations.invite(org.id, email.value, role.value);
      screen.refresh();
    },
    {
      USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: "email",
      USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION: "email",
      YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE: "role",
    },
  );
  return form;
}

function createForm(): HTMLElement {
  const name = textInput("name", { autocomplete: "organization" });
  const slug = textInput("slug", { autocomplete: "off" });
  // The slug follows the name until someone edits it.
  let slugEdited = false;
  name.addEventListener("input", () => {
    if (!slugEdited) slug.value = slugify(name.value);
  });
  slug.addEventListener("input", () => (slugEdited = true));
  const form = h(
    "form",
    { class: "inline-form", novalidate: true, "aria-label": "Create organization" },
    formError(),
    field("Name", name, "name"),
    field("Slug", slug, "slug", "Lowercase letters, digits and dashes."),
    h("button", { type: "submit" }, "Create organization"),
  );
  onSubmit(form, () => changeOrganization(() => organizations.create(name.value, slug.value)), {
    ORGANIZATION_ALREADY_EXISTS: "slug",
  });
  return h("section", { class: "card", "aria-label": "New organization" }, h("h2", {}, "New organization"), form);
}

export async function organizationView(screen: Screen): Promise<void> {
  const session = screen.session;
  const ctx = session.context;
  const full = ctx ? await organizations.full(ctx.orgId) : null;
  screen.show(
    h("h1", {}, full ? full.name : "Organization"),
    full && h("p", { class: "muted" }, `Slug ${full.slug} · your role: ${screen.ctx.roles.join(", ")}`),
    myInvitations(screen),
    full && members(screen, full),
    full && sentInvitations(screen, full),
    createForm(),
  );
}
