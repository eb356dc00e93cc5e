//! Each tool's name, one-line description and JSON Schema for its input.
//! Kept as JSON text: a bundle carries the schemas as data, not as code.

/// `(name, description, input JSON Schema)` of every tool.
pub const TOOLS: &[(&str, &str, &str)] = &[
    ("whoami", "Who is calling: user id, email, organization id and roles.", EMPTY),
    (
        "create_dataset",
        "Create a dataset with typed columns, optionally with its first rows (owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["name","columns"],"properties":{
            "name":{"type":"string","minLength":1,"maxLength":200},
            "description":{"type":"string","maxLength":2000},
            "columns":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","additionalProperties":false,"required":["name","type"],"properties":{
                "name":{"type":"string","pattern":"^[A-Za-z][A-Za-z0-9_]{0,62}$"},
                "type":{"enum":["text","integer","real","boolean","date"]},
                "nullable":{"type":"boolean"}}}},
            "rows":{"type":"array","items":{"type":"object"}}}}"#,
    ),
    ("list_datasets", "List the organization's datasets with their columns.", EMPTY),
    (
        "get_dataset",
        "A dataset's columns, row count and first rows.",
        r#"{"type":"object","additionalProperties":false,"required":["datasetId"],"properties":{"datasetId":{"type":"string"}}}"#,
    ),
    (
        "append_rows",
        "Append rows (objects keyed by column name) to a dataset; all or nothing (owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["datasetId","rows"],"properties":{
            "datasetId":{"type":"string"},
            "rows":{"type":"array","minItems":1,"items":{"type":"object"}}}}"#,
    ),
    (
        "query_dataset",
        "Query a dataset: filters, group by, aggregates (count sum avg min max), order, limit up to 1000.",
        QUERY,
    ),
    (
        "delete_dataset",
        "Delete a dataset and its rows, unless widgets or automations use it (owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["datasetId"],"properties":{"datasetId":{"type":"string"}}}"#,
    ),
    (
        "create_dashboard",
        "Create a dashboard.",
        r#"{"type":"object","additionalProperties":false,"required":["name"],"properties":{
            "name":{"type":"string","minLength":1,"maxLength":200},
            "description":{"type":"string","maxLength":2000}}}"#,
    ),
    ("list_dashboards", "List the organization's dashboards.", EMPTY),
    (
        "get_dashboard",
        "A dashboard with its widgets in position order.",
        r#"{"type":"object","additionalProperties":false,"required":["dashboardId"],"properties":{"dashboardId":{"type":"string"}}}"#,
    ),
    (
        "update_dashboard",
        "Rename or redescribe a dashboard (its creator, owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["dashboardId"],"properties":{
            "dashboardId":{"type":"string"},
            "name":{"type":"string","minLength":1,"maxLength":200},
            "description":{"type":["string","null"],"maxLength":2000}}}"#,
    ),
    (
        "delete_dashboard",
        "Delete a dashboard and its widgets (its creator, owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["dashboardId"],"properties":{"dashboardId":{"type":"string"}}}"#,
    ),
    (
        "add_widget",
        "Add a chart, metric or table widget computed from a dataset to a dashboard.",
        WIDGET,
    ),
    (
        "update_widget",
        "Change a widget's title or configuration.",
        r#"{"type":"object","additionalProperties":false,"required":["widgetId"],"properties":{
            "widgetId":{"type":"string"},
            "title":{"type":"string","minLength":1,"maxLength":200},
            "config":{"type":"object"}}}"#,
    ),
    (
        "move_widget",
        "Move a widget to another position on its dashboard (0 is first).",
        r#"{"type":"object","additionalProperties":false,"required":["widgetId","position"],"properties":{
            "widgetId":{"type":"string"},"position":{"type":"integer","minimum":0}}}"#,
    ),
    (
        "remove_widget",
        "Remove a widget from its dashboard.",
        r#"{"type":"object","additionalProperties":false,"required":["widgetId"],"properties":{"widgetId":{"type":"string"}}}"#,
    ),
    (
        "render_widget",
        "Compute a widget's data: chart series, a metric value or table rows.",
        r#"{"type":"object","additionalProperties":false,"required":["widgetId"],"properties":{"widgetId":{"type":"string"}}}"#,
    ),
    (
        "render_dashboard",
        "Compute the data of every widget of a dashboard.",
        r#"{"type":"object","additionalProperties":false,"required":["dashboardId"],"properties":{"dashboardId":{"type":"string"}}}"#,
    ),
    (
        "create_automation",
        "Create a threshold alert or a scheduled report (owners and admins).",
        AUTOMATION,
    ),
    ("list_automations", "List the organization's automations.", EMPTY),
    (
        "update_automation",
        "Change an automation's name, description, configuration or enabled flag (owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["automationId"],"properties":{
            "automationId":{"type":"string"},
            "name":{"type":"string","minLength":1,"maxLength":200},
            "description":{"type":["string","null"],"maxLength":2000},
            "config":{"type":"object"},
            "enabled":{"type":"boolean"}}}"#,
    ),
    (
        "delete_automation",
        "Delete an automation and its run history (owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["automationId"],"properties":{"automationId":{"type":"string"}}}"#,
    ),
    (
        "run_automation",
        "Run an automation now and record the run (owners and admins).",
        r#"{"type":"object","additionalProperties":false,"required":["automationId"],"properties":{"automationId":{"type":"string"}}}"#,
    ),
    (
        "list_automation_runs",
        "An automation's runs, newest first.",
        r#"{"type":"object","additionalProperties":false,"required":["automationId"],"properties":{
            "automationId":{"type":"string"},"limit":{"type":"integer","minimum":1,"maximum":100}}}"#,
    ),
];

