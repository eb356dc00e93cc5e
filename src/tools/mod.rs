//! The tools an agent calls: a registry of names, descriptions and input
//! schemas, and one dispatch `match` from a name to its handler. Plain HTTP
//! (`GET /api/tools`, `POST /api/tools/{name}`) and MCP (`POST /mcp`) both
//! call tools through [`call`].

pub mod fields;
pub mod mcp;
mod schemas;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Request, Response};

use crate::app::App;
use crate::auth::{self, AuthContext};
use crate::error::{Error, Result};
use crate::http::{self, TOOL_BODY_LIMIT};
use crate::scope::OrgScope;
use crate::{automations, dashboards, datasets, widgets};

/// What every tool handler receives: the caller's context and a database
/// handle bound to the caller's organization.
pub struct ToolRequest<'a> {
    pub ctx: AuthContext,
    pub scope: OrgScope<'a>,
}

impl<'a> ToolRequest<'a> {
    pub fn new(app: &'a App, ctx: AuthContext) -> ToolRequest<'a> {
        let scope = OrgScope::new(&app.db, &ctx);
        ToolRequest { ctx, scope }
    }

    /// Owners and admins may change everything in their organization.
    pub fn is_admin(&self) -> bool {
        self.ctx.has_role("owner") || self.ctx.has_role("admin")
    }

    /// Refuses unless the caller is an owner or admin.
    pub fn require_admin(&self, action: &str) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "only owners and admins may {action}"
            )))
        }
    }

    /// Refuses unless the caller is an owner or admin, or created the record.
    pub fn require_owner_or_admin(&self, created_by: Option<&str>, action: &str) -> Result<()> {
        if self.is_admin() || created_by == Some(self.ctx.user_id.as_str()) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "only its creator, owners and admins may {action}"
            )))
        }
    }
}

/// The arguments of a tool that takes none: an empty object (or nothing).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// A tool as listed to clients.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
}

/// Every tool, in the order clients see them.
pub fn list() -> Result<Vec<ToolInfo>> {
    schemas::TOOLS
        .iter()
        .map(|(name, description, schema)| {
            let input_schema = serde_json::from_str(schema)
                .map_err(|e| Error::Corrupt(format!("schema of {name}: {e}")))?;
            Ok(ToolInfo {
                name,
                description,
                input_schema,
            })
        })
        .collect()
}

/// Whether a tool of this name exists.
pub fn exists(name: &str) -> bool {
    schemas::TOOLS.iter().any(|(n, _, _)| *n == name)
}

/// Calls the tool `name` with JSON `args`; answers its JSON result.
pub async fn call(name: &str, req: &ToolRequest<'_>, args: Value) -> Result<Value> {
    match name {
        "whoami" => parse::<NoArgs>(args).and_then(|_| output(&req.ctx)),
        "create_dataset" => output(datasets::create(req, parse(args)?).await?),
        "list_datasets" => output(datasets::list(req, parse(args)?).await?),
        "get_dataset" => output(datasets::get(req, parse(args)?).await?),
        "append_rows" => output(datasets::append_rows(req, parse(args)?).await?),
        "query_dataset" => output(datasets::query(req, parse(args)?).await?),
        "delete_dataset" => output(datasets::delete(req, parse(args)?).await?),
        "create_dashboard" => output(dashboards::create(req, parse(args)?).await?),
        "list_dashboards" => output(dashboards::list(req, parse(args)?).await?),
        "get_dashboard" => output(dashboards::get(req, parse(args)?).await?),
        "update_dashboard" => output(dashboards::update(req, parse(args)?).await?),
        "delete_dashboard" => output(dashboards::delete(req, parse(args)?).await?),
        "add_widget" => output(widgets::add(req, parse(args)?).await?),
        "update_widget" => output(widgets::update(req, parse(args)?).await?),
        "move_widget" => output(widgets::move_to(req, parse(args)?).await?),
        "remove_widget" => output(widgets::remove(req, parse(args)?).await?),
        "render_widget" => output(widgets::render_one(req, parse(args)?).await?),
        "render_dashboard" => output(widgets::render_dashboard(req, parse(args)?).await?),
        "create_automation" => output(automations::create(req, parse(args)?).await?),
        "list_automations" => output(automations::list(req, parse(args)?).await?),
        "update_automation" => output(automations::update(req, parse(args)?).await?),
        "delete_automation" => output(automations::delete(req, parse(args)?).await?),
        "run_automation" => output(automations::run_now(req, parse(args)?).await?),
        "list_automation_runs" => output(automations::list_runs(req, parse(args)?).await?),
        _ => Err(Error::UnknownTool(name.chars().take(100).collect())),
    }
}

/// Parses tool arguments into their typed struct, naming a bad field.
fn parse<A: DeserializeOwned>(args: Value) -> Result<A> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    http::from_value(args).map_err(|e| match e {
        Error::MalformedBody(message) => Error::invalid("arguments", message),
        other => other,
    })
}

fn output<R: Serialize>(result: R) -> Result<Value> {
    serde_json::to_value(result).map_err(|e| Error::Corrupt(e.to_string()))
}

/// `GET /api/tools`: every tool with its input schema.
pub async fn http_list(req: &mut Request, app: &App) -> Result<Response> {
    auth::authenticate(req, app).await?;
    http::json(200, &serde_json::json!({ "tools": list()? }))
}

/// `POST /api/tools/{name}`: calls one tool with the JSON body as arguments.
pub async fn http_call(req: &mut Request, app: &App, name: &str) -> Result<Response> {
    if !exists(name) {
        return Err(Error::UnknownTool(name.chars().take(100).collect()));
    }
    let ctx = auth::authenticate(req, app).await?;
    let args: Value = http::read_json(req, TOOL_BODY_LIMIT).await?;
    let tool_request = ToolRequest::new(app, ctx);
    let result = call(name, &tool_request, args).await?;
    http::json(200, &result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_is_a_json_object_schema() {
        let tools = list().unwrap();
        assert_eq!(tools.len(), schemas::TOOLS.len());
        for tool in tools {
            assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
            assert!(!tool.description.is_empty());
        }
    }

    #[test]
    fn tool_names_are_unique() {
        let mut names: Vec<_> = schemas::TOOLS.iter().map(|(n, _, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), schemas::TOOLS.len());
    }

    #[test]
    fn bad_arguments_name_the_field() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Args {
            #[allow(dead_code)]
            dashboard_id: String,
        }
        let error = parse::<Args>(serde_json::json!({ "dashboardId": 7 })).unwrap_err();
        assert_eq!(error.code(), "VALIDATION_ERROR");
        assert!(error.to_string().starts_with("dashboardId:"), "{error}");
        let missing = parse::<Args>(Value::Null).unwrap_err();
        assert!(missing.to_string().contains("dashboardId"), "{missing}");
    }
}
