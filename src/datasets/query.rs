//! A dataset's rows in SQL: checking its column definitions, creating its
//! table, checking and inserting rows, and compiling a structured query into
//! one `select`. Pure (no D1, no JavaScript), so all of it runs in host tests.
//!
//! No client text is ever spliced into SQL. An identifier is either a table
//! name orgscope made or a column name that passed [`validate_columns`], and
//! it is always double-quoted; every value is a bound parameter.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{Aggregate, ColumnDef, ColumnType, Direction, Filter, FilterOp, OrderBy};

/// The most columns a dataset may have.
pub const MAX_COLUMNS: usize = 100;
/// The longest column name or alias, in bytes (all of them ASCII).
pub const MAX_NAME_LEN: usize = 63;
/// The longest text value, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// D1 refuses a statement that binds more parameters than this.
pub const MAX_PARAMS: usize = 100;
/// The most filters a query may combine.
pub const MAX_FILTERS: usize = 20;
/// The most values one `in` filter may list.
pub const MAX_IN_VALUES: usize = 100;
/// The most aggregates a query may compute.
pub const MAX_AGGREGATES: usize = 20;
/// The most orderings a query may apply.
pub const MAX_ORDER_BY: usize = 5;
/// The most rows a query may return.
pub const MAX_LIMIT: u32 = 1000;
/// The rows a query returns when it sets no limit.
pub const DEFAULT_LIMIT: u32 = 100;
/// D1 hands integers to JavaScript as doubles; beyond this, two different
/// integers would read back as the same number.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Every keyword of SQLite 3.40 (`sqlite3_keyword_name`), plus the names of
/// the implicit rowid column. A column named like one would parse, quoted,
/// but reads as a trap for whoever writes SQL against the table next.
#[rustfmt::skip]
const RESERVED_WORDS: [&str; 150] = [
    "abort", "action", "add", "after", "all", "alter", "always", "analyze", "and", "as", "asc",
    "attach", "autoincrement", "before", "begin", "between", "by", "cascade", "case", "cast",
    "check", "collate", "column", "commit", "conflict", "constraint", "create", "cross", "current",
    "current_date", "current_time", "current_timestamp", "database", "default", "deferrable",
    "deferred", "delete", "desc", "detach", "distinct", "do", "drop", "each", "else", "end",
    "escape", "except", "exclude", "exclusive", "exists", "explain", "fail", "filter", "first",
    "following", "for", "foreign", "from", "full", "generated", "glob", "group", "groups", "having",
    "if", "ignore", "immediate", "in", "index", "indexed", "initially", "inner", "insert",
    "instead", "intersect", "into", "is", "isnull", "join", "key", "last", "left", "like", "limit",
    "match", "materialized", "natural", "no", "not", "nothing", "notnull", "null", "nulls", "of",
    "offset", "on", "or", "order", "others", "outer", "over", "partition", "plan", "pragma",
    "preceding", "primary", "query", "raise", "range", "recursive", "references", "regexp",
    "reindex", "release", "rename", "replace", "restrict", "returning", "right", "rollback", "row",
    "rows", "savepoint", "select", "set", "table", "temp", "temporary", "then", "ties", "to",
    "transaction", "trigger", "unbounded", "union", "unique", "update", "using", "vacuum", "values",
    "view", "virtual", "when", "where", "window", "with", "without", "rowid", "oid", "_rowid_",
];

/// A value bound to a `?` of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

/// A structured query over one dataset, as a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuerySpec {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub group_by: Vec<String>,
    #[serde(default)]
    pub aggregates: Vec<AggregateSpec>,
    #[serde(default)]
    pub order_by: Vec<OrderBy>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One aggregate of a [`QuerySpec`]; `column` may be absent only for `count`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AggregateSpec {
    pub function: Aggregate,
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
}

/// A query ready for D1: the statement, its parameters in order, and the
/// names of the columns each result row has, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub params: Vec<SqlValue>,
    pub columns: Vec<String>,
}

/// Quotes an identifier for SQLite. Callers pass only names this module has
/// validated; doubling `"` keeps even a bad name from closing the quote.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Checks a new dataset's column definitions: 1 to 100 columns whose names
/// are identifiers, not SQL keywords, not reserved for orgscope (a leading
/// `_`, like the `_row` key) and unique ignoring case, as SQLite compares
/// them.
pub fn validate_columns(columns: &[ColumnDef]) -> Result<()> {
    if columns.is_empty() || columns.len() > MAX_COLUMNS {
        return Err(Error::invalid(
            "columns",
            format!("must list between 1 and {MAX_COLUMNS} columns"),
        ));
    }
    for (i, column) in columns.iter().enumerate() {
        let field = format!("columns[{i}].name");
        check_name(&column.name).map_err(|message| Error::invalid(&field, message))?;
        let mut earlier = columns.iter().take(i);
        if earlier.any(|other| other.name.eq_ignore_ascii_case(&column.name)) {
            return Err(Error::invalid(
                field,
                "duplicates an earlier column (names ignore case)",
            ));
        }
    }
    Ok(())
}

/// The `create table` statement for a dataset: an integer key `_row`, then
/// one column per definition.
pub fn create_table_sql(table: &str, columns: &[ColumnDef]) -> Result<String> {
    check_table(table)?;
    validate_columns(columns)?;
    let definitions: Vec<String> = columns.iter().map(column_sql).collect();
    Ok(format!(
        "create table {} (\"_row\" integer primary key, {})",
        quote(table),
        definitions.join(", ")
    ))
}

/// Checks rows sent by a client against the dataset's columns and returns
/// their values in column order. The first bad row refuses the whole batch,
/// so the caller writes all of the rows or none.
pub fn check_rows(columns: &[ColumnDef], rows: &[Value]) -> Result<Vec<Vec<SqlValue>>> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| check_row(columns, i, row))
        .collect()
}

/// Multi-row `insert` statements for checked rows, each binding at most
/// [`MAX_PARAMS`] values.
pub fn insert_statements(
    table: &str,
    columns: &[ColumnDef],
    rows: Vec<Vec<SqlValue>>,
) -> Result<Vec<(String, Vec<SqlValue>)>> {
    check_table(table)?;
    check_stored_columns(columns)?;
    if let Some(i) = rows.iter().position(|row| row.len() != columns.len()) {
        return Err(Error::Corrupt(format!(
            "row {i} to insert does not have {} values",
            columns.len()
        )));
    }

    let names: Vec<String> = columns.iter().map(|column| quote(&column.name)).collect();
    let head = format!(
        "insert into {} ({}) values ",
        quote(table),
        names.join(", ")
    );
    let tuple = format!("({})", placeholders(columns.len()));
    let rows_per_statement = (MAX_PARAMS / columns.len()).max(1);

    let mut statements = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<SqlValue>> = rows.by_ref().take(rows_per_statement).collect();
        let sql = format!("{head}{}", vec![tuple.as_str(); chunk.len()].join(", "));
        statements.push((sql, chunk.into_iter().flatten().collect()));
    }
    Ok(statements)
}

