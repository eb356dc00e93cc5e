//! Dashboards: named, ordered collections of widgets. Any member may create
//! one; its creator, owners and admins may change or delete it.

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use crate::error::{Error, Result};
use crate::ids;
use crate::scope::{validate_org_ownership, OrgOwned, OrgScope};
use crate::store::{int, opt_text, text, Answer};
use crate::time;
use crate::tools::{fields, NoArgs, ToolRequest};
use crate::widgets::{self, Widget};

/// A dashboard as tools answer it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_by_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl OrgOwned for Dashboard {
    fn org_id(&self) -> &str {
        &self.org_id
    }
}

const COLUMNS: &str = r#"id, org_id as "orgId", name, description, created_by_id as "createdById",
                         created_at as "createdAt", updated_at as "updatedAt""#;

/// Loads a dashboard of the caller's organization; another organization's
/// answers like a missing one.
pub async fn load(scope: &OrgScope<'_>, id: &str) -> Result<Dashboard> {
    let found = scope.first(&load_sql(), &[text(id)]).await?;
    validate_org_ownership(found, scope.org_id(), "dashboard")
}

fn load_sql() -> String {
    format!("select {COLUMNS} from dashboard where org_id = ?1 and id = ?2")
}

/// [`load`] as a statement for a batch; [`loaded`] reads its answer.
pub fn load_statement(scope: &OrgScope<'_>, id: &str) -> Result<D1PreparedStatement> {
    scope.statement(&load_sql(), &[text(id)])
}

/// The dashboard a [`load_statement`] found.
pub fn loaded(scope: &OrgScope<'_>, answer: &Answer) -> Result<Dashboard> {
    let found = answer.rows::<Dashboard>()?.into_iter().next();
    validate_org_ownership(found, scope.org_id(), "dashboard")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateArgs {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

pub async fn create(req: &ToolRequest<'_>, args: CreateArgs) -> Result<Dashboard> {
    let now = time::now_ms();
    let dashboard = Dashboard {
        id: ids::generate_id("dash")?,
        org_id: req.scope.org_id().to_string(),
        name: fields::name("name", &args.name)?,
        description: fields::description("description", args.description.as_deref())?,
        created_by_id: Some(req.ctx.user_id.clone()),
        created_at: now,
        updated_at: now,
    };
    req.scope
        .run(
            "insert into dashboard (org_id, id, name, description, created_by_id, created_at, updated_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            &[
                text(&dashboard.id),
                text(&dashboard.name),
                opt_text(dashboard.description.as_deref()),
                text(&req.ctx.user_id),
                int(now),
            ],
        )
        .await?;
    Ok(dashboard)
}

#[derive(Serialize)]
pub struct DashboardList {
    dashboards: Vec<Dashboard>,
}

pub async fn list(req: &ToolRequest<'_>, _args: NoArgs) -> Result<DashboardList> {
    let sql = format!("select {COLUMNS} from dashboard where org_id = ?1 order by created_at, id");
    Ok(DashboardList {
        dashboards: req.scope.all(&sql, &[]).await?,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardArgs {
    pub dashboard_id: String,
}

#[derive(Serialize)]
pub struct DashboardWithWidgets {
    dashboard: Dashboard,
    widgets: Vec<Widget>,
}

pub async fn get(req: &ToolRequest<'_>, args: DashboardArgs) -> Result<DashboardWithWidgets> {
    let dashboard = load(&req.scope, &args.dashboard_id).await?;
    let widgets = widgets::list_for_dashboard(&req.scope, &dashboard.id).await?;
    Ok(DashboardWithWidgets { dashboard, widgets })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateArgs {
    dashboard_id: String,
    #[serde(default)]
    name: Option<String>,
    /// `null` clears the description; absent keeps it.
    #[serde(default, with = "double_option")]
    description: Option<Option<String>>,
}

pub async fn update(req: &ToolRequest<'_>, args: UpdateArgs) -> Result<Dashboard> {
    let mut dashboard = load(&req.scope, &args.dashboard_id).await?;
    req.require_owner_or_admin(dashboard.created_by_id.as_deref(), "change this dashboard")?;
    if let Some(name) = &args.name {
        dashboard.name = fields::name("name", name)?;
    }
    if let Some(description) = &args.description {
        dashboard.description = fields::description("description", description.as_deref())?;
    }
    dashboard.updated_at = time::now_ms();
    req.scope
        .run(
            "update dashboard set name = ?3, description = ?4, updated_at = ?5
             where org_id = ?1 and id = ?2",
            &[
                text(&dashboard.id),
                text(&dashboard.name),
                opt_text(dashboard.description.as_deref()),
                int(dashboard.updated_at),
            ],
        )
        .await?;
    Ok(dashboard)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    deleted: bool,
    dashboard_id: String,
}

/// Deletes the dashboard; its widgets go with it (`on delete cascade`).
pub async fn delete(req: &ToolRequest<'_>, args: DashboardArgs) -> Result<Deleted> {
    let dashboard = load(&req.scope, &args.dashboard_id).await?;
    req.require_owner_or_admin(dashboard.created_by_id.as_deref(), "delete this dashboard")?;
    let refs = automations_using(&req.scope, &dashboard.id).await?;
    if !refs.is_empty() {
        return Err(Error::Conflict(format!(
            "dashboard is used by scheduled reports: {}",
            refs.join(", ")
        )));
    }
    req.scope
        .run(
            "delete from dashboard where org_id = ?1 and id = ?2",
            &[text(&dashboard.id)],
        )
        .await?;
    Ok(Deleted {
        deleted: true,
        dashboard_id: dashboard.id,
    })
}

#[derive(Deserialize)]
struct NamedRef {
    name: String,
    id: String,
}

/// The scheduled reports that render this dashboard, as "name (id)".
async fn automations_using(scope: &OrgScope<'_>, dashboard_id: &str) -> Result<Vec<String>> {
    let found: Vec<NamedRef> = scope
        .all(
            "select name, id from automation
             where org_id = ?1 and type = 'scheduled_report'
               and json_extract(config, '$.dashboardId') = ?2",
            &[text(dashboard_id)],
        )
        .await?;
    Ok(found
        .into_iter()
        .map(|r| format!("{} ({})", r.name, r.id))
        .collect())
}

/// Reads a field that may be absent (outer `None`), `null` (`Some(None)`)
/// or a value.
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
