// The automations screen: threshold alerts and scheduled reports with an
// enabled switch (update_automation), run now (run_automation) and the
// history of runs (list_automation_runs); owners and admins create, change,
// run and delete them, every member sees them and their runs.

import { tool } from "../api";
import { cached } from "../cache";
import { button, confirmButton, formatDate, formatValue, h, replace, same, select } from "../dom";
import { field, FieldError, formError, onSubmit, showError } from "../forms";
import { isAdmin } from "../permissions";
import type { Screen } from "../screen";
import type { Aggregate, Automation, Dashboard, Dataset, Run, ThresholdOp } from "../types";

const OPERATORS: [ThresholdOp, string][] = [
  ["gt", ">"],
  ["gte", "≥"],
  ["lt", "<"],
  ["lte", "≤"],
  ["eq", "="],
];
const AGGREGATES: Aggregate[] = ["sum", "count", "avg", "min", "max"];
const SCHEDULES: [string, string][] = [
  ["hourly", "Hourly"],
  ["daily", "Daily (00:00 UTC)"],
  ["weekly", "Weekly (Mondays 00:00 UTC)"],
  ["cron", "Cron expression…"],
];

interface Lookups {
  datasets: Dataset[];
  dashboards: Dashboard[];
}

function operatorSign(op: ThresholdOp): string {
  return OPERATORS.find(([value]) => value === op)?.[1] ?? op;
}

function summary(automation: Automation, lookups: Lookups): string {
  if (automation.type === "threshold_alert") {
    const c = automation.config;
    const dataset = lookups.datasets.find((d) => d.id === c.datasetId)?.name ?? "a dataset";
    return `${c.aggregate}(${c.column || "rows"}) ${operatorSign(c.operator)} ${formatValue(c.threshold)} on ${dataset}`;
  }
  const dashboard = lookups.dashboards.find((d) => d.id === automation.config.dashboardId)?.name ?? "a dashboard";
  return `renders ${dashboard}`;
}

/** What a run computed, in a few words. */
function runValue(run: Run): string {
  const result = run.result as { value?: unknown; triggered?: boolean; widgets?: unknown[] } | null;
  if (!result) return "—";
  if ("triggered" in result) return `${formatValue(result.value)} (${result.triggered ? "triggered" : "not triggered"})`;
  if (Array.isArray(result.widgets)) return `${result.widgets.length} widgets rendered`;
  return "—";
}

function runTable(runs: Run[]): HTMLElement {
  if (runs.length === 0) return h("p", { class: "muted" }, "No runs yet.");
  const rows = runs.map((run) =>
    h(
      "tr",
      {},
      h("td", {}, formatDate(run.executedAt)),
      h("td", {}, h("span", { class: `status status-${run.status}` }, run.status)),
      h("td", {}, runValue(run)),
      h("td", {}, run.error ?? ""),
    ),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { "aria-label": "Runs" },
      h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "Status"), h("th", {}, "Value"), h("th", {}, "Error"))),
      h("tbody", {}, ...rows),
    ),
  );
}

async function showRuns(screen: Screen, automation: Automation, area: HTMLElement): Promise<void> {
  const { runs } = await tool<{ runs: Run[] }>("list_automation_runs", { automationId: automation.id, limit: 20 });
  if (screen.live) replace(area, runTable(runs));
}

function automationCard(screen: Screen, automation: Automation, lookups: Lookups): HTMLElement {
  const admin = isAdmin(screen.ctx.roles);
  const status = h("div", {}, formError());
  const history = h("div", { class: "runs", hidden: true });
  const failed = (error: unknown) => showError(status, error);

  const enabled = h("input", { type: "checkbox", role: "switch", checked: automation.enabled, disabled: !admin });
  enabled.addEventListener("change", () => {
    enabled.disabled = true;
    tool<Automation>("update_automation", { automationId: automation.id, enabled: enabled.checked }).then(
      () => (enabled.disabled = false),
      (error: unknown) => {
        enabled.checked = !enabled.checked;
        enabled.disabled = false;
        failed(error);
      },
    );
  });

  const toggleHistory = button("History", () => {
    history.hidden = !history.hidden;
    if (!history.hidden) showRuns(screen, automation, history).catch(failed);
  });
  const runNow = button("Run now", () => {
    runNow.disabled = true;
    tool<Run>("run_automation", { automationId: automation.id })
      .then(() => {
        history.hidden = false;
        return showRuns(screen, automation, history);
      })
      .catch(failed)
      .finally(() => (runNow.disabled = false));
  });
  const remove = confirmButton("Delete", () => {
    tool("delete_automation", { automationId: automation.id }).then(() => screen.refresh(), failed);
  });

  const schedule = automation.config.schedule;
  return h(
    "article",
    { class: "card automation", "aria-label": automation.name },
    h(
      "header",
      { class: "automation-head" },
      h("h2", {}, automation.name),
      h("label", { class: "switch" }, enabled, " enabled"),
    ),
    h("p", {}, automation.type === "threshold_alert" ? "Alert: " : "Report: ", summary(automation, lookups)),
    h("p", { class: "muted" }, `Schedule: ${schedule}`),
    status,
    h("div", { class: "actions" }, toggleHistory, admin ? runNow : null, admin ? remove : null),
    history,
  );
}