const EMPTY: &str = r#"{"type":"object","additionalProperties":false,"properties":{}}"#;

const QUERY: &str = r##"{"type":"object","additionalProperties":false,"required":["datasetId"],"properties":{
    "datasetId":{"type":"string"},
    "select":{"type":"array","items":{"type":"string"}},
    "filters":{"type":"array","maxItems":20,"items":{"$ref":"#/$defs/filter"}},
    "groupBy":{"type":"array","items":{"type":"string"}},
    "aggregates":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["function"],"properties":{
        "function":{"enum":["count","sum","avg","min","max"]},
        "column":{"type":"string"},
        "alias":{"type":"string"}}}},
    "orderBy":{"type":"array","maxItems":5,"items":{"$ref":"#/$defs/order"}},
    "limit":{"type":"integer","minimum":1,"maximum":1000}},
  "$defs":{
    "filter":{"type":"object","additionalProperties":false,"required":["column","op"],"properties":{
        "column":{"type":"string"},
        "op":{"enum":["=","!=","<","<=",">",">=","in","contains","is_null"]},
        "value":{}}},
    "order":{"type":"object","additionalProperties":false,"required":["column"],"properties":{
        "column":{"type":"string"},"direction":{"enum":["asc","desc"]}}}}}"##;

const WIDGET: &str = r#"{"type":"object","additionalProperties":false,"required":["dashboardId","datasetId","title","type","config"],"properties":{
    "dashboardId":{"type":"string"},
    "datasetId":{"type":"string"},
    "title":{"type":"string","minLength":1,"maxLength":200},
    "type":{"enum":["chart","metric","table"]},
    "config":{"description":"chart: {chartType: bar|line|area|pie, x, y, aggregate, groupBy?, filters?, limit?}; metric: {column, aggregate, filters?}; table: {columns, orderBy?, limit?}","type":"object"}}}"#;

const AUTOMATION: &str = r#"{"type":"object","additionalProperties":false,"required":["name","type","config"],"properties":{
    "name":{"type":"string","minLength":1,"maxLength":200},
    "description":{"type":"string","maxLength":2000},
    "type":{"enum":["threshold_alert","scheduled_report"]},
    "enabled":{"type":"boolean"},
    "config":{"description":"threshold_alert: {datasetId, column, aggregate, operator: gt|gte|lt|lte|eq, threshold, filters?, schedule}; scheduled_report: {dashboardId, schedule}; schedule: hourly, daily, weekly or a five-field cron expression (UTC)","type":"object"}}}"#;