/// The statement that refreshes a dataset's `sample_data` after an append,
/// bound as `?1` org id, `?2` dataset id, `?3` the time: while the sample
/// holds fewer than `size` rows, SQLite rebuilds it from the table's first
/// `size` rows (by `_row`), as JSON objects keyed by column name with
/// booleans as `true`/`false`.
///
/// SQLite computes it inside the append's batch because a sample built in
/// the Worker from the rows it read before would be a lost update: of two
/// concurrent appends, the later write would drop the other's rows.
/// Column names go in as string literals; they are validated identifiers,
/// and binding them instead would take two parameters a column, past D1's
/// limit for wide datasets.
pub fn sample_update_sql(table: &str, columns: &[ColumnDef], size: usize) -> Result<String> {
    check_table(table)?;
    check_stored_columns(columns)?;
    let value = |column: &ColumnDef| {
        let name = quote(&column.name);
        match column.column_type {
            ColumnType::Boolean => format!(
                "json(case when {name} is null then 'null' \
                 when {name} then 'true' else 'false' end)"
            ),
            _ => name,
        }
    };
    let literal = |text: String| format!("'{}'", text.replace('\'', "''"));
    // SQLite may cap a function at 127 arguments: the first columns go in
    // a `json_object`, the rest in nested `json_insert`s, 60 pairs each.
    let mut chunks = columns.chunks(60);
    let first = chunks.next().unwrap_or_default();
    let pairs: Vec<String> = first
        .iter()
        .map(|c| format!("{}, {}", literal(c.name.clone()), value(c)))
        .collect();
    let mut object = format!("json_object({})", pairs.join(", "));
    for chunk in chunks {
        let pairs: Vec<String> = chunk
            .iter()
            .map(|c| format!("{}, {}", literal(format!("$.{}", c.name)), value(c)))
            .collect();
        object = format!("json_insert({object}, {})", pairs.join(", "));
    }
    Ok(format!(
        "update dataset set sample_data = case \
           when coalesce(json_array_length(sample_data), 0) < {size} then \
             (select json_group_array(json(r)) from \
               (select {object} as r from {} order by \"_row\" limit {size})) \
           else sample_data end, \
         updated_at = ?3 \
         where org_id = ?1 and id = ?2",
        quote(table)
    ))
}

/// Compiles a client's query over a dataset into one `select`.
///
/// Without aggregates or `groupBy` it returns rows of the selected columns
/// (all of them when `select` is empty), in insertion order unless
/// `orderBy` says otherwise. With either, it returns the `groupBy` columns
/// and then the aggregates, one row per group.
pub fn compile(table: &str, columns: &[ColumnDef], spec: &QuerySpec) -> Result<Compiled> {
    check_table(table)?;
    check_stored_columns(columns)?;
    let grouped = !spec.group_by.is_empty() || !spec.aggregates.is_empty();
    let outputs = if grouped {
        grouped_outputs(columns, spec)?
    } else {
        plain_outputs(columns, &spec.select)?
    };

    let mut params = Vec::new();
    let where_sql = where_clause(columns, &spec.filters, &mut params)?;
    let group_sql = group_clause(&outputs);
    let order_sql = order_clause(&outputs, &spec.order_by, grouped)?;
    let limit = check_limit(spec.limit)?;
    if params.len() >= MAX_PARAMS {
        return Err(Error::invalid(
            "filters",
            format!(
                "the filters compare with at most {} values in all",
                MAX_PARAMS - 1
            ),
        ));
    }
    params.push(SqlValue::Integer(i64::from(limit)));

    let expressions: Vec<&str> = outputs.iter().map(|output| output.sql.as_str()).collect();
    let sql = format!(
        "select {} from {}{where_sql}{group_sql}{order_sql} limit ?",
        expressions.join(", "),
        quote(table)
    );
    let columns = outputs.into_iter().map(|output| output.name).collect();
    Ok(Compiled {
        sql,
        params,
        columns,
    })
}

/// Why `name` cannot name a column or an alias, if it cannot.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("must not be empty");
    }
    if name.len() > MAX_NAME_LEN {
        return Err("must be at most 63 characters");
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err("may contain only ASCII letters, digits and underscores");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must start with a letter");
    }
    if name.starts_with('_') {
        return Err("names starting with an underscore are reserved for orgscope");
    }
    if RESERVED_WORDS
        .iter()
        .any(|word| word.eq_ignore_ascii_case(name))
    {
        return Err("is an SQL keyword");
    }
    Ok(())
}

/// Dataset tables are named by orgscope (`ds_` and a lowercase id); any
/// other name means a caller passed something it should not have.
fn check_table(table: &str) -> Result<()> {
    let id = table.strip_prefix("ds_").unwrap_or_default();
    let well_formed = (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(Error::Corrupt(format!(
            "not a dataset table name: {table:?}"
        )))
    }
}

/// Columns read back from a dataset's stored schema were validated when it
/// was created; checking again keeps a corrupt schema out of SQL text.
fn check_stored_columns(columns: &[ColumnDef]) -> Result<()> {
    validate_columns(columns).map_err(|error| Error::Corrupt(format!("dataset schema: {error}")))
}

fn column_sql(column: &ColumnDef) -> String {
    let affinity = match column.column_type {
        ColumnType::Text | ColumnType::Date => "text",
        ColumnType::Integer | ColumnType::Boolean => "integer",
        ColumnType::Real => "real",
    };
    let constraint = if column.nullable { "" } else { " not null" };
    format!("{} {affinity}{constraint}", quote(&column.name))
}

fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

fn check_row(columns: &[ColumnDef], index: usize, row: &Value) -> Result<Vec<SqlValue>> {
    let field = |name: &str| format!("rows[{index}].{name}");
    let Some(object) = row.as_object() else {
        return Err(Error::invalid(
            format!("rows[{index}]"),
            "expected an object keyed by column name",
        ));
    };
    if let Some(key) = object
        .keys()
        .find(|key| !columns.iter().any(|column| &column.name == *key))
    {
        return Err(Error::invalid(field(key), "unknown column"));
    }
    columns
        .iter()
        .map(|column| {
            let value = object.get(&column.name).unwrap_or(&Value::Null);
            cell(column, value).map_err(|message| Error::invalid(field(&column.name), message))
        })
        .collect()
}

/// One value of a row; absent and `null` are the same.
fn cell(column: &ColumnDef, value: &Value) -> Result<SqlValue, &'static str> {
    match value {
        Value::Null if column.nullable => Ok(SqlValue::Null),
        Value::Null => Err("is required"),
        _ => typed_value(column.column_type, value),
    }
}

/// Converts a non-null JSON value to what a column of `column_type` stores,
/// for rows and for the values filters compare with alike.
fn typed_value(column_type: ColumnType, value: &Value) -> Result<SqlValue, &'static str> {
    match column_type {
        ColumnType::Text => text_value(value),
        ColumnType::Integer => integer_value(value),
        ColumnType::Real => value
            .as_f64()
            .filter(|number| number.is_finite())
            .map(SqlValue::Real)
            .ok_or("expected a number"),
        ColumnType::Boolean => value
            .as_bool()
            .map(|flag| SqlValue::Integer(i64::from(flag)))
            .ok_or("expected true or false"),
        ColumnType::Date => date_value(value),
    }
}

fn text_value(value: &Value) -> Result<SqlValue, &'static str> {
    let text = value.as_str().ok_or("expected a string")?;
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("must be at most 10000 characters");
    }
    Ok(SqlValue::Text(text.to_owned()))
}

fn integer_value(value: &Value) -> Result<SqlValue, &'static str> {
    let number = value.as_i64().ok_or("expected an integer")?;
    if !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&number) {
        return Err("must be between -(2^53 - 1) and 2^53 - 1");
    }
    Ok(SqlValue::Integer(number))
}

/// A date is kept as the text it came as, so it must be one of the two
/// forms whose text order is time order.
fn date_value(value: &Value) -> Result<SqlValue, &'static str> {
    match value.as_str() {
        Some(text) if is_date(text) => Ok(SqlValue::Text(text.to_owned())),
        _ => Err("expected a date as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.sss]Z"),
    }
}

fn is_date(text: &str) -> bool {
    match text.split_once('T') {
        None => is_calendar_day(text),
        Some((day, time)) => is_calendar_day(day) && is_utc_time(time),
    }
}