/** The schedule: a named one, or a cron expression typed in. */
function scheduleFields(): { element: HTMLElement; read: () => string } {
  const choice = select("schedule", SCHEDULES, "daily");
  const cron = h("input", { type: "text", name: "cron", placeholder: "*/15 * * * *" });
  // Only a typed expression can be refused, so the error goes under it.
  const cronField = field("Cron (minute hour day month weekday, UTC)", cron, "config.schedule");
  cronField.hidden = true;
  choice.addEventListener("change", () => (cronField.hidden = choice.value !== "cron"));
  return {
    element: h("div", {}, field("Schedule", choice, "schedule"), cronField),
    read: () => (choice.value === "cron" ? cron.value : choice.value),
  };
}

function alertFields(lookups: Lookups): { element: HTMLElement; read: () => object } {
  const dataset = select("datasetId", lookups.datasets.map((d) => [d.id, d.name] as const));
  const column = select("column", []);
  const fillColumns = () => {
    const found = lookups.datasets.find((d) => d.id === dataset.value);
    const columns = found?.columns ?? [];
    replace(column, ...columns.map((c) => h("option", { value: c.name }, c.name)));
    // A threshold is on a number: start from the first numeric column.
    const numeric = columns.find((c) => c.type === "integer" || c.type === "real");
    if (numeric) column.value = numeric.name;
  };
  dataset.addEventListener("change", fillColumns);
  fillColumns();
  const aggregate = select("aggregate", same(AGGREGATES), "sum");
  const operator = select("operator", OPERATORS, "gt");
  const threshold = h("input", { type: "number", name: "threshold", step: "any", value: 0 });
  return {
    element: h(
      "div",
      { class: "config-fields" },
      lookups.datasets.length === 0 ? h("p", { class: "muted" }, "No datasets yet: import one under Datasets first.") : null,
      field("Dataset", dataset, "config.datasetId"),
      field("Aggregate", aggregate, "config.aggregate"),
      field("Column", column, "config.column"),
      field("Operator", operator, "config.operator"),
      field("Threshold", threshold, "config.threshold"),
    ),
    read: () => {
      const value = Number(threshold.value);
      if (threshold.value.trim() === "" || !Number.isFinite(value)) {
        throw new FieldError("config.threshold", "enter a number");
      }
      return { datasetId: dataset.value, column: column.value, aggregate: aggregate.value, operator: operator.value, threshold: value };
    },
  };
}

function reportFields(lookups: Lookups): { element: HTMLElement; read: () => object } {
  const dashboard = select("dashboardId", lookups.dashboards.map((d) => [d.id, d.name] as const));
  return {
    element: h(
      "div",
      { class: "config-fields" },
      lookups.dashboards.length === 0 ? h("p", { class: "muted" }, "No dashboards yet: create one under Dashboards first.") : null,
      field("Dashboard", dashboard, "config.dashboardId"),
    ),
    read: () => ({ dashboardId: dashboard.value }),
  };
}

function createForm(screen: Screen, lookups: Lookups): HTMLElement {
  const name = h("input", { type: "text", name: "name" });
  const kind = select("type", [
    ["threshold_alert", "Threshold alert"],
    ["scheduled_report", "Scheduled report"],
  ]);
  const schedule = scheduleFields();
  const slot = h("div", { "data-field": "config" });
  let config = alertFields(lookups);
  const drawConfig = () => {
    config = kind.value === "threshold_alert" ? alertFields(lookups) : reportFields(lookups);
    replace(slot, config.element, h("p", { class: "field-error", hidden: true }));
  };
  kind.addEventListener("change", drawConfig);
  drawConfig();

  const form = h(
    "form",
    { class: "automation-form", novalidate: true, "aria-label": "New automation" },
    formError(),
    field("Name", name, "name"),
    field("Kind", kind, "type"),
    slot,
    schedule.element,
    h("button", { type: "submit", class: "primary" }, "Create automation"),
  );
  onSubmit(form, async () => {
    const body = { name: name.value, type: kind.value, config: { ...config.read(), schedule: schedule.read() } };
    await tool<Automation>("create_automation", body);
    screen.refresh();
  });
  return h("section", { class: "card" }, h("h2", {}, "New automation"), form);
}

export async function automationsView(screen: Screen): Promise<void> {
  const [{ automations }, { datasets }, { dashboards }] = await Promise.all([
    tool<{ automations: Automation[] }>("list_automations"),
    cached<{ datasets: Dataset[] }>("list_datasets"),
    cached<{ dashboards: Dashboard[] }>("list_dashboards"),
  ]);
  const lookups = { datasets, dashboards };
  screen.show(
    h("h1", {}, "Automations"),
    automations.length > 0
      ? h("div", { class: "automation-list" }, ...automations.map((a) => automationCard(screen, a, lookups)))
      : h("p", { class: "muted" }, "No automations yet."),
    isAdmin(screen.ctx.roles) ? createForm(screen, lookups) : h("p", { class: "muted" }, "Owners and admins create automations."),
  );
}
