//! Widgets: charts, metrics and tables on a dashboard, each computed from
//! one dataset. Positions on a dashboard are always 0..n-1: every change of
//! order is one batch that renumbers the dashboard's widgets.

mod render;

pub use render::{render, render_all, Rendered};

use serde::{Deserialize, Serialize};

use crate::dashboards::{self, DashboardArgs};
use crate::datasets::{self, Dataset};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{WidgetConfig, WidgetType};
use crate::scope::{validate_org_ownership, OrgOwned, OrgScope};
use crate::store::{int, text};
use crate::time;
use crate::tools::{fields, ToolRequest};

/// A widget as tools answer it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Widget {
    pub id: String,
    pub dashboard_id: String,
    pub org_id: String,
    pub dataset_id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: WidgetType,
    pub config: WidgetConfig,
    pub position: i64,
    pub created_by_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl OrgOwned for Widget {
    fn org_id(&self) -> &str {
        &self.org_id
    }
}

/// A widget row as D1 returns it (`config` is JSON text).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    id: String,
    dashboard_id: String,
    org_id: String,
    dataset_id: String,
    title: String,
    #[serde(rename = "type")]
    kind: WidgetType,
    config: String,
    position: i64,
    created_by_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<Row> for Widget {
    type Error = Error;

    fn try_from(row: Row) -> Result<Widget> {
        let value = serde_json::from_str(&row.config)
            .map_err(|e| Error::Corrupt(format!("widget {} config: {e}", row.id)))?;
        let config = WidgetConfig::from_json(row.kind, value)
            .map_err(|e| Error::Corrupt(format!("widget {} config: {e}", row.id)))?;
        Ok(Widget {
            id: row.id,
            dashboard_id: row.dashboard_id,
            org_id: row.org_id,
            dataset_id: row.dataset_id,
            title: row.title,
            kind: row.kind,
            config,
            position: row.position,
            created_by_id: row.created_by_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const COLUMNS: &str = r#"id, dashboard_id as "dashboardId", org_id as "orgId", dataset_id as "datasetId",
                         title, type, config, position, created_by_id as "createdById",
                         created_at as "createdAt", updated_at as "updatedAt""#;

/// The widgets of a dashboard, in position order.
pub async fn list_for_dashboard(scope: &OrgScope<'_>, dashboard_id: &str) -> Result<Vec<Widget>> {
    let rows: Vec<Row> = scope.all(&list_sql(), &[text(dashboard_id)]).await?;
    from_rows(rows)
}

fn list_sql() -> String {
    format!(
        "select {COLUMNS} from widget where org_id = ?1 and dashboard_id = ?2 order by position, id"
    )
}

fn from_rows(rows: Vec<Row>) -> Result<Vec<Widget>> {
    rows.into_iter().map(Widget::try_from).collect()
}

async fn load(scope: &OrgScope<'_>, id: &str) -> Result<Widget> {
    let sql = format!("select {COLUMNS} from widget where org_id = ?1 and id = ?2");
    let row: Option<Row> = scope.first(&sql, &[text(id)]).await?;
    validate_org_ownership(
        row.map(Widget::try_from).transpose()?,
        scope.org_id(),
        "widget",
    )
}

/// Checks a configuration against the dataset's columns by compiling the
/// query that would render it.
fn check_config(
    kind: WidgetType,
    config: serde_json::Value,
    dataset: &Dataset,
) -> Result<WidgetConfig> {
    let config = WidgetConfig::from_json(kind, config)
        .map_err(|e| Error::invalid(e.path_within("config"), e.message.clone()))?;
    render::query_for(&config)
        .and_then(|spec| datasets::query::compile(&dataset.table_name, &dataset.columns, &spec))
        .map_err(|e| match e {
            Error::Validation { field, message } => {
                Error::invalid(config_field(kind, &field), message)
            }
            other => other,
        })?;
    Ok(config)
}

/// Names a field of the query a widget compiles to by the widget
/// configuration's own field (`groupBy[0]` of a chart's query is its `x`).
fn config_field(kind: WidgetType, query_field: &str) -> String {
    let renames: &[(&str, &str)] = match kind {
        WidgetType::Chart => &[
            ("groupBy[0]", "x"),
            ("groupBy[1]", "groupBy"),
            ("orderBy[0].column", "x"),
            ("aggregates[0].column", "y"),
            ("aggregates[0].function", "aggregate"),
            ("aggregates[0]", "aggregate"),
        ],
        WidgetType::Metric => &[
            ("aggregates[0].column", "column"),
            ("aggregates[0].function", "aggregate"),
            ("aggregates[0]", "aggregate"),
        ],
        WidgetType::Table => &[("select", "columns"), ("orderBy[0]", "orderBy")],
    };
    let renamed = renames
        .iter()
        .find_map(|(from, to)| {
            query_field
                .strip_prefix(from)
                .map(|rest| format!("{to}{rest}"))
        })
        .unwrap_or_else(|| query_field.to_string());
    format!("config.{renamed}")
}

/// The statement that renumbers a dashboard's widgets 0..n-1, keeping
/// their order (ties broken by id).
fn renumber(scope: &OrgScope<'_>, dashboard_id: &str) -> Result<worker::D1PreparedStatement> {
    scope.statement(
        "update widget set position = ranked.rank
         from (select id, row_number() over (order by position, id) - 1 as rank
               from widget where org_id = ?1 and dashboard_id = ?2) as ranked
         where widget.id = ranked.id and widget.org_id = ?1",
        &[text(dashboard_id)],
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddArgs {
    dashboard_id: String,
    dataset_id: String,
    title: String,
    #[serde(rename = "type")]
    kind: WidgetType,
    config: serde_json::Value,
}

/// Adds a widget at the end of a dashboard the caller may change.
pub async fn add(req: &ToolRequest<'_>, args: AddArgs) -> Result<Widget> {
    let title = fields::name("title", &args.title)?;
    let dashboard = dashboards::load(&req.scope, &args.dashboard_id).await?;
    req.require_owner_or_admin(
        dashboard.created_by_id.as_deref(),
        "add widgets to this dashboard",
    )?;
    let dataset = datasets::load(&req.scope, &args.dataset_id).await?;
    let config = check_config(args.kind, args.config, &dataset)?;
    let config_text = serde_json::to_string(&config).map_err(|e| Error::Corrupt(e.to_string()))?;

    let now = time::now_ms();
    let id = ids::generate_id("wdg")?;
    // The position is counted inside the insert, so concurrent adds each
    // take the next free one; `returning` answers it.
    let inserted: Option<Position> = req
        .scope
        .first(
            "insert into widget (org_id, id, dashboard_id, dataset_id, title, type, config, position,
                                 created_by_id, created_at, updated_at)
             select ?1, ?2, ?3, ?4, ?5, ?6, ?7,
                    (select count(*) from widget where org_id = ?1 and dashboard_id = ?3),
                    ?8, ?9, ?9
             returning position",
            &[
                text(&id),
                text(&dashboard.id),
                text(&dataset.id),
                text(&title),
                text(args.kind.as_str()),
                text(&config_text),
                text(&req.ctx.user_id),
                int(now),
            ],
        )
        .await?;
    let position = inserted.ok_or_else(|| Error::Corrupt("insert returned no row".into()))?;
    Ok(Widget {
        id,
        dashboard_id: dashboard.id,
        org_id: req.scope.org_id().to_string(),
        dataset_id: dataset.id,
        title,
        kind: args.kind,
        config,
        position: position.position,
        created_by_id: Some(req.ctx.user_id.clone()),
        created_at: now,
        updated_at: now,
    })
}

#[derive(Deserialize)]
struct Position {
    position: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateArgs {
    widget_id: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    config: Option<serde_json::Value>,
}

pub async fn update(req: &ToolRequest<'_>, args: UpdateArgs) -> Result<Widget> {
    let mut widget = load(&req.scope, &args.widget_id).await?;
    req.require_owner_or_admin(widget.created_by_id.as_deref(), "change this widget")?;
    if let Some(title) = &args.title {
        widget.title = fields::name("title", title)?;
    }
    if let Some(config) = args.config {
        let dataset = datasets::load(&req.scope, &widget.dataset_id).await?;
        widget.config = check_config(widget.kind, config, &dataset)?;
    }
    widget.updated_at = time::now_ms();
    let config_text =
        serde_json::to_string(&widget.config).map_err(|e| Error::Corrupt(e.to_string()))?;
    req.scope
        .run(
            "update widget set title = ?3, config = ?4, updated_at = ?5 where org_id = ?1 and id = ?2",
            &[text(&widget.id), text(&widget.title), text(&config_text), int(widget.updated_at)],
        )
        .await?;
    Ok(widget)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveArgs {
    widget_id: String,
    position: u32,
}

/// Moves a widget to `position` (clamped to the last place), in one batch:
/// spread the positions apart, drop the widget between its new neighbours,
/// renumber. Concurrent moves each leave positions 0..n-1.
pub async fn move_to(req: &ToolRequest<'_>, args: MoveArgs) -> Result<WidgetList> {
    let widget = load(&req.scope, &args.widget_id).await?;
    req.require_owner_or_admin(widget.created_by_id.as_deref(), "move this widget")?;
    let target = i64::from(args.position);
    let scope = &req.scope;
    scope
        .batch(vec![
            scope.statement(
                "update widget set position = position * 2 + 1 where org_id = ?1 and dashboard_id = ?2",
                &[text(&widget.dashboard_id)],
            )?,
            // Odd slots hold the others; the widget takes the even slot just
            // before index `target`, or just after it when moving down.
            scope.statement(
                "update widget set position = case when position < ?3 * 2 + 1 then ?3 * 2 + 2 else ?3 * 2 end
                 where org_id = ?1 and id = ?2",
                &[text(&widget.id), int(target)],
            )?,
            renumber(scope, &widget.dashboard_id)?,
        ])
        .await?;
    Ok(WidgetList {
        widgets: list_for_dashboard(scope, &widget.dashboard_id).await?,
    })
}

/// A dashboard's widgets in position order.
#[derive(Serialize)]
pub struct WidgetList {
    widgets: Vec<Widget>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WidgetArgs {
    widget_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    removed: bool,
    widget_id: String,
}

pub async fn remove(req: &ToolRequest<'_>, args: WidgetArgs) -> Result<Removed> {
    let widget = load(&req.scope, &args.widget_id).await?;
    req.require_owner_or_admin(widget.created_by_id.as_deref(), "remove this widget")?;
    let scope = &req.scope;
    scope
        .batch(vec![
            scope.statement(
                "delete from widget where org_id = ?1 and id = ?2",
                &[text(&widget.id)],
            )?,
            renumber(scope, &widget.dashboard_id)?,
        ])
        .await?;
    Ok(Removed {
        removed: true,
        widget_id: widget.id,
    })
}

/// A widget with its computed data.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderedWidget {
    widget_id: String,
    title: String,
    #[serde(rename = "type")]
    kind: WidgetType,
    position: i64,
    data: Rendered,
}

pub async fn render_one(req: &ToolRequest<'_>, args: WidgetArgs) -> Result<RenderedWidget> {
    let widget = load(&req.scope, &args.widget_id).await?;
    render_widget(&req.scope, widget).await
}

async fn render_widget(scope: &OrgScope<'_>, widget: Widget) -> Result<RenderedWidget> {
    let dataset = datasets::load(scope, &widget.dataset_id).await?;
    let data = render(scope, &dataset, &widget.config).await?;
    Ok(RenderedWidget {
        widget_id: widget.id,
        title: widget.title,
        kind: widget.kind,
        position: widget.position,
        data,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderedDashboard {
    dashboard_id: String,
    name: String,
    widgets: Vec<RenderedWidget>,
}

pub async fn render_dashboard(
    req: &ToolRequest<'_>,
    args: DashboardArgs,
) -> Result<RenderedDashboard> {
    render_dashboard_in(&req.scope, &args.dashboard_id).await
}

/// Renders every widget of a dashboard (also what a scheduled report runs):
/// the dashboard, its widgets, their datasets, then one batch of queries.
pub async fn render_dashboard_in(
    scope: &OrgScope<'_>,
    dashboard_id: &str,
) -> Result<RenderedDashboard> {
    // The three reads depend only on the dashboard's id: one round trip,
    // and one consistent snapshot.
    let answers = scope
        .batch(vec![
            dashboards::load_statement(scope, dashboard_id)?,
            scope.statement(&list_sql(), &[text(dashboard_id)])?,
            datasets::used_by_dashboard_statement(scope, dashboard_id)?,
        ])
        .await?;
    let [dashboard, widgets, datasets] = answers.as_slice() else {
        return Err(Error::Corrupt(
            "D1 answered a batch of 3 with another count".into(),
        ));
    };
    let dashboard = dashboards::loaded(scope, dashboard)?;
    let widgets = from_rows(widgets.rows()?)?;
    let datasets = datasets::loaded_many(scope, datasets)?;

    let pairs = widgets
        .iter()
        .map(|widget| {
            let dataset = datasets
                .iter()
                .find(|d| d.id == widget.dataset_id)
                .ok_or(Error::NotFound("dataset"))?;
            Ok((&widget.config, dataset))
        })
        .collect::<Result<Vec<_>>>()?;
    let data = render_all(scope, &pairs).await?;
    let widgets = widgets
        .into_iter()
        .zip(data)
        .map(|(widget, data)| RenderedWidget {
            widget_id: widget.id,
            title: widget.title,
            kind: widget.kind,
            position: widget.position,
            data,
        })
        .collect();
    Ok(RenderedDashboard {
        dashboard_id: dashboard.id,
        name: dashboard.name,
        widgets,
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_the_widgets_own_fields() {
        assert_eq!(config_field(WidgetType::Chart, "groupBy[0]"), "config.x");
        assert_eq!(
            config_field(WidgetType::Chart, "groupBy[1]"),
            "config.groupBy"
        );
        assert_eq!(
            config_field(WidgetType::Chart, "aggregates[0].column"),
            "config.y"
        );
        assert_eq!(
            config_field(WidgetType::Metric, "aggregates[0].column"),
            "config.column"
        );
        assert_eq!(
            config_field(WidgetType::Table, "select[1]"),
            "config.columns[1]"
        );
        assert_eq!(
            config_field(WidgetType::Chart, "filters[0].value"),
            "config.filters[0].value"
        );
    }
}
