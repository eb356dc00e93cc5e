//! Fuzzes the dataset SQL builders of `orgscope::datasets::query` with
//! arbitrary column definitions, queries and rows. Beyond "no panic" it
//! checks what keeps the SQL safe: every value is a bound `?` parameter,
//! the SQL reads the same whatever the values are, identifiers are only
//! validated names, and the limit and parameter counts stay within D1's.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use orgscope::datasets::query::{
    check_rows, compile, insert_statements, validate_columns, AggregateSpec, Compiled, QuerySpec,
    SqlValue, DEFAULT_LIMIT, MAX_LIMIT, MAX_PARAMS,
};
use orgscope::error::Error;
use orgscope::model::{Aggregate, ColumnDef, ColumnType, Direction, Filter, FilterOp, OrderBy};
use serde_json::{Map, Number, Value};

/// The dataset table every well-formed input queries.
const TABLE: &str = "ds_0123abcd";

/// Names a fuzzer would take long to spell: keywords, case twins, default
/// aliases, names that try to leave their quotes, and orgscope's own.
const NAMES: [&str; 16] = [
    "region",
    "Region",
    "sales",
    "units",
    "day",
    "active",
    "count",
    "sum_sales",
    "select",
    "_row",
    "rowid",
    "a\"b",
    "x y",
    "1st",
    "agg_value",
    "total",
];

/// The words a compiled query may hold outside quoted identifiers.
const SELECT_WORDS: [&str; 22] = [
    "select", "from", "where", "and", "in", "is", "not", "null", "instr", "group", "by", "order",
    "asc", "desc", "limit", "as", "count", "sum", "avg", "min", "max", "0",
];
/// The words an `insert` may hold outside quoted identifiers.
const INSERT_WORDS: [&str; 3] = ["insert", "into", "values"];

#[derive(Debug, Arbitrary)]
struct Input {
    /// Mostly [`TABLE`]; sometimes arbitrary text, which must be refused.
    table: Option<String>,
    columns: Vec<ColumnInput>,
    select: Vec<NameInput>,
    filters: Vec<FilterInput>,
    group_by: Vec<NameInput>,
    aggregates: Vec<AggregateInput>,
    order_by: Vec<(NameInput, bool)>,
    limit: Option<u32>,
    rows: Vec<Vec<(NameInput, ValueInput)>>,
    /// How many more times to repeat `rows`, so that a batch can exceed
    /// one statement's parameters and be split.
    copies: u8,
}

#[derive(Debug, Arbitrary)]
enum NameInput {
    /// The name of the input's column at this index (modulo their number).
    Column(u8),
    /// One of [`NAMES`].
    Known(u8),
    Text(String),
}

