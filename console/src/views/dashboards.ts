// The dashboards screen: the organization's dashboards (list_dashboards)
// and a form to create one, which any member may.

import { tool } from "../api";
import { cached, forget } from "../cache";
import { formatDate, h } from "../dom";
import { field, formError, onSubmit } from "../forms";
import type { Screen } from "../screen";
import type { Dashboard } from "../types";

function dashboardItem(dashboard: Dashboard): HTMLElement {
  return h(
    "li",
    { class: "card link-card" },
    h("a", { href: `#/dashboards/${encodeURIComponent(dashboard.id)}` }, dashboard.name),
    dashboard.description ? h("p", {}, dashboard.description) : null,
    h("p", { class: "muted" }, `Created ${formatDate(dashboard.createdAt)}`),
  );
}

function createForm(): HTMLElement {
  const name = h("input", { type: "text", name: "name" });
  const description = h("textarea", { name: "description", rows: 2 });
  const form = h(
    "form",
    { class: "inline-form", novalidate: true, "aria-label": "New dashboard" },
    formError(),
    field("Name", name, "name"),
    field("Description", description, "description"),
    h("button", { type: "submit", class: "primary" }, "Create dashboard"),
  );
  onSubmit(form, async () => {
    const args = description.value.trim() ? { name: name.value, description: description.value } : { name: name.value };
    const dashboard = await tool<Dashboard>("create_dashboard", args);
    forget("list_dashboards");
    location.hash = `#/dashboards/${encodeURIComponent(dashboard.id)}`;
  });
  return h("section", { class: "card" }, h("h2", {}, "New dashboard"), form);
}

export async function dashboardsView(screen: Screen): Promise<void> {
  const { dashboards } = await cached<{ dashboards: Dashboard[] }>("list_dashboards");
  screen.show(
    h("h1", {}, "Dashboards"),
    dashboards.length > 0
      ? h("ul", { class: "plain card-list", "aria-label": "Dashboards" }, ...dashboards.map(dashboardItem))
      : h("p", { class: "muted" }, "No dashboards yet."),
    createForm(),
  );
}
