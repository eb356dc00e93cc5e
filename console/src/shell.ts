// The bar above every signed-in screen: the sections, the organization
// switcher (organization/list + set-active), and the account with sign-out.

import { organizations } from "./api";
import { button, h, select } from "./dom";
import { describe } from "./forms";
import type { Section } from "./router";
import { changeOrganization, endSession, type Session } from "./session";

const SECTIONS: [Section, string][] = [
  ["dashboards", "Dashboards"],
  ["datasets", "Datasets"],
  ["automations", "Automations"],
  ["organization", "Organization"],
];

function navigation(session: Session, active: Section | null): HTMLElement {
  const links = SECTIONS.map(([section, label]) => {
    const invitations = section === "organization" ? session.invitations.length : 0;
    return h(
      "a",
      { href: `#/${section}`, "aria-current": section === active ? "page" : null },
      label,
      invitations > 0 ? h("span", { class: "badge", title: "Invitations for you" }, invitations) : null,
    );
  });
  return h("nav", { class: "sections", "aria-label": "Sections" }, ...links);
}

function switcher(session: Session, status: HTMLElement): HTMLElement | null {
  const orgId = session.context?.orgId;
  if (!orgId) return null;
  const options = session.organizations.map((o) => [o.id, o.name] as const);
  const control = select("organization", options, orgId, { "aria-label": "Organization" });
  control.addEventListener("change", () => {
    control.disabled = true;
    status.textContent = "";
    changeOrganization(() => organizations.setActive(control.value)).catch((error: unknown) => {
      control.disabled = false;
      control.value = orgId;
      status.textContent = describe(error);
    });
  });
  return control;
}

/** The header for `session`, with `active` marked in the navigation. */
export function header(session: Session, active: Section | null): HTMLElement {
  const status = h("span", { class: "header-error", role: "alert" });
  const signOut = button("Sign out", () => {
    signOut.disabled = true;
    // The router draws the sign-in screen once the session has ended.
    endSession().catch((error: unknown) => {
      signOut.disabled = false;
      status.textContent = describe(error);
    });
  });
  return h(
    "header",
    { class: "topbar" },
    h("a", { class: "brand", href: "#/dashboards" }, "orgscope"),
    navigation(session, active),
    h(
      "div",
      { class: "account" },
      switcher(session, status),
      h("span", { class: "who", title: session.user.email }, session.user.email),
      signOut,
      status,
    ),
  );
}
