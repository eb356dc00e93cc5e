//! Datasets: named tables of rows that an organization's agents create,
//! fill and query. Each dataset's rows live in a D1 table of their own,
//! named by orgscope (`ds_` and a random id), never by a client; its
//! columns are validated names, always quoted; every value is bound.
//!
//! Any member reads datasets; owners and admins create, fill and delete
//! them.

pub mod query;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use crate::error::{Error, Result};
use crate::ids;
use crate::json;
use crate::model::{ColumnDef, ColumnType};
use crate::scope::{validate_org_ownership, OrgOwned, OrgScope};
use crate::store::{int, opt_text, text, Answer};
use crate::time;
use crate::tools::{fields, NoArgs, ToolRequest};
use query::{QuerySpec, SqlValue};

/// How many rows `sample_data` keeps: the dataset's first ones.
const SAMPLE_ROWS: usize = 5;

/// A dataset as tools answer it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: Option<String>,
    pub columns: Vec<ColumnDef>,
    pub sample_rows: Vec<Value>,
    pub created_by_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The D1 table holding the rows: orgscope's own name, not shown.
    #[serde(skip)]
    pub table_name: String,
}

impl OrgOwned for Dataset {
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
    table_name: String,
    schema: String,
    sample_data: Option<String>,
    created_by_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<Row> for Dataset {
    type Error = Error;

    fn try_from(row: Row) -> Result<Dataset> {
        let corrupt =
            |what: &str, e: String| Error::Corrupt(format!("dataset {} {what}: {e}", row.id));
        let columns = json::from_str(&row.schema).map_err(|e| corrupt("schema", e))?;
        let sample_rows = match &row.sample_data {
            Some(text) => json::from_str(text).map_err(|e| corrupt("sample", e))?,
            None => Vec::new(),
        };
        Ok(Dataset {
            id: row.id,
            org_id: row.org_id,
            name: row.name,
            description: row.description,
            columns,
            sample_rows,
            created_by_id: row.created_by_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            table_name: row.table_name,
        })
    }
}

const COLUMNS: &str = r#"id, org_id as "orgId", name, description, table_name as "tableName", schema,
                         sample_data as "sampleData", created_by_id as "createdById",
                         created_at as "createdAt", updated_at as "updatedAt""#;

/// Loads a dataset of the caller's organization; another organization's
/// answers like a missing one.
pub async fn load(scope: &OrgScope<'_>, id: &str) -> Result<Dataset> {
    let sql = format!("select {COLUMNS} from dataset where org_id = ?1 and id = ?2");
    let row: Option<Row> = scope.first(&sql, &[text(id)]).await?;
    validate_org_ownership(
        row.map(Dataset::try_from).transpose()?,
        scope.org_id(),
        "dataset",
    )
}

fn bind_value(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        SqlValue::Integer(n) => int(*n),
        SqlValue::Real(x) => JsValue::from_f64(*x),
        SqlValue::Text(s) => text(s),
    }
}

fn bind_all(values: &[SqlValue]) -> Vec<JsValue> {
    values.iter().map(bind_value).collect()
}

/// Rows as JSON objects keyed by column name, for `sample_data`.
fn as_objects(columns: &[ColumnDef], rows: &[Value]) -> Vec<Value> {
    rows.iter()
        .take(SAMPLE_ROWS)
        .map(|row| {
            let object: Map<String, Value> = columns
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        row.get(&c.name).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect();
            Value::Object(object)
        })
        .collect()
}

