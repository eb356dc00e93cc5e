//! Automations: threshold alerts and scheduled reports, run on demand and
//! by the Cron Trigger, with every run recorded in `automation_run`.
//!
//! Any member lists automations and their runs; owners and admins create,
//! change, delete and run them.

mod cron;
pub mod schedule;

pub use cron::run_due;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dashboards;
use crate::datasets::{self, query};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{Aggregate, AutomationConfig, AutomationType, ThresholdAlertConfig};
use crate::scope::{validate_org_ownership, OrgOwned, OrgScope};
use crate::store::{int, opt_text, text};
use crate::time;
use crate::tools::{fields, NoArgs, ToolRequest};
use crate::widgets;
use schedule::Schedule;

/// An automation as tools answer it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Automation {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: AutomationType,
    pub config: AutomationConfig,
    pub enabled: bool,
    pub created_by_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl OrgOwned for Automation {
    fn org_id(&self) -> &str {
        &self.org_id
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    id: String,
    org_id: String,
    name: String,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: AutomationType,
    config: String,
    enabled: i64,
    created_by_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<Row> for Automation {
    type Error = Error;

    fn try_from(row: Row) -> Result<Automation> {
        let corrupt = |e: String| Error::Corrupt(format!("automation {} config: {e}", row.id));
        let value: Value = serde_json::from_str(&row.config).map_err(|e| corrupt(e.to_string()))?;
        let config =
            AutomationConfig::from_json(row.kind, value).map_err(|e| corrupt(e.to_string()))?;
        Ok(Automation {
            id: row.id,
            org_id: row.org_id,
            name: row.name,
            description: row.description,
            kind: row.kind,
            config,
            enabled: row.enabled != 0,
            created_by_id: row.created_by_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const COLUMNS: &str = r#"id, org_id as "orgId", name, description, type, config, enabled,
                         created_by_id as "createdById", created_at as "createdAt",
                         updated_at as "updatedAt""#;

async fn load(scope: &OrgScope<'_>, id: &str) -> Result<Automation> {
    let sql = format!("select {COLUMNS} from automation where org_id = ?1 and id = ?2");
    let row: Option<Row> = scope.first(&sql, &[text(id)]).await?;
    validate_org_ownership(
        row.map(Automation::try_from).transpose()?,
        scope.org_id(),
        "automation",
    )
}

/// The query that computes a threshold alert's value.
fn threshold_query(config: &ThresholdAlertConfig) -> query::QuerySpec {
    query::QuerySpec {
        aggregates: vec![query::AggregateSpec {
            function: config.aggregate,
            column: (config.aggregate != Aggregate::Count || !config.column.is_empty())
                .then(|| config.column.clone()),
            alias: Some("agg_value".into()),
        }],
        filters: config.filters.clone(),
        ..query::QuerySpec::default()
    }
}

/// Reads and checks a configuration: its schedule parses, and what it
/// refers to exists in the organization and fits (columns, aggregate).
async fn check_config(
    scope: &OrgScope<'_>,
    kind: AutomationType,
    config: Value,
) -> Result<AutomationConfig> {
    let config = AutomationConfig::from_json(kind, config)
        .map_err(|e| Error::invalid(e.path_within("config"), e.message.clone()))?;
    Schedule::parse(config.schedule()).map_err(|e| Error::invalid("config.schedule", e))?;
    match &config {
        AutomationConfig::ThresholdAlert(alert) => {
            if !alert.threshold.is_finite() {
                return Err(Error::invalid(
                    "config.threshold",
                    "must be a finite number",
                ));
            }
            let dataset = datasets::load(scope, &alert.dataset_id)
                .await
                .map_err(|e| refers_to(e, "config.datasetId"))?;
            query::compile(
                &dataset.table_name,
                &dataset.columns,
                &threshold_query(alert),
            )
            .map_err(|e| match e {
                Error::Validation { field, message } => {
                    // The alert's query: `aggregates[0]` is its column and
                    // aggregate; `filters[i]` are its own filters.
                    let field = match field.strip_prefix("aggregates[0]") {
                        Some(".function") | Some("") => "aggregate".to_string(),
                        Some(_) => "column".to_string(),
                        None => field,
                    };
                    Error::invalid(format!("config.{field}"), message)
                }
                other => other,
            })?;
        }
        AutomationConfig::ScheduledReport(report) => {
            dashboards::load(scope, &report.dashboard_id)
                .await
                .map_err(|e| refers_to(e, "config.dashboardId"))?;
        }
    }
    Ok(config)
}

/// A missing referenced record is the caller's mistake in `field`.
fn refers_to(error: Error, field: &str) -> Error {
    match error {
        Error::NotFound(what) => {
            Error::invalid(field, format!("no such {what} in this organization"))
        }
        other => other,
    }
}

fn config_text(config: &AutomationConfig) -> Result<String> {
    serde_json::to_string(config).map_err(|e| Error::Corrupt(e.to_string()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateArgs {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "type")]
    kind: AutomationType,
    config: Value,
    #[serde(default)]
    enabled: Option<bool>,
}

pub async fn create(req: &ToolRequest<'_>, args: CreateArgs) -> Result<Automation> {
    req.require_admin("create automations")?;
    let name = fields::name("name", &args.name)?;
    let description = fields::description("description", args.description.as_deref())?;
    let config = check_config(&req.scope, args.kind, args.config).await?;
    let now = time::now_ms();
    let automation = Automation {
        id: ids::generate_id("auto")?,
        org_id: req.scope.org_id().to_string(),
        name,
        description,
        kind: args.kind,
        config,
        enabled: args.enabled.unwrap_or(true),
        created_by_id: Some(req.ctx.user_id.clone()),
        created_at: now,
        updated_at: now,
    };
    req.scope
        .run(
            "insert into automation (org_id, id, name, description, type, config, enabled,
                                     created_by_id, created_at, updated_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            &[
                text(&automation.id),
                text(&automation.name),
                opt_text(automation.description.as_deref()),
                text(automation.kind.as_str()),
                text(&config_text(&automation.config)?),
                int(i64::from(automation.enabled)),
                text(&req.ctx.user_id),
                int(now),
            ],
        )
        .await?;
    Ok(automation)
}

#[derive(Serialize)]
pub struct AutomationList {
    automations: Vec<Automation>,
}

pub async fn list(req: &ToolRequest<'_>, _args: NoArgs) -> Result<AutomationList> {
    let sql = format!("select {COLUMNS} from automation where org_id = ?1 order by created_at, id");
    let rows: Vec<Row> = req.scope.all(&sql, &[]).await?;
    let automations = rows
        .into_iter()
        .map(Automation::try_from)
        .collect::<Result<_>>()?;
    Ok(AutomationList { automations })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateArgs {
    automation_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, with = "crate::dashboards::double_option")]
    description: Option<Option<String>>,
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    enabled: Option<bool>,
}

pub async fn update(req: &ToolRequest<'_>, args: UpdateArgs) -> Result<Automation> {
    req.require_admin("change automations")?;
    let mut automation = load(&req.scope, &args.automation_id).await?;
    if let Some(name) = &args.name {
        automation.name = fields::name("name", name)?;
    }
    if let Some(description) = &args.description {
        automation.description = fields::description("description", description.as_deref())?;
    }
    if let Some(config) = args.config {
        automation.config = check_config(&req.scope, automation.kind, config).await?;
    }
    if let Some(enabled) = args.enabled {
        automation.enabled = enabled;
    }
    automation.updated_at = time::now_ms();
    req.scope
        .run(
            "update automation set name = ?3, description = ?4, config = ?5, enabled = ?6, updated_at = ?7
             where org_id = ?1 and id = ?2",
            &[
                text(&automation.id),
                text(&automation.name),
                opt_text(automation.description.as_deref()),
                text(&config_text(&automation.config)?),
                int(i64::from(automation.enabled)),
                int(automation.updated_at),
            ],
        )
        .await?;
    Ok(automation)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutomationArgs {
    automation_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    deleted: bool,
    automation_id: String,
}

/// Deletes an automation; its runs go with it (`on delete cascade`).
pub async fn delete(req: &ToolRequest<'_>, args: AutomationArgs) -> Result<Deleted> {
    req.require_admin("delete automations")?;
    let automation = load(&req.scope, &args.automation_id).await?;
    req.scope
        .run(
            "delete from automation where org_id = ?1 and id = ?2",
            &[text(&automation.id)],
        )
        .await?;
    Ok(Deleted {
        deleted: true,
        automation_id: automation.id,
    })
}

/// A recorded run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    pub automation_id: String,
    pub status: String,
    #[serde(skip_serializing)]
    pub result: Option<String>,
    #[serde(skip_deserializing, rename(serialize = "result"))]
    pub result_value: Option<Value>,
    pub error: Option<String>,
    pub executed_at: i64,
    pub scheduled_for: Option<i64>,
}

/// What an automation computes: the alert's value and whether it
/// triggered, or the report's rendered widgets. `Err` is the failure that
/// the run records.
async fn execute(scope: &OrgScope<'_>, automation: &Automation) -> Result<Value> {
    let value = match &automation.config {
        AutomationConfig::ThresholdAlert(alert) => {
            let dataset = datasets::load(scope, &alert.dataset_id).await?;
            let result = datasets::run_query(scope, &dataset, &threshold_query(alert)).await?;
            let value = result
                .rows
                .into_iter()
                .next()
                .and_then(|mut row| row.remove("agg_value"))
                .unwrap_or(Value::Null);
            let triggered = value
                .as_f64()
                .is_some_and(|v| alert.operator.holds(v, alert.threshold));
            serde_json::json!({
                "value": value,
                "threshold": alert.threshold,
                "operator": alert.operator,
                "triggered": triggered,
            })
        }
        AutomationConfig::ScheduledReport(report) => {
            let rendered = widgets::render_dashboard_in(scope, &report.dashboard_id).await?;
            serde_json::to_value(rendered).map_err(|e| Error::Corrupt(e.to_string()))?
        }
    };
    Ok(value)
}

/// Runs an automation and records the outcome in its run row (inserted as
/// `pending` by the caller). A failure is recorded, not raised: the caller
/// learns it from the returned run.
async fn execute_and_record(
    scope: &OrgScope<'_>,
    automation: &Automation,
    run_id: &str,
) -> Result<()> {
    let (status, result, error) = match execute(scope, automation).await {
        Ok(value) => {
            let text = serde_json::to_string(&value).map_err(|e| Error::Corrupt(e.to_string()))?;
            ("success", Some(text), None)
        }
        Err(failure) => {
            let message = if failure.is_server_error() {
                // The cause (a D1 error) is for the log, not the run record.
                crate::log::server_error(&failure);
                "reading the automation's dataset or dashboard failed".to_string()
            } else {
                failure.body().message
            };
            ("failed", None, Some(message))
        }
    };
    scope
        .run(
            "update automation_run set status = ?3, result = ?4, error = ?5, executed_at = ?6
             where org_id = ?1 and id = ?2",
            &[
                text(run_id),
                text(status),
                opt_text(result.as_deref()),
                opt_text(error.as_deref()),
                int(time::now_ms()),
            ],
        )
        .await?;
    Ok(())
}

const RUN_COLUMNS: &str = r#"id, automation_id as "automationId", status, result, error,
                             executed_at as "executedAt", scheduled_for as "scheduledFor""#;

async fn load_run(scope: &OrgScope<'_>, id: &str) -> Result<Run> {
    let sql = format!("select {RUN_COLUMNS} from automation_run where org_id = ?1 and id = ?2");
    let run: Option<Run> = scope.first(&sql, &[text(id)]).await?;
    run.map(with_result)
        .ok_or(Error::NotFound("run"))
        .and_then(|r| r)
}

fn with_result(mut run: Run) -> Result<Run> {
    run.result_value = match &run.result {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| Error::Corrupt(e.to_string()))?),
        None => None,
    };
    Ok(run)
}

/// Inserts a `pending` run; `scheduled_for` is the due time of a scheduled
/// run. Answers false when a run for that due time already exists.
async fn claim_run(
    scope: &OrgScope<'_>,
    automation_id: &str,
    run_id: &str,
    scheduled_for: Option<i64>,
) -> Result<bool> {
    let claimed = scope
        .run(
            "insert into automation_run (org_id, id, automation_id, status, executed_at, scheduled_for)
             values (?1, ?2, ?3, 'pending', ?4, ?5)
             on conflict (automation_id, scheduled_for) do nothing",
            &[
                text(run_id),
                text(automation_id),
                int(time::now_ms()),
                scheduled_for.map_or(wasm_bindgen::JsValue::NULL, int),
            ],
        )
        .await?;
    Ok(claimed == 1)
}

/// `run_automation`: runs now, whether enabled or not, and answers the run.
pub async fn run_now(req: &ToolRequest<'_>, args: AutomationArgs) -> Result<Run> {
    req.require_admin("run automations")?;
    let automation = load(&req.scope, &args.automation_id).await?;
    let run_id = ids::generate_id("run")?;
    claim_run(&req.scope, &automation.id, &run_id, None).await?;
    execute_and_record(&req.scope, &automation, &run_id).await?;
    load_run(&req.scope, &run_id).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunsArgs {
    automation_id: String,
    #[serde(default)]
    limit: Option<u32>,
}

#[derive(Serialize)]
pub struct RunList {
    runs: Vec<Run>,
}

pub async fn list_runs(req: &ToolRequest<'_>, args: RunsArgs) -> Result<RunList> {
    let limit = args.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(Error::invalid("limit", "must be between 1 and 100"));
    }
    let automation = load(&req.scope, &args.automation_id).await?;
    let sql = format!(
        "select {RUN_COLUMNS} from automation_run where org_id = ?1 and automation_id = ?2
         order by executed_at desc, id desc limit ?3"
    );
    let runs: Vec<Run> = req
        .scope
        .all(&sql, &[text(&automation.id), int(i64::from(limit))])
        .await?;
    let runs = runs.into_iter().map(with_result).collect::<Result<_>>()?;
    Ok(RunList { runs })
}
