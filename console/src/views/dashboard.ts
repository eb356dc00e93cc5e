// One dashboard: its widgets in position order, drawn from the data
// render_dashboard computes (charts with Chart.js, metric tiles, tables),
// with the controls to add, edit, reorder (arrows, or drag and drop) and
// remove widgets for whoever may change them: owners and admins, and the
// member who created the dashboard or the widget.

import { tool } from "../api";
import { cached, forget } from "../cache";
import { drawChart } from "../charts";
import { button, confirmButton, dataTable, formatValue, h, replace } from "../dom";
import { formError, showError } from "../forms";
import { mayChange } from "../permissions";
import type { Screen } from "../screen";
import type { Dashboard, Dataset, Rendered, RenderedWidget, Widget } from "../types";
import { widgetForm, type WidgetDraft } from "./widget-form";

interface Board {
  dashboard: Dashboard;
  /** The stored widgets, by id (their configuration and creator). */
  widgets: Map<string, Widget>;
  rendered: RenderedWidget[];
  datasets: Dataset[];
}

/** What a widget draws from its rendered data. */
function widgetBody(screen: Screen, data: Rendered, widget: Widget | undefined): HTMLElement {
  switch (data.type) {
    case "chart": {
      const canvas = h("canvas", { role: "img", "aria-label": `${data.chartType} chart` });
      const box = h("div", { class: "chart-box" }, canvas);
      // Chart.js measures its container, so it draws once the box is on the page.
      requestAnimationFrame(() => {
        if (screen.live) screen.onDispose(drawChart(canvas, data.chartType, data.series));
      });
      return box;
    }
    case "metric": {
      const config = widget?.config as { aggregate?: string; column?: string } | undefined;
      const caption = config?.aggregate ? `${config.aggregate} of ${config.column ?? "rows"}` : "";
      return h("div", { class: "metric" }, h("p", { class: "metric-value" }, formatValue(data.value)), h("p", { class: "muted" }, caption));
    }
    case "table":
      return dataTable(data.columns, data.rows);
  }
}

async function move(screen: Screen, widgetId: string, position: number, status: HTMLElement): Promise<void> {
  try {
    await tool("move_widget", { widgetId, position });
    screen.refresh();
  } catch (error) {
    showError(status, error);
  }
}

function widgetControls(screen: Screen, board: Board, index: number, card: HTMLElement, status: HTMLElement): HTMLElement | null {
  const rendered = board.rendered[index] as RenderedWidget;
  const widget = board.widgets.get(rendered.widgetId);
  if (!widget || !mayChange(screen.ctx.roles, screen.ctx.userId, widget.createdById)) return null;
  const last = board.rendered.length - 1;
  const body = card.querySelector(".widget-body") as HTMLElement;
  const edit = () => {
    const form = widgetForm({
      datasets: board.datasets,
      widget,
      submitLabel: "Save widget",
      submit: async (draft: WidgetDraft) => {
        await tool("update_widget", { widgetId: widget.id, title: draft.title, config: draft.config });
        screen.refresh();
      },
      cancel: () => screen.refresh(),
    });
    replace(body, form);
  };
  return h(
    "div",
    { class: "widget-actions" },
    button("↑", () => void move(screen, widget.id, index - 1, status), { "aria-label": "Move up", disabled: index === 0 }),
    button("↓", () => void move(screen, widget.id, index + 1, status), { "aria-label": "Move down", disabled: index === last }),
    button("Edit", edit),
    confirmButton("Remove", () => {
      tool("remove_widget", { widgetId: widget.id }).then(
        () => screen.refresh(),
        (error: unknown) => showError(status, error),
      );
    }),
  );
}

