// The form that adds a widget to a dashboard (add_widget) or edits one
// (update_widget): its title, kind, dataset and the configuration each kind
// takes (src/model.rs). The dataset's columns fill the column choices; the
// server checks the result and names the field it refuses (`config.y`).

import { button, h, replace, same, select } from "../dom";
import { field, formError, onSubmit } from "../forms";
import type {
  Aggregate,
  ChartConfig,
  ChartType,
  ColumnDef,
  Dataset,
  MetricConfig,
  TableConfig,
  Widget,
  WidgetConfig,
  WidgetType,
} from "../types";

const KINDS: [WidgetType, string][] = [
  ["chart", "Chart"],
  ["metric", "Metric"],
  ["table", "Table"],
];
const CHART_TYPES: ChartType[] = ["bar", "line", "area", "pie"];
const AGGREGATES: Aggregate[] = ["sum", "count", "avg", "min", "max"];

/** What the form sends: add_widget's arguments without the dashboard. */
export interface WidgetDraft {
  datasetId: string;
  title: string;
  type: WidgetType;
  config: WidgetConfig;
}

/** The controls of one kind's configuration, and how to read them. */
interface ConfigFields {
  element: HTMLElement;
  read: () => WidgetConfig;
}

function optionalNumber(input: HTMLInputElement): number | undefined {
  const n = Number.parseInt(input.value, 10);
  return Number.isFinite(n) ? n : undefined;
}

function limitInput(value: number | undefined): HTMLInputElement {
  return h("input", { type: "number", name: "limit", min: 1, max: 1000, value: value ?? "" });
}

/**
 * The columns a new widget starts from: the first that reads as a category
 * (text, date or boolean) for an x axis, the first number for a value.
 */
interface Defaults {
  category: string | undefined;
  number: string | undefined;
}

function defaultsOf(columns: ColumnDef[]): Defaults {
  const first = (types: string[]) => columns.find((c) => types.includes(c.type))?.name;
  return {
    category: first(["text", "date", "boolean"]) ?? columns[0]?.name,
    number: first(["integer", "real"]) ?? columns[0]?.name,
  };
}

function chartFields(columns: string[], defaults: Defaults, old: Partial<ChartConfig>): ConfigFields {
  const chartType = select("chartType", same(CHART_TYPES), old.chartType ?? "bar");
  const x = select("x", same(columns), old.x ?? defaults.category);
  const y = select("y", same(columns), old.y ?? defaults.number);
  const aggregate = select("aggregate", same(AGGREGATES), old.aggregate ?? "sum");
  const groupBy = select("groupBy", [["", "(one series)"], ...same(columns)], old.groupBy ?? "");
  const limit = limitInput(old.limit);
  return {
    element: h(
      "div",
      { class: "config-fields" },
      field("Chart", chartType, "config.chartType"),
      field("X axis", x, "config.x"),
      field("Value", y, "config.y"),
      field("Aggregate", aggregate, "config.aggregate"),
      field("Series by", groupBy, "config.groupBy"),
      field("Limit", limit, "config.limit"),
    ),
    read: () => ({
      ...old,
      chartType: chartType.value as ChartType,
      x: x.value,
      y: y.value,
      aggregate: aggregate.value as Aggregate,
      groupBy: groupBy.value || undefined,
      limit: optionalNumber(limit),
    }),
  };
}

function metricFields(columns: string[], defaults: Defaults, old: Partial<MetricConfig>): ConfigFields {
  const column = select("column", same(columns), old.column ?? defaults.number);
  const aggregate = select("aggregate", same(AGGREGATES), old.aggregate ?? "sum");
  return {
    element: h(
      "div",
      { class: "config-fields" },
      field("Aggregate", aggregate, "config.aggregate"),
      field("Column", column, "config.column"),
    ),
    read: () => ({ ...old, column: column.value, aggregate: aggregate.value as Aggregate }),
  };
}

