//! The `user` table (Better Auth's).

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use super::{bool_from_int, iso_date, opt_text, text, Db, Joined};
use crate::error::Result;

/// A user, as Better Auth answers it (field order included).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub name: String,
    pub email: String,
    #[serde(deserialize_with = "bool_from_int")]
    pub email_verified: bool,
    pub image: Option<String>,
    #[serde(deserialize_with = "iso_date")]
    pub created_at: String,
    #[serde(deserialize_with = "iso_date")]
    pub updated_at: String,
    pub id: String,
}

/// The user fields shown inside a member.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub name: String,
    pub email: String,
    pub image: Option<String>,
}

/// Inserts a new user (email already lowercased).
pub fn insert(db: &Db, user: &User) -> Result<D1PreparedStatement> {
    db.statement(
        r#"insert into "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt")
           values (?, ?, ?, ?, ?, ?, ?)"#,
        &[
            text(&user.id),
            text(&user.name),
            text(&user.email),
            super::int(i64::from(user.email_verified)),
            opt_text(user.image.as_deref()),
            text(&user.created_at),
            text(&user.updated_at),
        ],
    )
}

/// Whether a user has this (lowercased) email.
pub async fn email_exists(db: &Db, email: &str) -> Result<bool> {
    let found: Option<serde_json::Value> = db
        .first(
            r#"select 1 as "found" from "user" where "email" = ?"#,
            &[text(email)],
        )
        .await?;
    Ok(found.is_some())
}

/// A user and the password hash of their credential account, if any.
#[derive(Debug)]
pub struct UserWithPassword {
    pub user: User,
    pub password: Option<String>,
}

#[derive(Deserialize)]
struct PasswordColumn {
    password: Option<String>,
}

/// Finds a user by (lowercased) email, with their credential password.
pub async fn find_with_password(db: &Db, email: &str) -> Result<Option<UserWithPassword>> {
    let row: Option<Joined<User, PasswordColumn>> = db
        .first(
        r#"select u."name", u."email", u."emailVerified", u."image", u."createdAt", u."updatedAt",
                  u."id", a."password"
           from "user" u
           left join "account" a on a."userId" = u."id" and a."providerId" = 'credential'
           where u."email" = ?
           limit 1"#,
            &[text(email)],
        )
        .await?;
    Ok(row.map(|Joined(user, account)| UserWithPassword {
        user,
        password: account.password,
    }))
}
