//! The org-scoped database handle every tool works through.
//!
//! [`OrgScope`] binds the caller's organization as the first parameter
//! (`?1`) of every statement it runs, and refuses SQL that neither filters
//! on `org_id = ?1` nor inserts `?1` as the `org_id`: a tool cannot forget
//! the filter, and cannot supply the organization itself. [`validate_org_ownership`] checks loaded records a
//! second time, so a mistake in one query still cannot leak a record.

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::store::{self, Answer, Db};

/// Whether `sql` is bound to the organization in `?1`: it filters on it, or
/// it inserts rows whose first column, `org_id`, is `?1`.
fn is_scoped(sql: &str) -> bool {
    let inserts_org = sql.contains("(org_id,") && sql.contains("values (?1,");
    let selects_org = sql.contains("(org_id,") && sql.contains("select ?1,");
    sql.contains("org_id = ?1") || inserts_org || selects_org
}

/// A database handle bound to one organization.
pub struct OrgScope<'a> {
    db: &'a Db,
    org_id: String,
}

impl<'a> OrgScope<'a> {
    /// The handle for the caller's organization (from the context, never
    /// from a request body).
    pub fn new(db: &'a Db, ctx: &AuthContext) -> OrgScope<'a> {
        OrgScope {
            db,
            org_id: ctx.org_id.clone(),
        }
    }

    /// The handle for the organization that owns an automation, for the
    /// scheduled handler, which runs with no caller.
    pub fn for_system(db: &'a Db, org_id: &str) -> OrgScope<'a> {
        OrgScope {
            db,
            org_id: org_id.to_string(),
        }
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The unscoped database, for statements on a dataset's own row table,
    /// which has no `org_id`: callers reach it only through a dataset record
    /// loaded with this scope.
    pub fn db(&self) -> &Db {
        self.db
    }

    fn bind(&self, sql: &str, params: &[JsValue]) -> Result<Vec<JsValue>> {
        if !is_scoped(sql) {
            return Err(Error::Corrupt(format!("unscoped statement refused: {sql}")));
        }
        let mut bound = Vec::with_capacity(params.len() + 1);
        bound.push(store::text(&self.org_id));
        bound.extend_from_slice(params);
        Ok(bound)
    }

    /// A scoped statement, for a batch; `params` bind from `?2` on.
    pub fn statement(&self, sql: &str, params: &[JsValue]) -> Result<D1PreparedStatement> {
        self.db.statement(sql, &self.bind(sql, params)?)
    }

    pub async fn first<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[JsValue],
    ) -> Result<Option<T>> {
        self.db.first(sql, &self.bind(sql, params)?).await
    }

    pub async fn all<T: DeserializeOwned>(&self, sql: &str, params: &[JsValue]) -> Result<Vec<T>> {
        self.db.all(sql, &self.bind(sql, params)?).await
    }

    pub async fn run(&self, sql: &str, params: &[JsValue]) -> Result<usize> {
        self.db.run(sql, &self.bind(sql, params)?).await
    }

    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<Answer>> {
        self.db.batch(statements).await
    }
}

/// A record that belongs to one organization.
pub trait OrgOwned {
    fn org_id(&self) -> &str;
}

/// A record seen from an organization it does not belong to. Converted into
/// [`Error::NotFound`], so the answer is the same as for a missing record.
#[derive(Debug, thiserror::Error)]
#[error("{resource} belongs to another organization")]
pub struct OrgPermissionError {
    pub resource: &'static str,
}

impl From<OrgPermissionError> for Error {
    fn from(error: OrgPermissionError) -> Error {
        Error::NotFound(error.resource)
    }
}

/// The record, if it exists and belongs to `org_id`; the second line of
/// defense behind the scoped query that loaded it.
pub fn validate_org_ownership<T: OrgOwned>(
    record: Option<T>,
    org_id: &str,
    resource: &'static str,
) -> Result<T> {
    let record = record.ok_or(Error::NotFound(resource))?;
    if record.org_id() != org_id {
        return Err(OrgPermissionError { resource }.into());
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Record(&'static str);

    impl OrgOwned for Record {
        fn org_id(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn foreign_records_answer_like_missing_ones() {
        let foreign =
            validate_org_ownership(Some(Record("org_b")), "org_a", "dashboard").unwrap_err();
        let missing = validate_org_ownership(None::<Record>, "org_a", "dashboard").unwrap_err();
        assert_eq!(foreign.status(), missing.status());
        assert_eq!(foreign.body(), missing.body());
    }

    #[test]
    fn only_statements_bound_to_the_organization_run() {
        assert!(is_scoped(
            "select * from dashboard where org_id = ?1 and id = ?2"
        ));
        assert!(is_scoped(
            "insert into dashboard (org_id, id) values (?1, ?2)"
        ));
        assert!(!is_scoped("select * from dashboard where id = ?1"));
        assert!(!is_scoped(
            "insert into dashboard (id, org_id) values (?2, ?1)"
        ));
        assert!(!is_scoped("delete from dashboard"));
    }

    #[test]
    fn own_records_pass() {
        assert!(validate_org_ownership(Some(Record("org_a")), "org_a", "dashboard").is_ok());
    }
}