function tableFields(columns: string[], old: Partial<TableConfig>): ConfigFields {
  const chosen = new Set(old.columns ?? columns);
  const boxes = columns.map((name) => h("input", { type: "checkbox", name: "columns", value: name, checked: chosen.has(name) }));
  const order = select("orderBy", [["", "(insertion order)"], ...same(columns)], old.orderBy?.column ?? "");
  const direction = select("direction", [["asc", "ascending"], ["desc", "descending"]], old.orderBy?.direction ?? "asc");
  const limit = limitInput(old.limit);
  const checks = h("div", { class: "checks" }, ...boxes.map((box) => h("label", { class: "check" }, box, ` ${box.value}`)));
  return {
    element: h(
      "div",
      { class: "config-fields" },
      field("Columns", checks, "config.columns"),
      field("Order by", order, "config.orderBy"),
      field("Direction", direction, "config.orderBy.direction"),
      field("Limit", limit, "config.limit"),
    ),
    read: () => ({
      columns: boxes.filter((b) => b.checked).map((b) => b.value),
      orderBy: order.value ? { column: order.value, direction: direction.value as "asc" | "desc" } : undefined,
      limit: optionalNumber(limit),
    }),
  };
}

function configFields(kind: WidgetType, dataset: Dataset | undefined, old: WidgetConfig | undefined): ConfigFields {
  const columns = dataset?.columns.map((c) => c.name) ?? [];
  const defaults = defaultsOf(dataset?.columns ?? []);
  switch (kind) {
    case "chart":
      return chartFields(columns, defaults, (old ?? {}) as Partial<ChartConfig>);
    case "metric":
      return metricFields(columns, defaults, (old ?? {}) as Partial<MetricConfig>);
    case "table":
      return tableFields(columns, (old ?? {}) as Partial<TableConfig>);
  }
}

/** Drops the optional keys left undefined, which JSON would drop anyway. */
function compact(config: WidgetConfig): WidgetConfig {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as WidgetConfig;
}

export interface WidgetFormOptions {
  datasets: Dataset[];
  /** The widget being edited; its kind and dataset stay as they are. */
  widget?: Widget;
  submitLabel: string;
  submit: (draft: WidgetDraft) => Promise<void>;
  cancel?: () => void;
}

export function widgetForm(options: WidgetFormOptions): HTMLFormElement {
  const { datasets, widget } = options;
  const title = h("input", { type: "text", name: "title", value: widget?.title ?? "" });
  const kind = select("type", KINDS, widget?.type ?? "chart", { disabled: widget !== undefined });
  const datasetChoice = select(
    "datasetId",
    datasets.map((d) => [d.id, d.name] as const),
    widget?.datasetId ?? datasets[0]?.id,
    { disabled: widget !== undefined },
  );
  const slot = h("div", { class: "config", "data-field": "config" });
  let fields: ConfigFields;

  const drawConfig = () => {
    const dataset = datasets.find((d) => d.id === datasetChoice.value);
    const sameKind = widget && widget.type === kind.value;
    fields = configFields(kind.value as WidgetType, dataset, sameKind ? widget.config : undefined);
    replace(slot, fields.element, h("p", { class: "field-error", hidden: true }));
  };
  kind.addEventListener("change", drawConfig);
  datasetChoice.addEventListener("change", drawConfig);
  drawConfig();

  const form = h(
    "form",
    { class: "widget-form", novalidate: true, "aria-label": options.submitLabel },
    formError(),
    field("Title", title, "title"),
    h("div", { class: "inline-fields" }, field("Kind", kind, "type"), field("Dataset", datasetChoice, "datasetId")),
    slot,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, options.submitLabel),
      options.cancel ? button("Cancel", options.cancel) : null,
    ),
  );
  onSubmit(form, () =>
    options.submit({
      datasetId: datasetChoice.value,
      title: title.value,
      type: kind.value as WidgetType,
      config: compact(fields.read()),
    }),
  );
  return form;
}
