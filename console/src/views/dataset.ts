// One dataset: its columns, row count and first rows (get_dataset), the
// query builder, and for owners and admins its deletion (refused while
// widgets or automations read it; the server's 409 names them).

import { tool } from "../api";
import { forget } from "../cache";
import { confirmButton, dataTable, formatValue, h } from "../dom";
import { formError, showError } from "../forms";
import { isAdmin } from "../permissions";
import type { Screen } from "../screen";
import type { Dataset } from "../types";
import { queryBuilder } from "./query";

function columnList(dataset: Dataset): HTMLElement {
  return h(
    "ul",
    { class: "chips", "aria-label": "Columns" },
    ...dataset.columns.map((c) => h("li", {}, h("strong", {}, c.name), ` ${c.type}${c.nullable ? ", may be empty" : ""}`)),
  );
}

function deletion(dataset: Dataset): HTMLElement {
  const status = h("div", {}, formError());
  const remove = confirmButton("Delete dataset", () => {
    tool("delete_dataset", { datasetId: dataset.id }).then(
      () => {
        forget("list_datasets");
        location.hash = "#/datasets";
      },
      (error: unknown) => showError(status, error),
    );
  });
  return h("div", { class: "danger-zone" }, status, remove);
}

export async function datasetView(screen: Screen, datasetId: string): Promise<void> {
  const { dataset, rowCount } = await tool<{ dataset: Dataset; rowCount: number }>("get_dataset", { datasetId });
  const names = dataset.columns.map((c) => c.name);
  screen.show(
    h("p", { class: "crumbs" }, h("a", { href: "#/datasets" }, "Datasets")),
    h("h1", {}, dataset.name),
    dataset.description ? h("p", {}, dataset.description) : null,
    h("p", { class: "muted" }, `${formatValue(rowCount)} rows`),
    columnList(dataset),
    h("section", { class: "card", "aria-label": "First rows" }, h("h2", {}, "First rows"), dataTable(names, dataset.sampleRows)),
    queryBuilder(dataset),
    isAdmin(screen.ctx.roles) ? deletion(dataset) : null,
  );
}
