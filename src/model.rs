//! The shapes stored in the JSON columns of orgscope's own tables: a
//! dataset's column definitions, a widget's configuration and an
//! automation's configuration. Every reader and writer of those columns goes
//! through these types, so what is stored is always what they describe.

use serde::{Deserialize, Serialize};

use crate::json::{self, FieldError};

/// The type of a dataset column, and how its values are stored in D1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    Integer,
    Real,
    /// Stored as 0 or 1.
    Boolean,
    /// Stored as ISO-8601 text, so that text order is time order.
    Date,
}

/// One column of a dataset (`dataset.schema` is a JSON array of these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    #[serde(default)]
    pub nullable: bool,
}

/// How a set of values folds into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

/// A comparison in a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterOp {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "in")]
    In,
    #[serde(rename = "contains")]
    Contains,
    #[serde(rename = "is_null")]
    IsNull,
}

/// A condition on one column; `value` is absent for `is_null`, an array for
/// `in`, and a scalar otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filter {
    pub column: String,
    pub op: FilterOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// An ordering on one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderBy {
    pub column: String,
    #[serde(default)]
    pub direction: Direction,
}

/// The kinds of chart a chart widget draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartType {
    Bar,
    Line,
    Area,
    Pie,
}

/// The kinds of widget (`widget.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WidgetType {
    Chart,
    Metric,
    Table,
}

impl WidgetType {
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetType::Chart => "chart",
            WidgetType::Metric => "metric",
            WidgetType::Table => "table",
        }
    }
}

/// A chart: `aggregate(y)` for each value of `x`, one series per value of
/// `groupBy` when given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChartConfig {
    pub chart_type: ChartType,
    pub x: String,
    pub y: String,
    pub aggregate: Aggregate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One number: `aggregate(column)` over the filtered rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricConfig {
    pub column: String,
    pub aggregate: Aggregate,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Rows of the chosen columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TableConfig {
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<OrderBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A widget's configuration (`widget.config`); which one is given by
/// `widget.type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum WidgetConfig {
    Chart(ChartConfig),
    Metric(MetricConfig),
    Table(TableConfig),
}

impl WidgetConfig {
    /// Reads the configuration of a widget of type `kind`.
    pub fn from_json(
        kind: WidgetType,
        config: serde_json::Value,
    ) -> Result<WidgetConfig, FieldError> {
        match kind {
            WidgetType::Chart => json::from_value(config).map(WidgetConfig::Chart),
            WidgetType::Metric => json::from_value(config).map(WidgetConfig::Metric),
            WidgetType::Table => json::from_value(config).map(WidgetConfig::Table),
        }
    }

    pub fn kind(&self) -> WidgetType {
        match self {
            WidgetConfig::Chart(_) => WidgetType::Chart,
            WidgetConfig::Metric(_) => WidgetType::Metric,
            WidgetConfig::Table(_) => WidgetType::Table,
        }
    }
}

/// The comparison a threshold alert applies to its computed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThresholdOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
}

impl ThresholdOp {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            ThresholdOp::Gt => value > threshold,
            ThresholdOp::Gte => value >= threshold,
            ThresholdOp::Lt => value < threshold,
            ThresholdOp::Lte => value <= threshold,
            ThresholdOp::Eq => value == threshold,
        }
    }
}

/// The kinds of automation (`automation.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutomationType {
    ThresholdAlert,
    ScheduledReport,
}

impl AutomationType {
    pub fn as_str(self) -> &'static str {
        match self {
            AutomationType::ThresholdAlert => "threshold_alert",
            AutomationType::ScheduledReport => "scheduled_report",
        }
    }
}

/// Computes `aggregate(column)` over a dataset and compares it with
/// `threshold`. `schedule`: `hourly`, `daily`, `weekly` or five-field cron.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThresholdAlertConfig {
    pub dataset_id: String,
    pub column: String,
    pub aggregate: Aggregate,
    pub operator: ThresholdOp,
    pub threshold: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    pub schedule: String,
}

/// Renders every widget of a dashboard on a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduledReportConfig {
    pub dashboard_id: String,
    pub schedule: String,
}

/// An automation's configuration (`automation.config`); which one is given
/// by `automation.type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AutomationConfig {
    ThresholdAlert(ThresholdAlertConfig),
    ScheduledReport(ScheduledReportConfig),
}

impl AutomationConfig {
    /// Reads the configuration of an automation of type `kind`.
    pub fn from_json(
        kind: AutomationType,
        config: serde_json::Value,
    ) -> Result<AutomationConfig, FieldError> {
        match kind {
            AutomationType::ThresholdAlert => {
                json::from_value(config).map(AutomationConfig::ThresholdAlert)
            }
            AutomationType::ScheduledReport => {
                json::from_value(config).map(AutomationConfig::ScheduledReport)
            }
        }
    }

    pub fn schedule(&self) -> &str {
        match self {
            AutomationConfig::ThresholdAlert(c) => &c.schedule,
            AutomationConfig::ScheduledReport(c) => &c.schedule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_defs_read_the_stored_json() {
        let columns: Vec<ColumnDef> = serde_json::from_str(
            r#"[{"name":"region","type":"text"},{"name":"sales","type":"real","nullable":true}]"#,
        )
        .unwrap();
        assert_eq!(columns[0].column_type, ColumnType::Text);
        assert!(!columns[0].nullable);
        assert!(columns[1].nullable);
    }

    #[test]
    fn widget_configs_are_read_by_widget_type() {
        let config =
            serde_json::json!({"chartType":"bar","x":"region","y":"sales","aggregate":"sum"});
        let chart = WidgetConfig::from_json(WidgetType::Chart, config.clone()).unwrap();
        assert_eq!(chart.kind(), WidgetType::Chart);
        assert!(WidgetConfig::from_json(WidgetType::Metric, config).is_err());
    }

    #[test]
    fn automation_configs_round_trip() {
        let config = AutomationConfig::ScheduledReport(ScheduledReportConfig {
            dashboard_id: "dash_1".into(),
            schedule: "daily".into(),
        });
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(text, r#"{"dashboardId":"dash_1","schedule":"daily"}"#);
        let back = AutomationConfig::from_json(
            AutomationType::ScheduledReport,
            serde_json::from_str(&text).unwrap(),
        )
        .unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn threshold_operators_compare() {
        assert!(ThresholdOp::Gt.holds(2.0, 1.0));
        assert!(!ThresholdOp::Gt.holds(1.0, 1.0));
        assert!(ThresholdOp::Lte.holds(1.0, 1.0));
    }
}