/// `YYYY-MM-DD`, a day that exists.
fn is_calendar_day(text: &str) -> bool {
    let mut parts = text.split('-');
    let year = parts.next().and_then(|part| digits(part, 4));
    let month = parts.next().and_then(|part| digits(part, 2));
    let day = parts.next().and_then(|part| digits(part, 2));
    match (year, month, day, parts.next()) {
        (Some(year), Some(month), Some(day), None) => {
            (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)
        }
        _ => false,
    }
}

/// `HH:MM:SS` or `HH:MM:SS.sss`, then `Z`.
fn is_utc_time(text: &str) -> bool {
    let Some(time) = text.strip_suffix('Z') else {
        return false;
    };
    let clock = match time.split_once('.') {
        Some((clock, millis)) if digits(millis, 3).is_some() => clock,
        Some(_) => return false,
        None => time,
    };
    let mut parts = clock.split(':');
    let hour = parts.next().and_then(|part| digits(part, 2));
    let minute = parts.next().and_then(|part| digits(part, 2));
    let second = parts.next().and_then(|part| digits(part, 2));
    match (hour, minute, second, parts.next()) {
        (Some(hour), Some(minute), Some(second), None) => hour < 24 && minute < 60 && second < 60,
        _ => false,
    }
}

/// The value of `text` when it is exactly `len` ASCII digits.
fn digits(text: &str, len: usize) -> Option<u32> {
    if text.len() == len && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A column of a query's result: its name, and the SQL that computes it.
struct Output {
    name: String,
    sql: String,
    /// Whether it is a `groupBy` column.
    key: bool,
}

impl Output {
    fn column(column: &ColumnDef, key: bool) -> Self {
        Output {
            name: column.name.clone(),
            sql: quote(&column.name),
            key,
        }
    }
}

/// The column named exactly `name`; SQLite would also accept another case,
/// but result rows are keyed by the name as the schema spells it.
fn find<'a>(columns: &'a [ColumnDef], name: &str, field: String) -> Result<&'a ColumnDef> {
    columns
        .iter()
        .find(|column| column.name == name)
        .ok_or_else(|| Error::invalid(field, "unknown column"))
}

/// The columns `names` refers to, each once (`list` names the field).
fn distinct_columns<'a>(
    columns: &'a [ColumnDef],
    names: &[String],
    list: &str,
) -> Result<Vec<&'a ColumnDef>> {
    let mut found: Vec<&ColumnDef> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let column = find(columns, name, format!("{list}[{i}]"))?;
        if found.iter().any(|earlier| earlier.name == column.name) {
            return Err(Error::invalid(format!("{list}[{i}]"), "listed twice"));
        }
        found.push(column);
    }
    Ok(found)
}

fn plain_outputs(columns: &[ColumnDef], select: &[String]) -> Result<Vec<Output>> {
    let chosen = if select.is_empty() {
        columns.iter().collect()
    } else {
        distinct_columns(columns, select, "select")?
    };
    Ok(chosen
        .into_iter()
        .map(|column| Output::column(column, false))
        .collect())
}

fn grouped_outputs(columns: &[ColumnDef], spec: &QuerySpec) -> Result<Vec<Output>> {
    let keys = distinct_columns(columns, &spec.group_by, "groupBy")?;
    if let Some(i) = spec
        .select
        .iter()
        .position(|name| !spec.group_by.contains(name))
    {
        return Err(Error::invalid(
            format!("select[{i}]"),
            "must be a groupBy column when the query groups or aggregates",
        ));
    }
    if spec.aggregates.len() > MAX_AGGREGATES {
        return Err(Error::invalid(
            "aggregates",
            format!("at most {MAX_AGGREGATES} aggregates"),
        ));
    }

    let mut outputs: Vec<Output> = keys
        .into_iter()
        .map(|key| Output::column(key, true))
        .collect();
    for (i, aggregate) in spec.aggregates.iter().enumerate() {
        let output = aggregate_output(columns, i, aggregate)?;
        // SQLite resolves names ignoring case, so `Total` and `total`
        // would be one name in `order by`.
        if outputs
            .iter()
            .any(|earlier| earlier.name.eq_ignore_ascii_case(&output.name))
        {
            return Err(Error::invalid(
                format!("aggregates[{i}].alias"),
                format!(
                    "{:?} is already an output column; set another alias",
                    output.name
                ),
            ));
        }
        outputs.push(output);
    }
    Ok(outputs)
}

fn aggregate_output(columns: &[ColumnDef], i: usize, spec: &AggregateSpec) -> Result<Output> {
    let field = |part: &str| format!("aggregates[{i}].{part}");
    let column = match &spec.column {
        Some(name) => Some(find(columns, name, field("column"))?),
        None => None,
    };
    let argument = aggregate_argument(spec.function, column)
        .map_err(|message| Error::invalid(field("column"), message))?;
    let name = match &spec.alias {
        Some(alias) => {
            check_name(alias).map_err(|message| Error::invalid(field("alias"), message))?;
            alias.clone()
        }
        None => default_alias(spec.function, column),
    };
    Ok(Output {
        sql: format!(
            "{}({argument}) as {}",
            function_name(spec.function),
            quote(&name)
        ),
        name,
        key: false,
    })
}

/// What goes between the parentheses: `*` for `count` without a column,
/// otherwise the quoted column, if the function applies to its type.
fn aggregate_argument(
    function: Aggregate,
    column: Option<&ColumnDef>,
) -> Result<String, &'static str> {
    match (function, column) {
        (Aggregate::Count, None) => Ok("*".to_string()),
        (_, None) => Err("sum, avg, min and max need a column"),
        (Aggregate::Sum | Aggregate::Avg, Some(column)) if !is_numeric(column.column_type) => {
            Err("sum and avg need an integer, real or boolean column")
        }
        (_, Some(column)) => Ok(quote(&column.name)),
    }
}

fn is_numeric(column_type: ColumnType) -> bool {
    matches!(
        column_type,
        ColumnType::Integer | ColumnType::Real | ColumnType::Boolean
    )
}

fn function_name(function: Aggregate) -> &'static str {
    match function {
        Aggregate::Count => "count",
        Aggregate::Sum => "sum",
        Aggregate::Avg => "avg",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
    }
}

fn default_alias(function: Aggregate, column: Option<&ColumnDef>) -> String {
    match column {
        Some(column) => format!("{}_{}", function_name(function), column.name),
        None => function_name(function).to_string(),
    }
}

/// The filters, joined by `and`, with their values appended to `params`.
fn where_clause(
    columns: &[ColumnDef],
    filters: &[Filter],
    params: &mut Vec<SqlValue>,
) -> Result<String> {
    if filters.len() > MAX_FILTERS {
        return Err(Error::invalid(
            "filters",
            format!("at most {MAX_FILTERS} filters"),
        ));
    }
    let conditions = filters
        .iter()
        .enumerate()
        .map(|(i, filter)| condition(columns, i, filter, params))
        .collect::<Result<Vec<_>>>()?;
    if conditions.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(" where {}", conditions.join(" and ")))
}

