// The datasets screen: the organization's datasets (list_datasets) and,
// for owners and admins, the CSV import that creates new ones.

import { cached, forget } from "../cache";
import { formatDate, h, replace } from "../dom";
import { isAdmin } from "../permissions";
import type { Screen } from "../screen";
import type { Dataset } from "../types";
import { importPanel } from "./import";

function datasetRow(dataset: Dataset): HTMLElement {
  const columns = dataset.columns.map((c) => c.name).join(", ");
  return h(
    "tr",
    {},
    h("td", {}, h("a", { href: `#/datasets/${encodeURIComponent(dataset.id)}` }, dataset.name)),
    h("td", { class: "columns-list" }, columns),
    h("td", {}, formatDate(dataset.createdAt)),
  );
}

function datasetTable(datasets: Dataset[]): HTMLElement {
  if (datasets.length === 0) return h("p", { class: "muted" }, "No datasets yet.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { "aria-label": "Datasets" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Columns"), h("th", {}, "Created"))),
      h("tbody", {}, ...datasets.map(datasetRow)),
    ),
  );
}

export async function datasetsView(screen: Screen): Promise<void> {
  const list = h("section", { class: "card" }, h("h2", {}, "All datasets"));
  const fill = async () => {
    const { datasets } = await cached<{ datasets: Dataset[] }>("list_datasets");
    if (screen.live) replace(list, h("h2", {}, "All datasets"), datasetTable(datasets));
  };
  await fill();
  // After an import the list is read again; the import panel keeps its report.
  const reload = () => {
    forget("list_datasets");
    fill().catch((error: unknown) => screen.fail(error));
  };
  const admin = isAdmin(screen.ctx.roles);
  screen.show(
    h("h1", {}, "Datasets"),
    list,
    admin ? importPanel(reload) : h("p", { class: "muted" }, "Owners and admins import datasets."),
  );
}
