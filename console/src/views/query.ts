// A query builder for one dataset: filters, group by, aggregates, order
// and limit, sent as query_dataset's structured query (the server compiles
// it; no SQL is ever written here). The result is shown as a table, and a
// refusal under the part of the query it names (`filters[1].value`).

import { tool } from "../api";
import { button, dataTable, formatValue, h, replace, same, select } from "../dom";
import { field, formError, onSubmit } from "../forms";
import type { Aggregate, ColumnDef, Dataset, Filter, FilterOp, QueryResult, Scalar } from "../types";

const OPS: FilterOp[] = ["=", "!=", "<", "<=", ">", ">=", "contains", "in", "is_null"];
const FUNCTIONS: Aggregate[] = ["count", "sum", "avg", "min", "max"];

interface FilterDraft {
  column: string;
  op: FilterOp;
  value: string;
}

interface AggregateDraft {
  function: Aggregate;
  /** Empty: count every row. */
  column: string;
  alias: string;
}

/** A typed value from what was typed, by the column's type. */
function typed(text: string, column: ColumnDef | undefined): Scalar {
  const trimmed = text.trim();
  switch (column?.type) {
    case "integer":
    case "real":
      // Left as text when it is no number: the server names the field.
      return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
    case "boolean":
      return trimmed === "true" ? true : trimmed === "false" ? false : text;
    default:
      return text;
  }
}

function toFilter(draft: FilterDraft, columns: ColumnDef[]): Filter {
  const column = columns.find((c) => c.name === draft.column);
  if (draft.op === "is_null") return { column: draft.column, op: draft.op };
  if (draft.op === "in") {
    const values = draft.value.split(",").map((part) => typed(part.trim(), column));
    return { column: draft.column, op: draft.op, value: values };
  }
  return { column: draft.column, op: draft.op, value: typed(draft.value, column) };
}

/** The name query_dataset gives an aggregate's output column. */
function outputName(draft: AggregateDraft): string {
  if (draft.alias.trim() !== "") return draft.alias.trim();
  return draft.column === "" ? draft.function : `${draft.function}_${draft.column}`;
}

/** Keeps `draft[key]` equal to what the control holds. */
function bind<T, K extends keyof T>(
  control: HTMLInputElement | HTMLSelectElement,
  draft: T,
  key: K,
  changed?: () => void,
): void {
  control.addEventListener("input", () => {
    draft[key] = control.value as T[K];
    changed?.();
  });
}

/** The query builder for `dataset`. */
export function queryBuilder(dataset: Dataset): HTMLElement {
  const columns = dataset.columns;
  const names = columns.map((c) => c.name);
  const filters: FilterDraft[] = [];
  const aggregates: AggregateDraft[] = [];
  const groupBy = new Set<string>();

  const filterRows = h("div", { class: "rows" });
  const aggregateRows = h("div", { class: "rows" });
  const order = select("orderBy", [["", "(none)"]]);
  const direction = select("direction", [["asc", "ascending"], ["desc", "descending"]], "asc", { "aria-label": "Direction" });
  const limit = h("input", { type: "number", name: "limit", min: 1, max: 1000, value: 100 });
  const result = h("div", { class: "query-result" });

  /** The columns the result will have, which are the ones it can be ordered by. */
  const outputs = (): string[] =>
    groupBy.size > 0 || aggregates.length > 0 ? [...names.filter((n) => groupBy.has(n)), ...aggregates.map(outputName)] : names;

  const refreshOrder = () => {
    const chosen = order.value;
    const options = [["", "(none)"] as const, ...same(outputs())];
    replace(order, ...options.map(([value, label]) => h("option", { value }, label)));
    order.value = options.some(([value]) => value === chosen) ? chosen : "";
  };

  const drawFilters = () => {
    replace(
      filterRows,
      ...filters.map((draft, i) => {
        const column = select("column", same(names), draft.column, { "aria-label": "Column" });
        const op = select("op", same(OPS), draft.op, { "aria-label": "Comparison" });
        const value = h("input", { type: "text", name: "value", value: draft.value, "aria-label": "Value" });
        bind(column, draft, "column");
        bind(op, draft, "op");
        bind(value, draft, "value");
        const remove = button("Remove", () => {
          filters.splice(i, 1);
          drawFilters();
        });
        return h("div", { class: "query-row", "data-field": `filters[${i}]` }, column, op, field("Value", value, `filters[${i}].value`), remove);
      }),
    );
  };

  const drawAggregates = () => {
    replace(
      aggregateRows,
      ...aggregates.map((draft, i) => {
        const fn = select("function", same(FUNCTIONS), draft.function, { "aria-label": "Function" });
        const column = select("column", [["", "(all rows)"], ...same(names)], draft.column, { "aria-label": "Column" });
        const alias = h("input", { type: "text", name: "alias", value: draft.alias, placeholder: "name (optional)", "aria-label": "Output name" });
        bind(fn, draft, "function", refreshOrder);
        bind(column, draft, "column", refreshOrder);
        bind(alias, draft, "alias", refreshOrder);
        const remove = button("Remove", () => {
          aggregates.splice(i, 1);
          drawAggregates();
          refreshOrder();
        });
        return h("div", { class: "query-row", "data-field": `aggregates[${i}]` }, fn, column, field("Output name", alias, `aggregates[${i}].alias`), remove);
      }),
    );
  };

  const groupBoxes = names.map((name) => {
    const box = h("input", { type: "checkbox", name: "groupBy", value: name });
    box.addEventListener("change", () => {
      if (box.checked) groupBy.add(name);
      else groupBy.delete(name);
      refreshOrder();
    });
    return h("label", { class: "check" }, box, ` ${name}`);
  });

  const form = h(
    "form",
    { class: "query-builder", novalidate: true, "aria-label": "Query" },
    formError(),
    h(
      "fieldset",
      { "data-field": "filters" },
      h("legend", {}, "Filters"),
      filterRows,
      button("Add filter", () => {
        filters.push({ column: names[0] ?? "", op: "=", value: "" });
        drawFilters();
      }),
    ),
    h("fieldset", { "data-field": "groupBy" }, h("legend", {}, "Group by"), h("div", { class: "checks" }, ...groupBoxes)),
    h(
      "fieldset",
      { "data-field": "aggregates" },
      h("legend", {}, "Aggregates"),
      aggregateRows,
      button("Add aggregate", () => {
        aggregates.push({ function: "count", column: "", alias: "" });
        drawAggregates();
        refreshOrder();
      }),
    ),
    h("div", { class: "inline-fields" }, field("Order by", order, "orderBy"), direction, field("Limit", limit, "limit")),
    h("button", { type: "submit", class: "primary" }, "Run query"),
  );
  refreshOrder();

  onSubmit(form, async () => {
    const query = {
      datasetId: dataset.id,
      filters: filters.map((f) => toFilter(f, columns)),
      groupBy: names.filter((n) => groupBy.has(n)),
      aggregates: aggregates.map((a) => ({
        function: a.function,
        ...(a.column ? { column: a.column } : {}),
        ...(a.alias.trim() ? { alias: a.alias.trim() } : {}),
      })),
      orderBy: order.value ? [{ column: order.value, direction: direction.value }] : [],
      limit: Number(limit.value) || 100,
    };
    const answer = await tool<QueryResult>("query_dataset", query);
    replace(
      result,
      h("p", { class: "muted", role: "status" }, `${formatValue(answer.rows.length)} rows`),
      dataTable(answer.columns, answer.rows),
    );
  });

  return h("section", { class: "card", "aria-label": "Query" }, h("h2", {}, "Query"), form, result);
}