/// The insert statements for checked rows, split to respect D1's limit on
/// bound parameters per statement.
fn insert_rows(
    scope: &OrgScope<'_>,
    table: &str,
    columns: &[ColumnDef],
    rows: Vec<Vec<SqlValue>>,
) -> Result<Vec<worker::D1PreparedStatement>> {
    query::insert_statements(table, columns, rows)?
        .into_iter()
        .map(|(sql, params)| scope.db().statement(&sql, &bind_all(&params)))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateArgs {
    name: String,
    #[serde(default)]
    description: Option<String>,
    columns: Vec<ColumnDef>,
    #[serde(default)]
    rows: Vec<Value>,
}

/// Creates the dataset record, its table and its first rows in one atomic
/// batch.
pub async fn create(req: &ToolRequest<'_>, args: CreateArgs) -> Result<Dataset> {
    req.require_admin("create datasets")?;
    let name = fields::name("name", &args.name)?;
    let description = fields::description("description", args.description.as_deref())?;
    query::validate_columns(&args.columns)?;
    let checked = query::check_rows(&args.columns, &args.rows)?;

    let now = time::now_ms();
    let id = ids::generate_id("ds")?;
    let table_name = format!("ds_{}", ids::random_id()?.to_ascii_lowercase());
    let schema = serde_json::to_string(&args.columns).map_err(|e| Error::Corrupt(e.to_string()))?;
    let sample_rows = as_objects(&args.columns, &args.rows);
    let sample = serde_json::to_string(&sample_rows).map_err(|e| Error::Corrupt(e.to_string()))?;

    let scope = &req.scope;
    let mut statements =
        vec![
        scope.statement(
            "insert into dataset (org_id, id, name, description, table_name, schema, sample_data,
                                  created_by_id, created_at, updated_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            &[
                text(&id),
                text(&name),
                opt_text(description.as_deref()),
                text(&table_name),
                text(&schema),
                text(&sample),
                text(&req.ctx.user_id),
                int(now),
            ],
        )?,
        scope.db().statement(&query::create_table_sql(&table_name, &args.columns)?, &[])?,
    ];
    statements.extend(insert_rows(scope, &table_name, &args.columns, checked)?);
    scope.batch(statements).await?;

    Ok(Dataset {
        id,
        org_id: scope.org_id().to_string(),
        name,
        description,
        columns: args.columns,
        sample_rows,
        created_by_id: Some(req.ctx.user_id.clone()),
        created_at: now,
        updated_at: now,
        table_name,
    })
}

#[derive(Serialize)]
pub struct DatasetList {
    datasets: Vec<Dataset>,
}

pub async fn list(req: &ToolRequest<'_>, _args: NoArgs) -> Result<DatasetList> {
    let sql = format!("select {COLUMNS} from dataset where org_id = ?1 order by created_at, id");
    let rows: Vec<Row> = req.scope.all(&sql, &[]).await?;
    let datasets = rows
        .into_iter()
        .map(Dataset::try_from)
        .collect::<Result<_>>()?;
    Ok(DatasetList { datasets })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetArgs {
    dataset_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetDetail {
    dataset: Dataset,
    row_count: i64,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

async fn row_count(scope: &OrgScope<'_>, dataset: &Dataset) -> Result<i64> {
    let sql = format!(
        "select count(*) as n from {}",
        query::quote(&dataset.table_name)
    );
    let found: Option<Count> = scope.db().first(&sql, &[]).await?;
    Ok(found.map_or(0, |c| c.n))
}

pub async fn get(req: &ToolRequest<'_>, args: DatasetArgs) -> Result<DatasetDetail> {
    let dataset = load(&req.scope, &args.dataset_id).await?;
    let row_count = row_count(&req.scope, &dataset).await?;
    Ok(DatasetDetail { dataset, row_count })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppendArgs {
    dataset_id: String,
    rows: Vec<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Appended {
    dataset_id: String,
    appended: usize,
}

/// Appends rows, all or nothing: every row is checked before anything is
/// written, and the inserts (split to respect D1's parameter limit) run in
/// one atomic batch.
pub async fn append_rows(req: &ToolRequest<'_>, args: AppendArgs) -> Result<Appended> {
    req.require_admin("add rows to datasets")?;
    if args.rows.is_empty() {
        return Err(Error::invalid("rows", "must hold at least one row"));
    }
    let dataset = load(&req.scope, &args.dataset_id).await?;
    let checked = query::check_rows(&dataset.columns, &args.rows)?;
    let appended = checked.len();

    let scope = &req.scope;
    let mut statements = insert_rows(scope, &dataset.table_name, &dataset.columns, checked)?;
    let sample = query::sample_update_sql(&dataset.table_name, &dataset.columns, SAMPLE_ROWS)?;
    statements.push(scope.statement(&sample, &[text(&dataset.id), int(time::now_ms())])?);
    scope.batch(statements).await?;
    Ok(Appended {
        dataset_id: dataset.id,
        appended,
    })
}

/// `query_dataset`'s arguments: the dataset and a [`QuerySpec`], spelled
/// out rather than flattened so that a bad field is named by its path.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueryArgs {
    dataset_id: String,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    filters: Vec<crate::model::Filter>,
    #[serde(default)]
    group_by: Vec<String>,
    #[serde(default)]
    aggregates: Vec<query::AggregateSpec>,
    #[serde(default)]
    order_by: Vec<crate::model::OrderBy>,
    #[serde(default)]
    limit: Option<u32>,
}

/// Rows a query answered, with their column names in order.
#[derive(Debug, Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Map<String, Value>>,
}

/// A query compiled for one dataset, ready to run alone or in a batch.
pub struct PreparedQuery {
    compiled: query::Compiled,
    /// Output columns that hold booleans (stored as 0/1).
    booleans: Vec<String>,
}

impl PreparedQuery {
    pub fn new(dataset: &Dataset, spec: &QuerySpec) -> Result<PreparedQuery> {
        let compiled = query::compile(&dataset.table_name, &dataset.columns, spec)?;
        // Aggregates have names of their own, so only plain boolean
        // columns are answered as booleans.
        let booleans = dataset
            .columns
            .iter()
            .filter(|c| c.column_type == ColumnType::Boolean)
            .map(|c| c.name.clone())
            .filter(|name| compiled.columns.contains(name))
            .collect();
        Ok(PreparedQuery { compiled, booleans })
    }

    /// The statement, for a batch of several queries.
    pub fn statement(&self, scope: &OrgScope<'_>) -> Result<worker::D1PreparedStatement> {
        scope
            .db()
            .statement(&self.compiled.sql, &bind_all(&self.compiled.params))
    }

    /// The answer, from the rows D1 returned: booleans as D1 stores them
    /// (0/1) are answered as written (true/false).
    pub fn answer(self, mut rows: Vec<Map<String, Value>>) -> QueryResult {
        for row in &mut rows {
            for name in &self.booleans {
                if let Some(value) = row.get_mut(name) {
                    if let Some(n) = value.as_i64() {
                        *value = Value::Bool(n != 0);
                    }
                }
            }
        }
        QueryResult {
            columns: self.compiled.columns,
            rows,
        }
    }
}

/// Runs a structured query compiled to one parameterized `select`.
pub async fn run_query(
    scope: &OrgScope<'_>,
    dataset: &Dataset,
    spec: &QuerySpec,
) -> Result<QueryResult> {
    let prepared = PreparedQuery::new(dataset, spec)?;
    let rows = scope
        .db()
        .all(&prepared.compiled.sql, &bind_all(&prepared.compiled.params))
        .await?;
    Ok(prepared.answer(rows))
}

/// The statement that reads the datasets a dashboard's widgets use, for a
/// batch; [`loaded_many`] reads its answer.
pub fn used_by_dashboard_statement(
    scope: &OrgScope<'_>,
    dashboard_id: &str,
) -> Result<D1PreparedStatement> {
    let sql = format!(
        "select {COLUMNS} from dataset where org_id = ?1 and id in \
         (select dataset_id from widget where org_id = ?1 and dashboard_id = ?2)"
    );
    scope.statement(&sql, &[text(dashboard_id)])
}

/// The datasets a statement such as [`used_by_dashboard_statement`] found.
pub fn loaded_many(scope: &OrgScope<'_>, answer: &Answer) -> Result<Vec<Dataset>> {
    answer
        .rows::<Row>()?
        .into_iter()
        .map(Dataset::try_from)
        .map(|d| d.and_then(|d| validate_org_ownership(Some(d), scope.org_id(), "dataset")))
        .collect()
}

pub async fn query(req: &ToolRequest<'_>, args: QueryArgs) -> Result<QueryResult> {
    let dataset = load(&req.scope, &args.dataset_id).await?;
    let spec = QuerySpec {
        select: args.select,
        filters: args.filters,
        group_by: args.group_by,
        aggregates: args.aggregates,
        order_by: args.order_by,
        limit: args.limit,
    };
    run_query(&req.scope, &dataset, &spec).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    deleted: bool,
    dataset_id: String,
}

#[derive(Deserialize)]
struct NamedRef {
    kind: String,
    name: String,
    id: String,
}

/// Deletes a dataset and drops its table, unless widgets or automations use
/// it (409, naming them). A widget added concurrently makes the batch fail
/// on its foreign key, so the table is never dropped from under a widget.
pub async fn delete(req: &ToolRequest<'_>, args: DatasetArgs) -> Result<Deleted> {
    req.require_admin("delete datasets")?;
    let dataset = load(&req.scope, &args.dataset_id).await?;
    let users = users_of(&req.scope, &dataset.id).await?;
    if !users.is_empty() {
        return Err(Error::Conflict(format!(
            "dataset is used by {}",
            users.join(", ")
        )));
    }
    let scope = &req.scope;
    let drop = format!("drop table {}", query::quote(&dataset.table_name));
    let deleted = scope
        .batch(vec![
            scope.statement(
                "delete from dataset where org_id = ?1 and id = ?2",
                &[text(&dataset.id)],
            )?,
            scope.db().statement(&drop, &[])?,
        ])
        .await;
    if let Err(error) = deleted {
        let users = users_of(scope, &dataset.id).await?;
        if !users.is_empty() {
            return Err(Error::Conflict(format!(
                "dataset is used by {}",
                users.join(", ")
            )));
        }
        return Err(error);
    }
    Ok(Deleted {
        deleted: true,
        dataset_id: dataset.id,
    })
}

/// The widgets and automations that read a dataset, as `kind "name" (id)`.
async fn users_of(scope: &OrgScope<'_>, dataset_id: &str) -> Result<Vec<String>> {
    let found: Vec<NamedRef> = scope
        .all(
            "select 'widget' as kind, title as name, id from widget where org_id = ?1 and dataset_id = ?2
             union all
             select 'automation', name, id from automation
             where org_id = ?1 and json_extract(config, '$.datasetId') = ?2",
            &[text(dataset_id)],
        )
        .await?;
    Ok(found
        .into_iter()
        .map(|r| format!("{} {:?} ({})", r.kind, r.name, r.id))
        .collect())
}