fn condition(
    columns: &[ColumnDef],
    i: usize,
    filter: &Filter,
    params: &mut Vec<SqlValue>,
) -> Result<String> {
    let column = find(columns, &filter.column, format!("filters[{i}].column"))?;
    let target = quote(&column.name);
    let value = filter.value.as_ref();
    let value_field = format!("filters[{i}].value");
    let operator = match filter.op {
        FilterOp::IsNull => return null_test(&target, value, value_field),
        FilterOp::In => {
            let values = in_values(column, value, &value_field)?;
            let marks = placeholders(values.len());
            params.extend(values);
            return Ok(format!("{target} in ({marks})"));
        }
        FilterOp::Contains if column.column_type != ColumnType::Text => {
            return Err(Error::invalid(
                format!("filters[{i}].op"),
                "contains needs a text column",
            ));
        }
        // instr, not like: `%` and `_` in the value stay literal.
        FilterOp::Contains => {
            params.push(scalar(column, value, value_field)?);
            return Ok(format!("instr({target}, ?) > 0"));
        }
        FilterOp::Eq => "=",
        FilterOp::Ne => "!=",
        FilterOp::Lt => "<",
        FilterOp::Le => "<=",
        FilterOp::Gt => ">",
        FilterOp::Ge => ">=",
    };
    params.push(scalar(column, value, value_field)?);
    Ok(format!("{target} {operator} ?"))
}

/// The value a comparison binds, typed by its column.
fn scalar(column: &ColumnDef, value: Option<&Value>, field: String) -> Result<SqlValue> {
    match value {
        None | Some(Value::Null) => Err(Error::invalid(
            field,
            "a value is required; to match null use the is_null op",
        )),
        Some(value) => {
            typed_value(column.column_type, value).map_err(|message| Error::invalid(field, message))
        }
    }
}

