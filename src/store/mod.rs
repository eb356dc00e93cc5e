//! D1 access. Every statement is SQL text with `?` placeholders and values
//! bound separately; nothing a client sends is ever spliced into SQL.
//!
//! The store modules (one per table or group of tables) build statements
//! and read rows into typed structs. [`Db`] counts round trips, so the
//! request log and the benchmarks can show what each request costs.

pub mod accounts;
pub mod invitations;
pub mod members;
pub mod organizations;
pub mod sessions;
pub mod users;

use std::cell::Cell;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::error::{Error, Result};

/// The database, and how many round trips this request has made to it.
pub struct Db {
    inner: D1Database,
    round_trips: Cell<u32>,
}

impl Db {
    pub fn new(inner: D1Database) -> Db {
        Db {
            inner,
            round_trips: Cell::new(0),
        }
    }

    /// Round trips made so far (a batch counts once).
    pub fn round_trips(&self) -> u32 {
        self.round_trips.get()
    }

    fn count(&self) {
        self.round_trips.set(self.round_trips.get() + 1);
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
        self.count();
        Ok(self.statement(sql, params)?.first::<T>(None).await?)
    }

    /// Every row.
    pub async fn all<T: DeserializeOwned>(&self, sql: &str, params: &[JsValue]) -> Result<Vec<T>> {
        self.count();
        Ok(self.statement(sql, params)?.all().await?.results::<T>()?)
    }

    /// Runs a statement and answers how many rows it changed.
    pub async fn run(&self, sql: &str, params: &[JsValue]) -> Result<usize> {
        self.count();
        let result = self.statement(sql, params)?.run().await?;
        Ok(changes(&result))
    }

    /// Runs a prepared statement and answers how many rows it changed.
    pub async fn execute(&self, statement: D1PreparedStatement) -> Result<usize> {
        self.count();
        Ok(changes(&statement.run().await?))
    }

    /// Runs statements in one round trip, atomically: if one fails, none of
    /// their changes remain.
    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<D1Result>> {
        self.count();
        Ok(self.inner.batch(statements).await?)
    }
}

/// Rows changed by a statement that ran.
pub fn changes(result: &D1Result) -> usize {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|meta| meta.changes)
        .unwrap_or(0)
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