/** Lets a card be dragged onto another card's place (move_widget). */
function draggable(screen: Screen, card: HTMLElement, widgetId: string, index: number, status: HTMLElement): void {
  card.draggable = true;
  card.addEventListener("dragstart", (event) => {
    event.dataTransfer?.setData("application/x-orgscope-widget", widgetId);
    card.classList.add("dragging");
  });
  card.addEventListener("dragend", () => card.classList.remove("dragging"));
  card.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("application/x-orgscope-widget")) event.preventDefault();
  });
  card.addEventListener("drop", (event) => {
    const dragged = event.dataTransfer?.getData("application/x-orgscope-widget");
    event.preventDefault();
    if (dragged && dragged !== widgetId) void move(screen, dragged, index, status);
  });
}

function widgetCard(screen: Screen, board: Board, index: number, status: HTMLElement): HTMLElement {
  const rendered = board.rendered[index] as RenderedWidget;
  const widget = board.widgets.get(rendered.widgetId);
  const card = h(
    "article",
    { class: `widget widget-${rendered.type}`, "data-widget-id": rendered.widgetId, "aria-label": rendered.title },
    h("header", { class: "widget-head" }, h("h2", {}, rendered.title)),
    h("div", { class: "widget-body" }, widgetBody(screen, rendered.data, widget)),
  );
  const controls = widgetControls(screen, board, index, card, status);
  if (controls) {
    card.querySelector(".widget-head")?.append(controls);
    draggable(screen, card, rendered.widgetId, index, status);
  }
  return card;
}

function addPanel(screen: Screen, board: Board): HTMLElement | null {
  if (!mayChange(screen.ctx.roles, screen.ctx.userId, board.dashboard.createdById)) return null;
  if (board.datasets.length === 0) {
    return h("p", { class: "muted" }, "Widgets read datasets; ", h("a", { href: "#/datasets" }, "import one"), " first.");
  }
  const form = widgetForm({
    datasets: board.datasets,
    submitLabel: "Add widget",
    submit: async (draft: WidgetDraft) => {
      await tool("add_widget", { dashboardId: board.dashboard.id, ...draft });
      screen.refresh();
    },
  });
  return h("section", { class: "card", "aria-label": "Add a widget" }, h("h2", {}, "Add a widget"), form);
}

function deletion(screen: Screen, dashboard: Dashboard): HTMLElement | null {
  if (!mayChange(screen.ctx.roles, screen.ctx.userId, dashboard.createdById)) return null;
  const status = h("div", {}, formError());
  const remove = confirmButton("Delete dashboard", () => {
    tool("delete_dashboard", { dashboardId: dashboard.id }).then(
      () => {
        forget("list_dashboards");
        location.hash = "#/dashboards";
      },
      (error: unknown) => showError(status, error),
    );
  });
  return h("div", { class: "danger-zone" }, status, remove);
}

export async function dashboardView(screen: Screen, dashboardId: string): Promise<void> {
  const [stored, rendered, { datasets }] = await Promise.all([
    tool<{ dashboard: Dashboard; widgets: Widget[] }>("get_dashboard", { dashboardId }),
    tool<{ widgets: RenderedWidget[] }>("render_dashboard", { dashboardId }),
    cached<{ datasets: Dataset[] }>("list_datasets"),
  ]);
  const board: Board = {
    dashboard: stored.dashboard,
    widgets: new Map(stored.widgets.map((w) => [w.id, w])),
    rendered: rendered.widgets,
    datasets,
  };
  const status = h("div", {}, formError());
  const cards = board.rendered.map((_, i) => widgetCard(screen, board, i, status));
  screen.show(
    h("p", { class: "crumbs" }, h("a", { href: "#/dashboards" }, "Dashboards")),
    h("h1", {}, board.dashboard.name),
    board.dashboard.description ? h("p", {}, board.dashboard.description) : null,
    status,
    cards.length > 0 ? h("div", { class: "widget-grid" }, ...cards) : h("p", { class: "muted" }, "No widgets yet."),
    addPanel(screen, board),
    deletion(screen, board.dashboard),
  );
}