fn in_values(column: &ColumnDef, value: Option<&Value>, field: &str) -> Result<Vec<SqlValue>> {
    let items = value
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid(field, "expected an array of values"))?;
    if items.is_empty() || items.len() > MAX_IN_VALUES {
        return Err(Error::invalid(
            field,
            format!("must list between 1 and {MAX_IN_VALUES} values"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(j, item)| scalar(column, Some(item), format!("{field}[{j}]")))
        .collect()
}

/// `is_null` with no value or `true` matches null; with `false`, not null.
fn null_test(target: &str, value: Option<&Value>, field: String) -> Result<String> {
    match value {
        None | Some(Value::Bool(true)) => Ok(format!("{target} is null")),
        Some(Value::Bool(false)) => Ok(format!("{target} is not null")),
        Some(_) => Err(Error::invalid(field, "expected true, false or no value")),
    }
}

fn group_clause(outputs: &[Output]) -> String {
    let keys: Vec<&str> = outputs
        .iter()
        .filter(|output| output.key)
        .map(|output| output.sql.as_str())
        .collect();
    if keys.is_empty() {
        return String::new();
    }
    format!(" group by {}", keys.join(", "))
}

/// Orders by columns of the output. A plain query with no `orderBy` is
/// ordered by `_row`, so that a limit keeps the rows inserted first rather
/// than whichever the query plan visits first.
fn order_clause(outputs: &[Output], order_by: &[OrderBy], grouped: bool) -> Result<String> {
    if order_by.len() > MAX_ORDER_BY {
        return Err(Error::invalid(
            "orderBy",
            format!("at most {MAX_ORDER_BY} orderings"),
        ));
    }
    let terms = order_by
        .iter()
        .enumerate()
        .map(|(i, order)| order_term(outputs, i, order))
        .collect::<Result<Vec<_>>>()?;
    if !terms.is_empty() {
        return Ok(format!(" order by {}", terms.join(", ")));
    }
    Ok(if grouped {
        String::new()
    } else {
        " order by \"_row\"".to_string()
    })
}

fn order_term(outputs: &[Output], i: usize, order: &OrderBy) -> Result<String> {
    let output = outputs
        .iter()
        .find(|output| output.name == order.column)
        .ok_or_else(|| {
            Error::invalid(
                format!("orderBy[{i}].column"),
                "must be a column of the result (selected, grouped or an aggregate's alias)",
            )
        })?;
    let direction = match order.direction {
        Direction::Asc => "asc",
        Direction::Desc => "desc",
    };
    Ok(format!("{} {direction}", quote(&output.name)))
}

fn check_limit(limit: Option<u32>) -> Result<u32> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::fmt::Debug;

    const TABLE: &str = "ds_0123abcd";

    fn column(name: &str, column_type: ColumnType, nullable: bool) -> ColumnDef {
        ColumnDef {
            name: name.to_string(),
            column_type,
            nullable,
        }
    }

    fn named(names: &[&str]) -> Vec<ColumnDef> {
        names
            .iter()
            .map(|name| column(name, ColumnType::Text, false))
            .collect()
    }

    /// region text, sales real, units integer?, active boolean, day date?
    fn sales() -> Vec<ColumnDef> {
        vec![
            column("region", ColumnType::Text, false),
            column("sales", ColumnType::Real, false),
            column("units", ColumnType::Integer, true),
            column("active", ColumnType::Boolean, false),
            column("day", ColumnType::Date, true),
        ]
    }

    fn query(spec: Value) -> Result<Compiled> {
        let spec: QuerySpec = serde_json::from_value(spec).unwrap();
        compile(TABLE, &sales(), &spec)
    }

    fn rows(rows: Value) -> Result<Vec<Vec<SqlValue>>> {
        check_rows(&sales(), rows.as_array().unwrap())
    }

    /// The field and message of a validation error.
    fn refusal<T: Debug>(result: Result<T>) -> (String, String) {
        match result {
            Err(Error::Validation { field, message }) => (field, message),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn field<T: Debug>(result: Result<T>) -> String {
        refusal(result).0
    }

    fn is_corrupt<T: Debug>(result: Result<T>) -> bool {
        matches!(result, Err(Error::Corrupt(_)))
    }

    fn text(value: &str) -> SqlValue {
        SqlValue::Text(value.to_string())
    }

    // Column definitions.

    #[test]
    fn validate_columns_accepts_identifiers() {
        let longest = format!("a{}", "b".repeat(62));
        let columns = named(&["region", "Sales_2024", "x", "count", "selected", &longest]);
        assert!(validate_columns(&columns).is_ok());
    }

    #[test]
    fn validate_columns_refuses_sql_keywords_in_any_case() {
        for keyword in [
            "select", "FROM", "Where", "table", "order", "group", "rowid", "OID",
        ] {
            let result = validate_columns(&named(&["region", keyword]));
            assert_eq!(refusal(result).0, "columns[1].name", "{keyword}");
        }
    }

    #[test]
    fn validate_columns_refuses_duplicates_differing_in_case() {
        let (field, message) = refusal(validate_columns(&named(&["a", "Region", "region"])));
        assert_eq!(field, "columns[2].name");
        assert!(message.contains("duplicates"), "{message}");
    }

    #[test]
    fn validate_columns_refuses_characters_outside_identifiers() {
        for name in [
            "a\"b",
            "a;b",
            "drop table x--",
            "a b",
            "a-b",
            "café",
            "1st",
            "a\0",
        ] {
            let result = validate_columns(&named(&[name]));
            assert_eq!(field(result), "columns[0].name", "{name:?}");
        }
    }

    #[test]
    fn validate_columns_refuses_empty_and_overlong_names() {
        assert_eq!(field(validate_columns(&named(&[""]))), "columns[0].name");
        let too_long = "a".repeat(64);
        assert_eq!(
            field(validate_columns(&named(&[&too_long]))),
            "columns[0].name"
        );
    }

    #[test]
    fn validate_columns_reserves_a_leading_underscore_for_orgscope() {
        for name in ["_row", "_x", "_rowid_", "__"] {
            let (field, message) = refusal(validate_columns(&named(&["a", name])));
            assert_eq!(field, "columns[1].name");
            assert!(message.contains("reserved"), "{message}");
        }
    }

    #[test]
    fn validate_columns_needs_one_to_a_hundred_columns() {
        assert_eq!(field(validate_columns(&[])), "columns");
        let names: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
        let mut columns: Vec<ColumnDef> = names
            .iter()
            .map(|name| column(name, ColumnType::Integer, false))
            .collect();
        assert_eq!(field(validate_columns(&columns)), "columns");
        columns.pop();
        assert!(validate_columns(&columns).is_ok());
    }

    #[test]
    fn reserved_words_are_lowercase_and_listed_once() {
        let mut words = RESERVED_WORDS.to_vec();
        assert!(words.iter().all(|word| word.to_lowercase() == *word));
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), RESERVED_WORDS.len());
    }

    #[test]
    fn sample_update_keys_rows_by_validated_column_names() {
        let columns = vec![
            ColumnDef {
                name: "region".into(),
                column_type: ColumnType::Text,
                nullable: false,
            },
            ColumnDef {
                name: "shipped".into(),
                column_type: ColumnType::Boolean,
                nullable: true,
            },
        ];
        let sql = sample_update_sql("ds_0123abcd", &columns, 5).unwrap();
        assert!(sql.contains(r#"json_object('region', "region", 'shipped', json(case"#));
        assert!(sql.contains(r#"from "ds_0123abcd" order by "_row" limit 5"#));
        assert!(sql.contains("where org_id = ?1 and id = ?2"));
        let bad = vec![ColumnDef {
            name: "x'); drop table dataset; --".into(),
            column_type: ColumnType::Text,
            nullable: false,
        }];
        assert_eq!(
            sample_update_sql("ds_0123abcd", &bad, 5)
                .unwrap_err()
                .status(),
            500
        );
        assert!(sample_update_sql("dataset", &columns, 5).is_err());

        let wide: Vec<ColumnDef> = (0..100)
            .map(|i| ColumnDef {
                name: format!("c{i}"),
                column_type: ColumnType::Integer,
                nullable: true,
            })
            .collect();
        let sql = sample_update_sql("ds_0123abcd", &wide, 5).unwrap();
        assert!(sql.contains("json_insert(json_object('c0', \"c0\""));
        assert!(sql.contains("'$.c60', \"c60\""));
        assert!(sql.contains("'$.c99', \"c99\")"));
    }

    #[test]
    fn quote_doubles_embedded_quotes() {
        assert_eq!(quote("region"), "\"region\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }

    // Creating the table.

    #[test]
    fn create_table_sql_maps_each_type_to_its_affinity() {
        let sql = create_table_sql(TABLE, &sales()).unwrap();
        assert_eq!(
            sql,
            "create table \"ds_0123abcd\" (\"_row\" integer primary key, \
             \"region\" text not null, \"sales\" real not null, \"units\" integer, \
             \"active\" integer not null, \"day\" text)"
        );
    }

    #[test]
    fn create_table_sql_refuses_tables_orgscope_did_not_name() {
        let long = format!("ds_{}", "a".repeat(65));
        for table in [
            "ds_abc",
            "users",
            "ds_ABCDEFGH",
            "ds_abcdefgh\"; drop",
            "",
            &long,
        ] {
            assert!(is_corrupt(create_table_sql(table, &sales())), "{table:?}");
        }
        let longest = format!("ds_{}", "a".repeat(64));
        assert!(create_table_sql(&longest, &sales()).is_ok());
    }

    #[test]
    fn create_table_sql_refuses_invalid_columns_as_client_errors() {
        let result = create_table_sql(TABLE, &named(&["a", "a;b"]));
        assert_eq!(field(result), "columns[1].name");
    }

    // Checking rows.

    #[test]
    fn check_rows_returns_values_in_column_order() {
        let checked = rows(json!([
            {"day": "2024-02-29", "active": true, "sales": 1.5, "region": "north", "units": 3},
            {"region": "south", "sales": 2, "active": false},
        ]))
        .unwrap();
        assert_eq!(
            checked,
            vec![
                vec![
                    text("north"),
                    SqlValue::Real(1.5),
                    SqlValue::Integer(3),
                    SqlValue::Integer(1),
                    text("2024-02-29"),
                ],
                vec![
                    text("south"),
                    SqlValue::Real(2.0),
                    SqlValue::Null,
                    SqlValue::Integer(0),
                    SqlValue::Null,
                ],
            ]
        );
    }

    #[test]
    fn check_rows_names_the_row_and_column_of_a_type_error() {
        let result = rows(json!([
            {"region": "north", "sales": 1, "active": true},
            {"region": "south", "sales": "12", "active": true},
        ]));
        let (field, message) = refusal(result);
        assert_eq!(field, "rows[1].sales");
        assert_eq!(message, "expected a number");
    }

    #[test]
    fn check_rows_refuses_missing_or_null_required_values() {
        let missing = rows(json!([{"region": "north", "active": true}]));
        assert_eq!(
            refusal(missing),
            ("rows[0].sales".into(), "is required".into())
        );
        let null = rows(json!([{"region": null, "sales": 1, "active": true}]));
        assert_eq!(field(null), "rows[0].region");
    }

    #[test]
    fn check_rows_accepts_null_in_nullable_columns() {
        let checked = rows(json!([
            {"region": "north", "sales": 1, "active": true, "units": null, "day": null}
        ]))
        .unwrap();
        assert_eq!(checked[0][2], SqlValue::Null);
        assert_eq!(checked[0][4], SqlValue::Null);
    }

    #[test]
    fn check_rows_refuses_unknown_keys() {
        let result = rows(json!([
            {"region": "north", "sales": 1, "active": true},
            {"region": "north", "sales": 1, "active": true, "foo": 1},
        ]));
        assert_eq!(
            refusal(result),
            ("rows[1].foo".into(), "unknown column".into())
        );
        let other_case = rows(json!([{"Region": "north", "sales": 1, "active": true}]));
        assert_eq!(field(other_case), "rows[0].Region");
    }

    #[test]
    fn check_rows_refuses_rows_that_are_not_objects() {
        assert_eq!(field(rows(json!([["north", 1, true]]))), "rows[0]");
        assert_eq!(field(rows(json!([null]))), "rows[0]");
    }

    #[test]
    fn check_rows_accepts_only_real_dates_in_two_forms() {
        let valid = [
            "2024-02-29",
            "2000-02-29",
            "2024-12-31T23:59:59Z",
            "2024-01-01T00:00:00.000Z",
        ];
        for day in valid {
            let checked = rows(json!([{"region": "n", "sales": 1, "active": true, "day": day}]));
            assert_eq!(checked.unwrap()[0][4], text(day), "{day}");
        }
        let invalid = [
            json!("2023-02-29"),
            json!("1900-02-29"),
            json!("2024-04-31"),
            json!("2024-13-01"),
            json!("2024-00-10"),
            json!("2024-1-01"),
            json!("24-01-01"),
            json!("2024-01-01T24:00:00Z"),
            json!("2024-01-01T12:60:00Z"),
            json!("2024-01-01T12:00:00"),
            json!("2024-01-01T12:00:00+01:00"),
            json!("2024-01-01T12:00:00.12Z"),
            json!("2024-01-01T12:00Z"),
            json!("2024-01-01T"),
            json!("2024-01-01 12:00:00Z"),
            json!("yesterday"),
            json!(20240101),
        ];
        for day in invalid {
            let result = rows(json!([{"region": "n", "sales": 1, "active": true, "day": day}]));
            assert_eq!(field(result), "rows[0].day", "{day}");
        }
    }

    #[test]
    fn check_rows_stores_booleans_as_zero_or_one_and_only_from_booleans() {
        let checked = rows(json!([{"region": "n", "sales": 1, "active": false}])).unwrap();
        assert_eq!(checked[0][3], SqlValue::Integer(0));
        for value in [json!(1), json!("true"), json!(0)] {
            let result = rows(json!([{"region": "n", "sales": 1, "active": value}]));
            assert_eq!(
                refusal(result),
                ("rows[0].active".into(), "expected true or false".into())
            );
        }
    }

    #[test]
    fn check_rows_refuses_integers_beyond_2_pow_53() {
        let limit = (1_i64 << 53) - 1;
        for units in [limit, -limit, 0] {
            let checked =
                rows(json!([{"region": "n", "sales": 1, "active": true, "units": units}]));
            assert_eq!(checked.unwrap()[0][2], SqlValue::Integer(units));
        }
        let refused = [
            json!(limit + 1),
            json!(-limit - 1),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1.5),
            json!("5"),
        ];
        for units in refused {
            let result = rows(json!([{"region": "n", "sales": 1, "active": true, "units": units}]));
            assert_eq!(field(result), "rows[0].units", "{units}");
        }
    }

    #[test]
    fn check_rows_limits_text_by_characters_and_keeps_nul() {
        let longest = "é".repeat(MAX_TEXT_CHARS);
        let checked = rows(json!([{"region": longest, "sales": 1, "active": true}])).unwrap();
        assert_eq!(checked[0][0], text(&longest));

        let too_long = "a".repeat(MAX_TEXT_CHARS + 1);
        let result = rows(json!([{"region": too_long, "sales": 1, "active": true}]));
        assert_eq!(field(result), "rows[0].region");

        let checked = rows(json!([{"region": "a\u{0}b", "sales": 1, "active": true}])).unwrap();
        assert_eq!(checked[0][0], text("a\u{0}b"));
    }

    #[test]
    fn check_rows_refuses_numbers_as_text() {
        let result = rows(json!([{"region": 7, "sales": 1, "active": true}]));
        assert_eq!(
            refusal(result),
            ("rows[0].region".into(), "expected a string".into())
        );
    }

    #[test]
    fn check_rows_stops_at_the_first_bad_row() {
        let result = rows(json!([
            {"region": "n", "sales": 1, "active": true},
            {"region": "n", "sales": "x", "active": true},
            {"region": 1, "sales": 1, "active": true},
        ]));
        assert_eq!(field(result), "rows[1].sales");
    }

    // Inserting rows.

    fn numbered_rows(count: usize, width: usize) -> Vec<Vec<SqlValue>> {
        (0..count)
            .map(|row| {
                (0..width)
                    .map(|i| SqlValue::Integer((row * width + i) as i64))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn insert_statements_put_33_rows_of_3_columns_in_each() {
        let columns = named(&["a", "b", "c"]);
        let rows = numbered_rows(100, 3);
        let statements = insert_statements(TABLE, &columns, rows.clone()).unwrap();

        let sizes: Vec<usize> = statements.iter().map(|(_, params)| params.len()).collect();
        assert_eq!(sizes, vec![99, 99, 99, 3]);
        for (sql, params) in &statements {
            assert!(params.len() <= MAX_PARAMS);
            assert_eq!(sql.matches('?').count(), params.len());
            assert!(sql
                .starts_with("insert into \"ds_0123abcd\" (\"a\", \"b\", \"c\") values (?, ?, ?)"));
        }
        let bound: Vec<SqlValue> = statements.into_iter().flat_map(|(_, p)| p).collect();
        assert_eq!(bound, rows.into_iter().flatten().collect::<Vec<_>>());
    }

    #[test]
    fn insert_statements_write_exact_sql() {
        let statements =
            insert_statements(TABLE, &named(&["a", "b"]), numbered_rows(2, 2)).unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(
            statements[0].0,
            "insert into \"ds_0123abcd\" (\"a\", \"b\") values (?, ?), (?, ?)"
        );
    }

    #[test]
    fn insert_statements_fit_one_row_of_a_hundred_columns() {
        let names: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let columns: Vec<ColumnDef> = names
            .iter()
            .map(|name| column(name, ColumnType::Integer, false))
            .collect();
        let statements = insert_statements(TABLE, &columns, numbered_rows(3, 100)).unwrap();
        assert_eq!(statements.len(), 3);
        assert!(statements.iter().all(|(_, params)| params.len() == 100));

        let one = insert_statements(TABLE, &named(&["a"]), numbered_rows(250, 1)).unwrap();
        let sizes: Vec<usize> = one.iter().map(|(_, params)| params.len()).collect();
        assert_eq!(sizes, vec![100, 100, 50]);
    }

    #[test]
    fn insert_statements_of_no_rows_are_none() {
        let statements = insert_statements(TABLE, &named(&["a"]), Vec::new()).unwrap();
        assert!(statements.is_empty());
    }

    #[test]
    fn insert_statements_refuse_rows_of_the_wrong_width() {
        let rows = vec![vec![SqlValue::Null, SqlValue::Null], vec![SqlValue::Null]];
        assert!(is_corrupt(insert_statements(
            TABLE,
            &named(&["a", "b"]),
            rows
        )));
    }

    #[test]
    fn insert_statements_refuse_foreign_tables_and_corrupt_schemas() {
        assert!(is_corrupt(insert_statements(
            "users",
            &named(&["a"]),
            Vec::new()
        )));
        let corrupt = named(&["a\" text); drop table users; --"]);
        assert!(is_corrupt(insert_statements(TABLE, &corrupt, Vec::new())));
    }

    // Compiling queries.

    #[test]
    fn compile_plain_query_lists_every_column_in_schema_order() {
        let compiled = query(json!({})).unwrap();
        assert_eq!(
            compiled.sql,
            "select \"region\", \"sales\", \"units\", \"active\", \"day\" \
             from \"ds_0123abcd\" order by \"_row\" limit ?"
        );
        assert_eq!(compiled.params, vec![SqlValue::Integer(100)]);
        assert_eq!(
            compiled.columns,
            ["region", "sales", "units", "active", "day"]
        );
    }

    #[test]
    fn compile_plain_query_returns_the_selected_columns() {
        let compiled = query(json!({
            "select": ["sales", "region"],
            "filters": [{"column": "units", "op": ">", "value": 2}],
            "orderBy": [{"column": "sales", "direction": "desc"}, {"column": "region"}],
            "limit": 5,
        }))
        .unwrap();
        assert_eq!(
            compiled.sql,
            "select \"sales\", \"region\" from \"ds_0123abcd\" where \"units\" > ? \
             order by \"sales\" desc, \"region\" asc limit ?"
        );
        assert_eq!(
            compiled.params,
            [SqlValue::Integer(2), SqlValue::Integer(5)]
        );
        assert_eq!(compiled.columns, ["sales", "region"]);
    }

    #[test]
    fn compile_grouped_aggregates_exactly() {
        let compiled = query(json!({
            "groupBy": ["region"],
            "aggregates": [
                {"function": "sum", "column": "sales"},
                {"function": "count"},
                {"function": "avg", "column": "units", "alias": "mean_units"},
                {"function": "count", "column": "day"},
            ],
            "filters": [{"column": "active", "op": "=", "value": true}],
            "orderBy": [{"column": "sum_sales", "direction": "desc"}],
            "limit": 10,
        }))
        .unwrap();
        assert_eq!(
            compiled.sql,
            "select \"region\", sum(\"sales\") as \"sum_sales\", count(*) as \"count\", \
             avg(\"units\") as \"mean_units\", count(\"day\") as \"count_day\" \
             from \"ds_0123abcd\" where \"active\" = ? group by \"region\" \
             order by \"sum_sales\" desc limit ?"
        );
        assert_eq!(
            compiled.params,
            [SqlValue::Integer(1), SqlValue::Integer(10)]
        );
        assert_eq!(
            compiled.columns,
            ["region", "sum_sales", "count", "mean_units", "count_day"]
        );
    }

    #[test]
    fn compile_aggregates_without_group_by_fold_every_row() {
        let compiled = query(json!({
            "aggregates": [
                {"function": "max", "column": "day"},
                {"function": "min", "column": "region"},
            ],
        }))
        .unwrap();
        assert_eq!(
            compiled.sql,
            "select max(\"day\") as \"max_day\", min(\"region\") as \"min_region\" \
             from \"ds_0123abcd\" limit ?"
        );
    }

    #[test]
    fn compile_group_by_alone_lists_distinct_groups() {
        let compiled =
            query(json!({"groupBy": ["region", "active"], "select": ["active"]})).unwrap();
        assert_eq!(
            compiled.sql,
            "select \"region\", \"active\" from \"ds_0123abcd\" \
             group by \"region\", \"active\" limit ?"
        );
        assert_eq!(compiled.columns, ["region", "active"]);
    }

    #[test]
    fn compile_binds_every_comparison() {
        let cases = [
            ("=", "\"sales\" = ?"),
            ("!=", "\"sales\" != ?"),
            ("<", "\"sales\" < ?"),
            ("<=", "\"sales\" <= ?"),
            (">", "\"sales\" > ?"),
            (">=", "\"sales\" >= ?"),
        ];
        for (op, condition) in cases {
            let compiled = query(json!({
                "filters": [{"column": "sales", "op": op, "value": 2.5}],
            }))
            .unwrap();
            assert!(
                compiled.sql.contains(&format!(" where {condition} order")),
                "{op}"
            );
            assert_eq!(
                compiled.params,
                [SqlValue::Real(2.5), SqlValue::Integer(100)]
            );
        }
    }

    #[test]
    fn compile_combines_filters_with_and() {
        let compiled = query(json!({
            "select": ["region"],
            "filters": [
                {"column": "region", "op": "in", "value": ["north", "south"]},
                {"column": "region", "op": "contains", "value": "th"},
                {"column": "units", "op": "is_null"},
                {"column": "day", "op": "is_null", "value": false},
                {"column": "day", "op": ">=", "value": "2024-01-01"},
            ],
        }))
        .unwrap();
        assert_eq!(
            compiled.sql,
            "select \"region\" from \"ds_0123abcd\" where \"region\" in (?, ?) \
             and instr(\"region\", ?) > 0 and \"units\" is null and \"day\" is not null \
             and \"day\" >= ? order by \"_row\" limit ?"
        );
        assert_eq!(
            compiled.params,
            [
                text("north"),
                text("south"),
                text("th"),
                text("2024-01-01"),
                SqlValue::Integer(100)
            ]
        );
    }

    #[test]
    fn compile_in_needs_one_to_a_hundred_typed_values() {
        let filter = |value: Value| {
            query(json!({"filters": [{"column": "units", "op": "in", "value": value}]}))
        };
        assert_eq!(field(filter(json!([]))), "filters[0].value");
        assert_eq!(field(filter(json!(3))), "filters[0].value");
        assert_eq!(
            field(filter(json!((0..101).collect::<Vec<_>>()))),
            "filters[0].value"
        );
        assert_eq!(field(filter(json!([1, "2"]))), "filters[0].value[1]");
        assert_eq!(field(filter(json!([1, null]))), "filters[0].value[1]");
        let compiled = filter(json!([1, 2, 3])).unwrap();
        assert!(compiled.sql.contains("\"units\" in (?, ?, ?)"));
    }

    #[test]
    fn compile_contains_matches_percent_and_underscore_literally() {
        let compiled = query(json!({
            "filters": [{"column": "region", "op": "contains", "value": "50%_off"}],
        }))
        .unwrap();
        assert!(compiled.sql.contains("where instr(\"region\", ?) > 0"));
        assert!(!compiled.sql.contains("like"));
        assert_eq!(compiled.params[0], text("50%_off"));
    }

    #[test]
    fn compile_contains_needs_a_text_column() {
        for column in ["sales", "day", "active"] {
            let result = query(json!({
                "filters": [{"column": column, "op": "contains", "value": "1"}],
            }));
            assert_eq!(field(result), "filters[0].op", "{column}");
        }
    }

    #[test]
    fn compile_is_null_takes_nothing_true_or_false() {
        let sql = |value: Value| {
            let mut filter = json!({"column": "units", "op": "is_null"});
            if !value.is_null() {
                filter["value"] = value;
            }
            query(json!({"filters": [filter]}))
        };
        assert!(sql(Value::Null).unwrap().sql.contains("\"units\" is null"));
        assert!(sql(json!(true)).unwrap().sql.contains("\"units\" is null"));
        assert!(sql(json!(false))
            .unwrap()
            .sql
            .contains("\"units\" is not null"));
        assert_eq!(field(sql(json!("yes"))), "filters[0].value");
        assert_eq!(sql(json!(true)).unwrap().params, [SqlValue::Integer(100)]);
    }

    #[test]
    fn compile_refuses_null_for_a_comparison() {
        for filter in [
            json!({"column": "units", "op": "=", "value": null}),
            json!({"column": "units", "op": "="}),
            json!({"column": "region", "op": "contains"}),
        ] {
            let (field, message) = refusal(query(json!({"filters": [filter]})));
            assert_eq!(field, "filters[0].value");
            assert!(message.contains("is_null"), "{message}");
        }
    }

    #[test]
    fn compile_types_filter_values_by_their_column() {
        let refused = [
            ("sales", json!("12")),
            ("units", json!(1.5)),
            ("region", json!(3)),
            ("active", json!(1)),
            ("day", json!("2024-02-30")),
            ("day", json!(20240101)),
        ];
        for (column, value) in refused {
            let result = query(json!({"filters": [{"column": column, "op": "=", "value": value}]}));
            assert_eq!(field(result), "filters[0].value", "{column} {value}");
        }
        let compiled =
            query(json!({"filters": [{"column": "active", "op": "!=", "value": false}]}));
        assert_eq!(compiled.unwrap().params[0], SqlValue::Integer(0));
    }

    #[test]
    fn compile_keeps_injection_attempts_in_parameters() {
        let attack = "'; drop table x; --";
        let compiled = query(json!({
            "select": ["region"],
            "filters": [
                {"column": "region", "op": "=", "value": attack},
                {"column": "region", "op": "contains", "value": "\" or 1=1 --"},
                {"column": "region", "op": "in", "value": ["a') or ('1'='1", attack]},
            ],
        }))
        .unwrap();
        assert_eq!(
            compiled.sql,
            "select \"region\" from \"ds_0123abcd\" where \"region\" = ? \
             and instr(\"region\", ?) > 0 and \"region\" in (?, ?) order by \"_row\" limit ?"
        );
        assert_eq!(
            compiled.params,
            [
                text(attack),
                text("\" or 1=1 --"),
                text("a') or ('1'='1"),
                text(attack),
                SqlValue::Integer(100)
            ]
        );
    }

    /// Removes every double-quoted identifier (a doubled `"` inside one
    /// closes and reopens it, which comes to the same).
    fn outside_quotes(sql: &str) -> String {
        let mut inside = false;
        let mut kept = String::new();
        for c in sql.chars() {
            if c == '"' {
                inside = !inside;
                kept.push(' ');
            } else if !inside {
                kept.push(c);
            }
        }
        kept
    }

    #[test]
    fn compile_writes_only_fixed_words_outside_quoted_identifiers() {
        let compiled = query(json!({
            "groupBy": ["region", "day"],
            "aggregates": [
                {"function": "count"},
                {"function": "sum", "column": "sales", "alias": "total"},
                {"function": "min", "column": "units"},
            ],
            "filters": [
                {"column": "region", "op": "contains", "value": "select * from users"},
                {"column": "units", "op": "in", "value": [1, 2]},
                {"column": "day", "op": "is_null", "value": false},
                {"column": "sales", "op": "<=", "value": 9},
            ],
            "orderBy": [{"column": "total", "direction": "desc"}, {"column": "day"}],
        }))
        .unwrap();
        let words = [
            "select", "from", "where", "and", "in", "is", "not", "null", "instr", "group", "by",
            "order", "asc", "desc", "limit", "as", "count", "sum", "min", "0",
        ];
        let skeleton = outside_quotes(&compiled.sql);
        for word in skeleton.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            assert!(
                word.is_empty() || words.contains(&word),
                "{word:?} in {skeleton}"
            );
        }
        assert!(skeleton
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _,()?*<=>".contains(c)));
    }

    #[test]
    fn compile_names_the_field_of_an_unknown_column() {
        let cases = [
            (json!({"select": ["nope"]}), "select[0]"),
            (
                json!({"filters": [{"column": "Region", "op": "=", "value": "x"}]}),
                "filters[0].column",
            ),
            (json!({"groupBy": ["region", "nope"]}), "groupBy[1]"),
            (
                json!({"orderBy": [{"column": "nope"}]}),
                "orderBy[0].column",
            ),
            (
                json!({"aggregates": [
                    {"function": "count"},
                    {"function": "count", "column": "day"},
                    {"function": "max", "column": "nope"},
                ]}),
                "aggregates[2].column",
            ),
            (json!({"select": ["_row"]}), "select[0]"),
        ];
        for (spec, expected) in cases {
            assert_eq!(field(query(spec)), expected);
        }
    }

    #[test]
    fn compile_refuses_identifiers_that_try_to_escape_their_quotes() {
        let column = json!({"filters": [{"column": "region\" or 1=1 --", "op": "is_null"}]});
        assert_eq!(field(query(column)), "filters[0].column");
        let alias = json!({"aggregates": [{"function": "count", "alias": "n\" from users --"}]});
        assert_eq!(field(query(alias)), "aggregates[0].alias");
    }

    #[test]
    fn compile_refuses_sum_and_avg_of_non_numbers() {
        for (function, column) in [("sum", "region"), ("avg", "day"), ("sum", "day")] {
            let result = query(json!({"aggregates": [{"function": function, "column": column}]}));
            assert_eq!(
                field(result),
                "aggregates[0].column",
                "{function}({column})"
            );
        }
        let booleans = query(json!({"aggregates": [{"function": "sum", "column": "active"}]}));
        assert!(booleans
            .unwrap()
            .sql
            .contains("sum(\"active\") as \"sum_active\""));
        let text_max = query(json!({"aggregates": [{"function": "max", "column": "region"}]}));
        assert!(text_max.is_ok());
    }

    #[test]
    fn compile_needs_a_column_for_every_aggregate_but_count() {
        for function in ["sum", "avg", "min", "max"] {
            let result = query(json!({"aggregates": [{"function": function}]}));
            assert_eq!(field(result), "aggregates[0].column", "{function}");
        }
    }

    #[test]
    fn compile_refuses_clashing_or_invalid_aliases() {
        let twice = json!({"aggregates": [{"function": "count"}, {"function": "count"}]});
        assert_eq!(field(query(twice)), "aggregates[1].alias");
        let group_name = json!({
            "groupBy": ["region"],
            "aggregates": [{"function": "count", "alias": "REGION"}],
        });
        assert_eq!(field(query(group_name)), "aggregates[0].alias");
        for alias in ["select", "_hidden", "", "a b"] {
            let spec = json!({"aggregates": [{"function": "count", "alias": alias}]});
            assert_eq!(field(query(spec)), "aggregates[0].alias", "{alias:?}");
        }
    }

    #[test]
    fn compile_select_must_be_within_group_by_when_grouping() {
        let spec = json!({"groupBy": ["region"], "select": ["region", "sales"]});
        assert_eq!(field(query(spec)), "select[1]");
        let spec = json!({"aggregates": [{"function": "count"}], "select": ["region"]});
        assert_eq!(field(query(spec)), "select[0]");
    }

    #[test]
    fn compile_refuses_a_column_listed_twice() {
        assert_eq!(
            field(query(json!({"select": ["sales", "sales"]}))),
            "select[1]"
        );
        assert_eq!(
            field(query(json!({"groupBy": ["day", "day"]}))),
            "groupBy[1]"
        );
    }

    #[test]
    fn compile_orders_by_an_aggregate_alias() {
        let compiled = query(json!({
            "groupBy": ["region"],
            "aggregates": [{"function": "sum", "column": "sales", "alias": "total"}],
            "orderBy": [{"column": "total", "direction": "desc"}, {"column": "region"}],
        }))
        .unwrap();
        assert!(compiled
            .sql
            .ends_with(" group by \"region\" order by \"total\" desc, \"region\" asc limit ?"));
    }

    #[test]
    fn compile_orders_only_by_columns_of_the_result() {
        let grouped = json!({
            "groupBy": ["region"],
            "aggregates": [{"function": "count"}],
            "orderBy": [{"column": "sales"}],
        });
        assert_eq!(field(query(grouped)), "orderBy[0].column");
        let plain = json!({"select": ["region"], "orderBy": [{"column": "sales"}]});
        assert_eq!(field(query(plain)), "orderBy[0].column");
    }

    #[test]
    fn compile_bounds_the_limit_and_always_binds_it() {
        for limit in [0, MAX_LIMIT + 1, u32::MAX] {
            assert_eq!(field(query(json!({"limit": limit}))), "limit");
        }
        for limit in [1, MAX_LIMIT] {
            let compiled = query(json!({"limit": limit})).unwrap();
            assert_eq!(compiled.params, [SqlValue::Integer(i64::from(limit))]);
            assert!(compiled.sql.ends_with(" limit ?"));
        }
        let default = query(json!({})).unwrap();
        assert_eq!(
            default.params,
            [SqlValue::Integer(i64::from(DEFAULT_LIMIT))]
        );
    }

    #[test]
    fn compile_caps_filters_and_orderings() {
        let filter = json!({"column": "units", "op": "is_null"});
        let filters = vec![filter; MAX_FILTERS + 1];
        assert_eq!(field(query(json!({"filters": filters}))), "filters");
        let order = json!({"column": "sales"});
        let orders = vec![order; MAX_ORDER_BY + 1];
        assert_eq!(field(query(json!({"orderBy": orders}))), "orderBy");
    }

    #[test]
    fn compile_keeps_bound_values_within_what_d1_accepts() {
        let values: Vec<i64> = (0..99).collect();
        let fits = query(json!({"filters": [{"column": "units", "op": "in", "value": values}]}));
        assert_eq!(fits.unwrap().params.len(), MAX_PARAMS);

        let values: Vec<i64> = (0..100).collect();
        let result = query(json!({"filters": [{"column": "units", "op": "in", "value": values}]}));
        assert_eq!(field(result), "filters");
    }

    #[test]
    fn compile_refuses_foreign_tables_and_corrupt_schemas() {
        let spec = QuerySpec::default();
        assert!(is_corrupt(compile("sqlite_master", &sales(), &spec)));
        assert!(is_corrupt(compile(TABLE, &named(&["a;b"]), &spec)));
        assert!(is_corrupt(compile(TABLE, &[], &spec)));
    }

    #[test]
    fn query_spec_reads_camel_case_and_refuses_unknown_fields() {
        let spec: QuerySpec = serde_json::from_value(json!({
            "groupBy": ["region"],
            "orderBy": [{"column": "region"}],
        }))
        .unwrap();
        assert_eq!(spec.group_by, ["region"]);
        assert_eq!(spec.order_by[0].direction, Direction::Asc);
        assert!(serde_json::from_value::<QuerySpec>(json!({"having": "1"})).is_err());
        assert!(serde_json::from_value::<QuerySpec>(json!({"limit": -1})).is_err());
    }
}
