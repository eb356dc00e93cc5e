//! The shapes stored in the JSON columns of orgscope's own tables: a
//! dataset's column definitions, a widget's configuration and an
//! automation's configuration. Every reader and writer of those columns goes
//! through these types, so what is stored is always what they describe.

use serde::{Deserialize, Serialize};

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

/// A widget's configuration (`widget.config`), tagged by `widget.type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum WidgetConfig {
    /// A series of `aggregate(y)` per value of `x` (and of `groupBy`).
    #[serde(rename_all = "camelCase")]
    Chart {
        chart_type: ChartType,
        x: String,
        y: String,
        aggregate: Aggregate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group_by: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        filters: Vec<Filter>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// One number: `aggregate(column)` over the filtered rows.
    #[serde(rename_all = "camelCase")]
    Metric {
        column: String,
        aggregate: Aggregate,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        filters: Vec<Filter>,
    },
    /// Rows of the chosen columns.
    #[serde(rename_all = "camelCase")]
    Table {
        columns: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_by: Option<OrderBy>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
}

/// How often a scheduled automation runs: a named period or a five-field
/// cron expression (`minute hour day-of-month month day-of-week`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Schedule(pub String);

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

/// An automation's configuration (`automation.config`), tagged by
/// `automation.type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AutomationConfig {
    /// Computes `aggregate(column)` over a dataset and compares it with
    /// `threshold`.
    #[serde(rename_all = "camelCase")]
    ThresholdAlert {
        dataset_id: String,
        column: String,
        aggregate: Aggregate,
        operator: ThresholdOp,
        threshold: f64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        filters: Vec<Filter>,
        schedule: Schedule,
    },
    /// Renders every widget of a dashboard.
    #[serde(rename_all = "camelCase")]
    ScheduledReport {
        dashboard_id: String,
        schedule: Schedule,
    },
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
    fn widget_configs_are_tagged_by_type() {
        let config: WidgetConfig = serde_json::from_str(
            r#"{"type":"chart","chartType":"bar","x":"region","y":"sales","aggregate":"sum"}"#,
        )
        .unwrap();
        assert!(matches!(
            config,
            WidgetConfig::Chart {
                chart_type: ChartType::Bar,
                ..
            }
        ));
    }

    #[test]
    fn automation_configs_round_trip() {
        let config = AutomationConfig::ScheduledReport {
            dashboard_id: "dash_1".into(),
            schedule: Schedule("daily".into()),
        };
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(
            text,
            r#"{"type":"scheduled_report","dashboardId":"dash_1","schedule":"daily"}"#
        );
        assert_eq!(
            serde_json::from_str::<AutomationConfig>(&text).unwrap(),
            config
        );
    }
}
