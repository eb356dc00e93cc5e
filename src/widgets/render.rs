//! Computing a widget's data from its dataset: a chart's series, a metric's
//! value, a table's rows. Each is one query, compiled from the widget's
//! configuration like any client query.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::datasets::query::{AggregateSpec, QuerySpec};
use crate::datasets::{self, Dataset, PreparedQuery, QueryResult};
use crate::error::Result;
use crate::model::{
    ChartConfig, ChartType, Direction, MetricConfig, OrderBy, TableConfig, WidgetConfig,
};
use crate::scope::OrgScope;

/// The alias of the aggregated value in widget queries.
const VALUE: &str = "agg_value";

/// A widget's computed data.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Rendered {
    #[serde(rename_all = "camelCase")]
    Chart {
        chart_type: ChartType,
        series: Vec<Series>,
    },
    Metric {
        value: Value,
    },
    Table {
        columns: Vec<String>,
        rows: Vec<Map<String, Value>>,
    },
}

/// One line, set of bars or pie of a chart.
#[derive(Debug, Serialize)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

#[derive(Debug, Serialize)]
pub struct Point {
    pub x: Value,
    pub y: Value,
}

/// The query that computes a widget.
pub fn query_for(config: &WidgetConfig) -> Result<QuerySpec> {
    Ok(match config {
        WidgetConfig::Chart(chart) => chart_query(chart),
        WidgetConfig::Metric(metric) => metric_query(metric),
        WidgetConfig::Table(table) => table_query(table),
    })
}

fn value_of(function: crate::model::Aggregate, column: &str) -> AggregateSpec {
    AggregateSpec {
        function,
        column: Some(column.to_string()),
        alias: Some(VALUE.to_string()),
    }
}

fn chart_query(chart: &ChartConfig) -> QuerySpec {
    let mut group_by = vec![chart.x.clone()];
    group_by.extend(chart.group_by.clone());
    QuerySpec {
        group_by,
        aggregates: vec![value_of(chart.aggregate, &chart.y)],
        filters: chart.filters.clone(),
        order_by: vec![OrderBy {
            column: chart.x.clone(),
            direction: Direction::Asc,
        }],
        limit: chart.limit,
        ..QuerySpec::default()
    }
}

fn metric_query(metric: &MetricConfig) -> QuerySpec {
    QuerySpec {
        aggregates: vec![value_of(metric.aggregate, &metric.column)],
        filters: metric.filters.clone(),
        ..QuerySpec::default()
    }
}

fn table_query(table: &TableConfig) -> QuerySpec {
    QuerySpec {
        select: table.columns.clone(),
        order_by: table.order_by.clone().into_iter().collect(),
        limit: table.limit,
        ..QuerySpec::default()
    }
}

/// Computes a widget's data over its dataset.
pub async fn render(
    scope: &OrgScope<'_>,
    dataset: &Dataset,
    config: &WidgetConfig,
) -> Result<Rendered> {
    let result = datasets::run_query(scope, dataset, &query_for(config)?).await?;
    Ok(shape(config, result))
}

/// Computes the data of several widgets in one D1 batch: one `select` per
/// widget, all read in the same round trip.
pub async fn render_all(
    scope: &OrgScope<'_>,
    widgets: &[(&WidgetConfig, &Dataset)],
) -> Result<Vec<Rendered>> {
    let prepared = widgets
        .iter()
        .map(|(config, dataset)| PreparedQuery::new(dataset, &query_for(config)?))
        .collect::<Result<Vec<_>>>()?;
    if prepared.is_empty() {
        return Ok(Vec::new());
    }
    let statements = prepared
        .iter()
        .map(|p| p.statement(scope))
        .collect::<Result<Vec<_>>>()?;
    let results = scope.db().batch(statements).await?;
    let mut rendered = Vec::with_capacity(prepared.len());
    for ((prepared, result), (config, _)) in prepared.into_iter().zip(results).zip(widgets) {
        rendered.push(shape(config, prepared.answer(result.rows()?)));
    }
    Ok(rendered)
}

/// A widget's data from its query's answer.
fn shape(config: &WidgetConfig, result: QueryResult) -> Rendered {
    match config {
        WidgetConfig::Chart(chart) => Rendered::Chart {
            chart_type: chart.chart_type,
            series: series(chart, result.rows),
        },
        WidgetConfig::Metric(_) => Rendered::Metric {
            value: result
                .rows
                .into_iter()
                .next()
                .and_then(|mut row| row.remove(VALUE))
                .unwrap_or(Value::Null),
        },
        WidgetConfig::Table(_) => Rendered::Table {
            columns: result.columns,
            rows: result.rows,
        },
    }
}

/// Splits grouped rows into series: one per value of `groupBy`, or a single
/// series named after the aggregate.
fn series(chart: &ChartConfig, rows: Vec<Map<String, Value>>) -> Vec<Series> {
    let function = format!("{:?}", chart.aggregate).to_ascii_lowercase();
    let default_name = format!("{function}({})", chart.y);
    let mut out: Vec<Series> = Vec::new();
    for mut row in rows {
        let name = match &chart.group_by {
            Some(column) => match row.remove(column) {
                Some(Value::String(text)) => text,
                Some(Value::Null) | None => "(none)".to_string(),
                Some(other) => other.to_string(),
            },
            None => default_name.clone(),
        };
        let point = Point {
            x: row.remove(&chart.x).unwrap_or(Value::Null),
            y: row.remove(VALUE).unwrap_or(Value::Null),
        };
        match out.iter_mut().find(|s| s.name == name) {
            Some(series) => series.points.push(point),
            None => out.push(Series {
                name,
                points: vec![point],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Aggregate;
    use serde_json::json;

    fn chart(group_by: Option<&str>) -> ChartConfig {
        ChartConfig {
            chart_type: ChartType::Bar,
            x: "month".into(),
            y: "sales".into(),
            aggregate: Aggregate::Sum,
            group_by: group_by.map(str::to_string),
            filters: vec![],
            limit: None,
        }
    }

    fn row(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn ungrouped_charts_have_one_series() {
        let rows = vec![
            row(json!({"month": "jan", "agg_value": 3})),
            row(json!({"month": "feb", "agg_value": 5})),
        ];
        let out = series(&chart(None), rows);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, "sum(sales)");
        assert_eq!(out[0].points[1].y, json!(5));
    }

    #[test]
    fn grouped_charts_have_a_series_per_group() {
        let rows = vec![
            row(json!({"month": "jan", "region": "eu", "agg_value": 1})),
            row(json!({"month": "jan", "region": "us", "agg_value": 2})),
            row(json!({"month": "feb", "region": "eu", "agg_value": 3})),
        ];
        let out = series(&chart(Some("region")), rows);
        let names: Vec<_> = out.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["eu", "us"]);
        assert_eq!(out[0].points.len(), 2);
    }

    #[test]
    fn chart_queries_group_by_x_then_the_series_column() {
        let spec = chart_query(&chart(Some("region")));
        assert_eq!(spec.group_by, ["month", "region"]);
        assert_eq!(spec.aggregates[0].alias.as_deref(), Some(VALUE));
    }
}
