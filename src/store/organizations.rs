//! The `organization` table (Better Auth's organization plugin).

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use super::members::Member;
use super::{iso_date, opt_text, text, Db, Joined};
use crate::error::Result;

/// An organization, as Better Auth answers it. `metadata` is the stored JSON
/// text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub name: String,
    pub slug: String,
    pub logo: Option<String>,
    #[serde(deserialize_with = "iso_date")]
    pub created_at: String,
    pub metadata: Option<String>,
    pub id: String,
}

const COLUMNS: &str = r#""name", "slug", "logo", "createdAt", "metadata", "id""#;

pub fn insert(db: &Db, organization: &Organization) -> Result<D1PreparedStatement> {
    db.statement(
        r#"insert into "organization" ("id", "name", "slug", "logo", "createdAt", "metadata")
           values (?, ?, ?, ?, ?, ?)"#,
        &[
            text(&organization.id),
            text(&organization.name),
            text(&organization.slug),
            opt_text(organization.logo.as_deref()),
            text(&organization.created_at),
            opt_text(organization.metadata.as_deref()),
        ],
    )
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Organization>> {
    let sql = format!(r#"select {COLUMNS} from "organization" where "id" = ?"#);
    db.first(&sql, &[text(id)]).await
}

pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Organization>> {
    let sql = format!(r#"select {COLUMNS} from "organization" where "slug" = ?"#);
    db.first(&sql, &[text(slug)]).await
}

/// How [`find_as_member`] names the organization.
#[derive(Debug, Clone, Copy)]
pub enum OrganizationKey<'a> {
    Id(&'a str),
    Slug(&'a str),
}

/// The organization named by `key` with `user_id`'s membership in it, in
/// one statement; `None` when it does not exist or `user_id` is not a
/// member. Both cases cost the same, so neither an answer nor its cost
/// tells a stranger's organization from a missing one.
pub async fn find_as_member(
    db: &Db,
    key: OrganizationKey<'_>,
    user_id: &str,
) -> Result<Option<(Organization, Member)>> {
    let (column, value) = match key {
        OrganizationKey::Id(id) => (r#"o."id""#, id),
        OrganizationKey::Slug(slug) => (r#"o."slug""#, slug),
    };
    let sql = format!(
        r#"select o."name", o."slug", o."logo", o."createdAt", o."metadata", o."id",
                  m."id" as "memberId", m."role" as "memberRole",
                  m."createdAt" as "memberCreatedAt"
           from "organization" o
           join "member" m on m."organizationId" = o."id" and m."userId" = ?
           where {column} = ?"#
    );
    let row: Option<Joined<Organization, MemberColumns>> =
        db.first(&sql, &[text(user_id), text(value)]).await?;
    Ok(row.map(|Joined(organization, row)| {
        let member = Member {
            organization_id: organization.id.clone(),
            user_id: user_id.to_string(),
            role: row.member_role,
            created_at: row.member_created_at,
            id: row.member_id,
        };
        (organization, member)
    }))
}

/// The membership columns of [`find_as_member`]'s row.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberColumns {
    member_id: String,
    member_role: String,
    #[serde(deserialize_with = "iso_date")]
    member_created_at: String,
}

pub async fn slug_exists(db: &Db, slug: &str) -> Result<bool> {
    Ok(find_by_slug(db, slug).await?.is_some())
}

/// The organizations `user_id` is a member of, oldest membership first.
pub async fn list_for_user(db: &Db, user_id: &str) -> Result<Vec<Organization>> {
    db.all(
        r#"select o."name", o."slug", o."logo", o."createdAt", o."metadata", o."id"
           from "organization" o
           join "member" m on m."organizationId" = o."id"
           where m."userId" = ?
           order by m."createdAt", o."id""#,
        &[text(user_id)],
    )
    .await
}
