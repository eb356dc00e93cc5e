//! D1 access. Every statement is SQL text with `?` placeholders and values
//! bound separately; nothing a client sends is ever spliced into SQL.
//!
//! The store modules (one per table or group of tables) build statements
//! and read rows into typed structs. [`Db`] counts round trips and
//! statements, so the request log and the benchmarks can show what each
//! request costs.
//!
//! Rows cross from D1 into Rust as one JSON text per answer (the runtime's
//! native `JSON.stringify`) and are read by [`crate::json`], the reader
//! request bodies use too. Reading them field by field through the
//! JavaScript boundary instead (`D1Result::results`) would be slower for
//! large answers and compile a second deserializer for every row type.

pub mod accounts;
pub mod invitations;
pub mod members;
pub mod organizations;
pub mod sessions;
pub mod users;

use std::cell::Cell;

use js_sys::{Array, Promise, Reflect, JSON};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{D1Database, D1PreparedStatement};

use crate::error::{Error, Result};

/// The database, and how many round trips and statements this request has
/// made to it.
pub struct Db {
    inner: D1Database,
    round_trips: Cell<u32>,
    statements: Cell<u32>,
}

impl Db {
    pub fn new(inner: D1Database) -> Db {
        Db {
            inner,
            round_trips: Cell::new(0),
            statements: Cell::new(0),
        }
    }

    /// Round trips made so far (a batch counts once).
    pub fn round_trips(&self) -> u32 {
        self.round_trips.get()
    }

    /// Statements run so far (each statement of a batch counts).
    pub fn statements(&self) -> u32 {
        self.statements.get()
    }

    /// Counts one round trip carrying `statements` statements.
    fn count(&self, statements: usize) {
        self.round_trips.set(self.round_trips.get() + 1);
        let statements = u32::try_from(statements).unwrap_or(u32::MAX);
        self.statements
            .set(self.statements.get().saturating_add(statements));
    }

    /// A statement with its parameters bound, for [`Db::batch`] or to run.
    pub fn statement(&self, sql: &str, params: &[JsValue]) -> Result<D1PreparedStatement> {
        Ok(self.inner.prepare(sql).bind(params)?)
    }

    /// The first row, if any.
    pub async fn first<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[JsValue],
    ) -> Result<Option<T>> {
        self.count(1);
        let row = settle(self.statement(sql, params)?.inner().first(None)).await?;
        read_json(&row)
    }

    /// Every row.
    pub async fn all<T: DeserializeOwned>(&self, sql: &str, params: &[JsValue]) -> Result<Vec<T>> {
        self.count(1);
        Answer::of(self.statement(sql, params)?).await?.rows()
    }

    /// Runs a statement and answers how many rows it changed.
    pub async fn run(&self, sql: &str, params: &[JsValue]) -> Result<usize> {
        self.execute(self.statement(sql, params)?).await
    }

    /// Runs a prepared statement and answers how many rows it changed.
    pub async fn execute(&self, statement: D1PreparedStatement) -> Result<usize> {
        self.count(1);
        Ok(Answer::of(statement).await?.changes())
    }

    /// Runs statements in one round trip, atomically: if one fails, none of
    /// their changes remain. Answers one [`Answer`] per statement.
    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<Answer>> {
        self.count(statements.len());
        let list: Array = statements.iter().map(|s| s.inner().clone()).collect();
        let database: &worker::worker_sys::D1Database = self.inner.as_ref().unchecked_ref();
        let answers = settle(database.batch(list)).await?;
        let answers: Array = answers
            .dyn_into()
            .map_err(|_| Error::Corrupt("D1 answered a batch with no list".into()))?;
        Ok(answers.iter().map(Answer).collect())
    }
}

/// What D1 answered for one statement: its rows and its metadata.
pub struct Answer(JsValue);

impl Answer {
    async fn of(statement: D1PreparedStatement) -> Result<Answer> {
        settle(statement.inner().all()).await.map(Answer)
    }

    /// The rows, read into `T`.
    pub fn rows<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        let rows =
            Reflect::get(&self.0, &JsValue::from_str("results")).map_err(worker::Error::from)?;
        if rows.is_undefined() || rows.is_null() {
            return Ok(Vec::new());
        }
        read_json(&rows)
    }

    /// How many rows the statement changed.
    pub fn changes(&self) -> usize {
        Reflect::get(&self.0, &JsValue::from_str("meta"))
            .and_then(|meta| Reflect::get(&meta, &JsValue::from_str("changes")))
            .ok()
            .and_then(|changes| changes.as_f64())
            .map_or(0, |changes| changes as usize)
    }
}

/// Awaits a D1 promise; a refusal becomes a runtime error (logged, never
/// shown: its text holds a JavaScript stack).
async fn settle(promise: std::result::Result<Promise, JsValue>) -> Result<JsValue> {
    let promise = promise.map_err(worker::Error::from)?;
    let value = JsFuture::from(promise).await.map_err(worker::Error::from)?;
    Ok(value)
}

/// Reads a JavaScript value into `T` through its JSON text.
fn read_json<T: DeserializeOwned>(value: &JsValue) -> Result<T> {
    let text: String = JSON::stringify(value).map_err(worker::Error::from)?.into();
    crate::json::from_str(&text).map_err(|e| Error::Corrupt(format!("a D1 row: {e}")))
}

/// A joined row read as two structs, each taking the columns it names
/// (neither may deny unknown fields). It stands in for
/// `#[serde(flatten)]`, whose buffering deserializer adds about 25 KB to
/// the wasm bundle.
pub struct Joined<A, B>(pub A, pub B);

impl<'de, A: DeserializeOwned, B: DeserializeOwned> Deserialize<'de> for Joined<A, B> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let row = serde_json::Value::deserialize(deserializer)?;
        let first = crate::json::from_value(row.clone()).map_err(serde::de::Error::custom)?;
        let second = crate::json::from_value(row).map_err(serde::de::Error::custom)?;
        Ok(Joined(first, second))
    }
}

/// A text parameter.
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// A text parameter, or NULL.
pub fn opt_text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// An integer parameter. D1 takes JavaScript numbers, exact up to 2^53.
pub fn int(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// Reads a 0/1 column (Better Auth's booleans) as a bool.
pub fn bool_from_int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(f64::deserialize(deserializer)? != 0.0)
}

/// Reads an ISO date column, normalized to `toISOString()` form so that
/// dates written by any client read back alike.
pub fn iso_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    crate::time::parse_iso(&text)
        .map(crate::time::to_iso)
        .ok_or_else(|| serde::de::Error::custom(format!("not an ISO date: {text}")))
}

/// Milliseconds of a stored ISO date, for comparisons.
pub fn date_ms(iso: &str) -> Result<i64> {
    crate::time::parse_iso(iso).ok_or_else(|| Error::Corrupt(format!("not an ISO date: {iso}")))
}