#[derive(Debug, Arbitrary)]
struct ColumnInput {
    name: NameInput,
    column_type: TypeInput,
    nullable: bool,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum TypeInput {
    Text,
    Integer,
    Real,
    Boolean,
    Date,
}

#[derive(Debug, Arbitrary)]
struct FilterInput {
    column: NameInput,
    op: OpInput,
    value: Option<ValueInput>,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum OpInput {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Contains,
    IsNull,
}

#[derive(Debug, Arbitrary)]
enum ValueInput {
    Null,
    Bool(bool),
    Integer(i64),
    Real(f64),
    Text(String),
    /// A date or date-time built from parts, often valid.
    Date {
        year: u16,
        month: u8,
        day: u8,
        time: Option<(u8, u8, u8, Option<u16>)>,
    },
    Array(Vec<ValueInput>),
}

#[derive(Debug, Arbitrary)]
struct AggregateInput {
    function: FunctionInput,
    column: Option<NameInput>,
    alias: Option<NameInput>,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum FunctionInput {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

fuzz_target!(|input: Input| {
    let table = input.table.clone().unwrap_or_else(|| TABLE.to_string());
    let columns = columns(&input);
    let columns_valid = validate_columns(&columns).is_ok();
    let table_valid = is_dataset_table(&table);

    let spec = query_spec(&input, &columns);
    match compile(&table, &columns, &spec) {
        Ok(compiled) => {
            assert!(columns_valid && table_valid, "compiled over a bad schema");
            check_compiled(&table, &columns, &spec, &compiled);
        }
        Err(error) => check_refusal(&error, columns_valid, table_valid),
    }

    if columns_valid {
        let rows: Vec<Value> = input.rows.iter().map(|row| object(row, &columns)).collect();
        let copies = usize::from(input.copies) + 1;
        let rows: Vec<Value> = rows
            .iter()
            .cycle()
            .take(rows.len() * copies)
            .cloned()
            .collect();
        check_insert(&table, &columns, &rows, table_valid);
    }
});

/// Whether `table` has the shape of a table orgscope names (`ds_` and 8 to
/// 64 lowercase letters and digits), which is all `compile` may accept.
fn is_dataset_table(table: &str) -> bool {
    table.strip_prefix("ds_").is_some_and(|id| {
        (8..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

fn columns(input: &Input) -> Vec<ColumnDef> {
    // Column names may refer to other columns' only once those exist, so
    // `Column` picks from the fixed names here.
    input
        .columns
        .iter()
        .map(|column| ColumnDef {
            name: match &column.name {
                NameInput::Column(i) | NameInput::Known(i) => known(*i).to_string(),
                NameInput::Text(text) => text.clone(),
            },
            column_type: column_type(column.column_type),
            nullable: column.nullable,
        })
        .collect()
}

fn known(i: u8) -> &'static str {
    NAMES[usize::from(i) % NAMES.len()]
}

fn name(input: &NameInput, columns: &[ColumnDef]) -> String {
    match input {
        NameInput::Column(i) if !columns.is_empty() => {
            columns[usize::from(*i) % columns.len()].name.clone()
        }
        NameInput::Column(i) | NameInput::Known(i) => known(*i).to_string(),
        NameInput::Text(text) => text.clone(),
    }
}

fn column_type(input: TypeInput) -> ColumnType {
    match input {
        TypeInput::Text => ColumnType::Text,
        TypeInput::Integer => ColumnType::Integer,
        TypeInput::Real => ColumnType::Real,
        TypeInput::Boolean => ColumnType::Boolean,
        TypeInput::Date => ColumnType::Date,
    }
}

fn query_spec(input: &Input, columns: &[ColumnDef]) -> QuerySpec {
    let names =
        |list: &[NameInput]| -> Vec<String> { list.iter().map(|n| name(n, columns)).collect() };
    QuerySpec {
        select: names(&input.select),
        filters: input
            .filters
            .iter()
            .map(|filter| Filter {
                column: name(&filter.column, columns),
                op: filter_op(filter.op),
                value: filter.value.as_ref().map(json),
            })
            .collect(),
        group_by: names(&input.group_by),
        aggregates: input
            .aggregates
            .iter()
            .map(|aggregate| AggregateSpec {
                function: function(aggregate.function),
                column: aggregate.column.as_ref().map(|n| name(n, columns)),
                alias: aggregate.alias.as_ref().map(|n| name(n, columns)),
            })
            .collect(),
        order_by: input
            .order_by
            .iter()
            .map(|(column, descending)| OrderBy {
                column: name(column, columns),
                direction: if *descending {
                    Direction::Desc
                } else {
                    Direction::Asc
                },
            })
            .collect(),
        limit: input.limit,
    }
}

fn filter_op(input: OpInput) -> FilterOp {
    match input {
        OpInput::Eq => FilterOp::Eq,
        OpInput::Ne => FilterOp::Ne,
        OpInput::Lt => FilterOp::Lt,
        OpInput::Le => FilterOp::Le,
        OpInput::Gt => FilterOp::Gt,
        OpInput::Ge => FilterOp::Ge,
        OpInput::In => FilterOp::In,
        OpInput::Contains => FilterOp::Contains,
        OpInput::IsNull => FilterOp::IsNull,
    }
}

fn function(input: FunctionInput) -> Aggregate {
    match input {
        FunctionInput::Count => Aggregate::Count,
        FunctionInput::Sum => Aggregate::Sum,
        FunctionInput::Avg => Aggregate::Avg,
        FunctionInput::Min => Aggregate::Min,
        FunctionInput::Max => Aggregate::Max,
    }
}

fn json(input: &ValueInput) -> Value {
    match input {
        ValueInput::Null => Value::Null,
        ValueInput::Bool(flag) => Value::Bool(*flag),
        ValueInput::Integer(number) => Value::from(*number),
        ValueInput::Real(number) => Number::from_f64(*number).map_or(Value::Null, Value::Number),
        ValueInput::Text(text) => Value::String(text.clone()),
        ValueInput::Date {
            year,
            month,
            day,
            time,
        } => {
            let mut text = format!("{:04}-{:02}-{:02}", year % 10_000, month, day);
            if let Some((hour, minute, second, millis)) = time {
                text.push_str(&format!("T{hour:02}:{minute:02}:{second:02}"));
                if let Some(millis) = millis {
                    text.push_str(&format!(".{:03}", millis % 1000));
                }
                text.push('Z');
            }
            Value::String(text)
        }
        ValueInput::Array(items) => Value::Array(items.iter().map(json).collect()),
    }
}

/// A row as a client sends it: an object keyed by column name.
fn object(row: &[(NameInput, ValueInput)], columns: &[ColumnDef]) -> Value {
    let entries: Map<String, Value> = row
        .iter()
        .map(|(key, value)| (name(key, columns), json(value)))
        .collect();
    Value::Object(entries)
}

/// A refused query: a corrupt schema or a foreign table is the server's
/// fault (500); with both sound, it is the client's (400).
fn check_refusal(error: &Error, columns_valid: bool, table_valid: bool) {
    if columns_valid && table_valid {
        assert!(matches!(error, Error::Validation { .. }), "{error:?}");
    } else {
        assert!(matches!(error, Error::Corrupt(_)), "{error:?}");
    }
}

fn check_compiled(table: &str, columns: &[ColumnDef], spec: &QuerySpec, compiled: &Compiled) {
    let sql = &compiled.sql;
    let params = &compiled.params;
    assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    assert!(params.len() <= MAX_PARAMS, "{} parameters", params.len());

    let limit = match params.last() {
        Some(SqlValue::Integer(limit)) => *limit,
        other => panic!("the limit is not the last parameter: {other:?}"),
    };
    assert!((1..=i64::from(MAX_LIMIT)).contains(&limit), "limit {limit}");
    assert_eq!(limit, i64::from(spec.limit.unwrap_or(DEFAULT_LIMIT)));
    assert!(sql.ends_with(" limit ?"), "{sql}");

    for output in &compiled.columns {
        let identifier = output.starts_with(|c: char| c.is_ascii_alphabetic())
            && output
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        assert!(identifier, "result column {output:?}");
    }
    let mut outputs = compiled.columns.clone();
    outputs.sort_by_key(|name| name.to_ascii_lowercase());
    let clash = outputs
        .windows(2)
        .find(|pair| pair[0].eq_ignore_ascii_case(&pair[1]));
    assert!(clash.is_none(), "two result columns named {clash:?}");

    let trusted = trusted_names(table, columns, &compiled.columns);
    check_identifiers(sql, &trusted, &SELECT_WORDS);

    let blind = compile(table, columns, &with_other_values(columns, spec))
        .expect("a query that compiled compiles with other values of the same types");
    check_values_are_parameters(columns, compiled, &blind.sql);
    assert_eq!(*sql, blind.sql, "the SQL depends on the filter values");
    assert_eq!(params.len(), blind.params.len());
}

/// The names SQL may quote: the table, the key `_row`, the dataset's
/// columns and the result's column names (aliases included).
fn trusted_names<'a>(
    table: &'a str,
    columns: &'a [ColumnDef],
    outputs: &'a [String],
) -> Vec<&'a str> {
    let mut names = vec![table, "_row"];
    names.extend(columns.iter().map(|column| column.name.as_str()));
    names.extend(outputs.iter().map(String::as_str));
    names
}

/// Every quoted identifier is a trusted name, and what lies outside the
/// quotes is SQL orgscope wrote: fixed words, `?` and punctuation.
fn check_identifiers(sql: &str, trusted: &[&str], sql_words: &[&str]) {
    let mut skeleton = String::new();
    for (i, piece) in sql.split('"').enumerate() {
        if i % 2 == 1 {
            assert!(trusted.contains(&piece), "{piece:?} quoted in {sql}");
            skeleton.push(' ');
        } else {
            skeleton.push_str(piece);
        }
    }
    assert_eq!(sql.matches('"').count() % 2, 0, "unbalanced quotes: {sql}");
    let words = skeleton.split(|c: char| !c.is_ascii_alphanumeric() && c != '_');
    for word in words {
        assert!(
            word.is_empty() || sql_words.contains(&word),
            "{word:?} in {sql}"
        );
    }
    assert!(
        skeleton
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _,()?*<=>!".contains(c)),
        "{skeleton:?}"
    );
}

/// No text value of four or more characters appears in the SQL, unless it
/// is a column name or would be there anyway: `blind_sql` is the same query
/// compiled with every value replaced (a value such as `"select"` or `"in
/// ("` matches the SQL's own text, not a splice).
fn check_values_are_parameters(columns: &[ColumnDef], compiled: &Compiled, blind_sql: &str) {
    for param in &compiled.params {
        let SqlValue::Text(text) = param else {
            continue;
        };
        if text.len() < 4 || !compiled.sql.contains(text.as_str()) {
            continue;
        }
        let is_column = columns.iter().any(|column| column.name == *text);
        assert!(
            is_column || blind_sql.contains(text.as_str()),
            "the value {text:?} is spliced into {}",
            compiled.sql
        );
    }
}

/// `spec` with every filter value replaced by another of its column's type,
/// chosen so that it differs from the original.
fn with_other_values(columns: &[ColumnDef], spec: &QuerySpec) -> QuerySpec {
    let mut other = spec.clone();
    for filter in &mut other.filters {
        let Some(column) = columns.iter().find(|column| column.name == filter.column) else {
            continue;
        };
        if filter.op == FilterOp::IsNull {
            continue;
        }
        if let Some(value) = &mut filter.value {
            replace_value(column.column_type, value);
        }
    }
    other
}

fn replace_value(column_type: ColumnType, value: &mut Value) {
    match value {
        Value::Array(items) => {
            for item in items {
                replace_value(column_type, item);
            }
        }
        Value::String(text) => {
            let (first, second) = match column_type {
                ColumnType::Date => ("1999-12-31", "1998-12-31"),
                _ => ("\u{1}canary\u{1}", "\u{2}canary\u{2}"),
            };
            let replacement = if text == first { second } else { first };
            *text = replacement.to_string();
        }
        Value::Number(number) => {
            let replacement = if number.is_f64() {
                Value::from(if number.as_f64() == Some(0.5) {
                    0.25
                } else {
                    0.5
                })
            } else {
                Value::from(if number.as_i64() == Some(7) { 8 } else { 7 })
            };
            *value = replacement;
        }
        Value::Bool(flag) => *flag = !*flag,
        Value::Null | Value::Object(_) => {}
    }
}

/// Rows checked and turned into `insert`s: each statement binds what its
/// `?`s ask for and at most D1's limit, and the values come out in order.
fn check_insert(table: &str, columns: &[ColumnDef], rows: &[Value], table_valid: bool) {
    let checked = match check_rows(columns, rows) {
        Ok(checked) => checked,
        Err(error) => {
            assert!(matches!(error, Error::Validation { .. }), "{error:?}");
            return;
        }
    };
    assert_eq!(checked.len(), rows.len());
    for row in &checked {
        assert_eq!(row.len(), columns.len());
        for (value, column) in row.iter().zip(columns) {
            assert_stored_type(column, value);
        }
    }

    let expected: Vec<SqlValue> = checked.iter().flatten().cloned().collect();
    let statements = match insert_statements(table, columns, checked) {
        Ok(statements) => statements,
        Err(error) => {
            assert!(!table_valid, "{error:?}");
            assert!(matches!(error, Error::Corrupt(_)), "{error:?}");
            return;
        }
    };
    assert!(table_valid, "inserted into {table:?}");
    let trusted = trusted_names(table, columns, &[]);
    for (sql, params) in &statements {
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        assert!(
            !params.is_empty() && params.len() <= MAX_PARAMS,
            "{}",
            params.len()
        );
        assert!(sql.starts_with("insert into "), "{sql}");
        check_identifiers(sql, &trusted, &INSERT_WORDS);
    }
    let bound: Vec<SqlValue> = statements.into_iter().flat_map(|(_, p)| p).collect();
    assert_eq!(bound, expected, "values bound out of order");
}

/// A checked value is what its column stores.
fn assert_stored_type(column: &ColumnDef, value: &SqlValue) {
    let fits = match (column.column_type, value) {
        (_, SqlValue::Null) => column.nullable,
        (ColumnType::Text | ColumnType::Date, SqlValue::Text(_)) => true,
        (ColumnType::Integer, SqlValue::Integer(n)) => n.unsigned_abs() < 1 << 53,
        (ColumnType::Boolean, SqlValue::Integer(n)) => *n == 0 || *n == 1,
        (ColumnType::Real, SqlValue::Real(x)) => x.is_finite(),
        _ => false,
    };
    assert!(fits, "{value:?} in {column:?}");
}
