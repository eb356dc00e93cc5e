//! The `account` table (Better Auth's): orgscope writes credential accounts,
//! the ones that hold a password hash.

use worker::D1PreparedStatement;

use super::{text, Db};
use crate::error::Result;

/// Inserts the credential account of `user_id` with its password hash.
/// Better Auth's convention: `providerId = 'credential'`, `accountId` = the
/// user's id.
pub fn insert_credential(
    db: &Db,
    id: &str,
    user_id: &str,
    password_hash: &str,
    now_iso: &str,
) -> Result<D1PreparedStatement> {
    db.statement(
        r#"insert into "account" ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt")
           values (?, ?, 'credential', ?, ?, ?, ?)"#,
        &[
            text(id),
            text(user_id),
            text(user_id),
            text(password_hash),
            text(now_iso),
            text(now_iso),
        ],
    )
}
