//! The `member` table (Better Auth's organization plugin): who belongs to
//! which organization, with which roles (comma-joined in `role`).

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use super::users::UserSummary;
use super::{int, iso_date, text, Db, Joined};
use crate::error::Result;

/// A membership, as Better Auth answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub organization_id: String,
    pub user_id: String,
    pub role: String,
    #[serde(deserialize_with = "iso_date")]
    pub created_at: String,
    pub id: String,
}

/// A membership with the member's user.
#[derive(Debug, Clone, Serialize)]
pub struct MemberWithUser {
    #[serde(flatten)]
    pub member: Member,
    pub user: UserSummary,
}

/// The user columns of a member row, `u_` prefixed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserColumns {
    u_name: String,
    u_email: String,
    u_image: Option<String>,
}

type MemberUserRow = Joined<Member, UserColumns>;

impl From<MemberUserRow> for MemberWithUser {
    fn from(Joined(member, user): MemberUserRow) -> Self {
        let user = UserSummary {
            id: member.user_id.clone(),
            name: user.u_name,
            email: user.u_email,
            image: user.u_image,
        };
        MemberWithUser { member, user }
    }
}

const WITH_USER: &str = r#"select m."organizationId", m."userId", m."role", m."createdAt", m."id",
                                  u."name" as "uName", u."email" as "uEmail", u."image" as "uImage"
                           from "member" m join "user" u on u."id" = m."userId""#;

pub fn insert(db: &Db, member: &Member) -> Result<D1PreparedStatement> {
    db.statement(
        r#"insert into "member" ("id", "organizationId", "userId", "role", "createdAt")
           values (?, ?, ?, ?, ?)"#,
        &[
            text(&member.id),
            text(&member.organization_id),
            text(&member.user_id),
            text(&member.role),
            text(&member.created_at),
        ],
    )
}

/// The membership of `user_id` in `organization_id`.
pub async fn find_for_user(
    db: &Db,
    organization_id: &str,
    user_id: &str,
) -> Result<Option<Member>> {
    db.first(
        r#"select "organizationId", "userId", "role", "createdAt", "id" from "member"
           where "organizationId" = ? and "userId" = ?"#,
        &[text(organization_id), text(user_id)],
    )
    .await
}

/// A membership of `organization_id` by its id.
pub async fn find_in_organization(
    db: &Db,
    organization_id: &str,
    member_id: &str,
) -> Result<Option<MemberWithUser>> {
    let sql = format!(r#"{WITH_USER} where m."organizationId" = ? and m."id" = ?"#);
    let row: Option<MemberUserRow> = db
        .first(&sql, &[text(organization_id), text(member_id)])
        .await?;
    Ok(row.map(MemberWithUser::from))
}

/// A membership of `organization_id` by the member's (lowercased) email.
pub async fn find_by_email(
    db: &Db,
    organization_id: &str,
    email: &str,
) -> Result<Option<MemberWithUser>> {
    let sql = format!(r#"{WITH_USER} where m."organizationId" = ? and u."email" = ?"#);
    let row: Option<MemberUserRow> = db
        .first(&sql, &[text(organization_id), text(email)])
        .await?;
    Ok(row.map(MemberWithUser::from))
}

/// Members of an organization with their users, oldest first, paginated.
pub async fn list(
    db: &Db,
    organization_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<MemberWithUser>> {
    let sql = format!(
        r#"{WITH_USER} where m."organizationId" = ? order by m."createdAt", m."id" limit ? offset ?"#
    );
    let rows: Vec<MemberUserRow> = db
        .all(&sql, &[text(organization_id), int(limit), int(offset)])
        .await?;
    Ok(rows.into_iter().map(MemberWithUser::from).collect())
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// How many members an organization has.
pub async fn count(db: &Db, organization_id: &str) -> Result<i64> {
    let row: Option<Count> = db
        .first(
            r#"select count(*) as "n" from "member" where "organizationId" = ?"#,
            &[text(organization_id)],
        )
        .await?;
    Ok(row.map_or(0, |c| c.n as i64))
}

/// SQL that is true when the organization bound to the first `?` would
/// keep at least one owner other than the member bound to the second `?`.
/// Used as a guard inside the statement that removes or demotes, so the
/// check and the change cannot be separated by a concurrent request.
const ANOTHER_OWNER_REMAINS: &str = r#"exists (
    select 1 from "member" o
    where o."organizationId" = ? and o."id" != ?
      and (',' || replace(o."role", ' ', '') || ',') like '%,owner,%')"#;

/// Deletes a membership unless it is the organization's last owner (when
/// `keep_an_owner`). Answers whether a row was deleted.
pub async fn delete(db: &Db, member: &Member, keep_an_owner: bool) -> Result<bool> {
    let guard = if keep_an_owner {
        format!("and {ANOTHER_OWNER_REMAINS}")
    } else {
        String::new()
    };
    let sql = format!(r#"delete from "member" where "id" = ? {guard}"#);
    let mut params = vec![text(&member.id)];
    if keep_an_owner {
        params.extend([text(&member.organization_id), text(&member.id)]);
    }
    Ok(db.run(&sql, &params).await? == 1)
}

/// Sets a membership's roles, unless that would leave the organization
/// without an owner (when `keep_an_owner`). Answers whether it changed.
pub async fn update_role(
    db: &Db,
    member: &Member,
    role: &str,
    keep_an_owner: bool,
) -> Result<bool> {
    let guard = if keep_an_owner {
        format!("and {ANOTHER_OWNER_REMAINS}")
    } else {
        String::new()
    };
    let sql = format!(r#"update "member" set "role" = ? where "id" = ? {guard}"#);
    let mut params = vec![text(role), text(&member.id)];
    if keep_an_owner {
        params.extend([text(&member.organization_id), text(&member.id)]);
    }
    Ok(db.run(&sql, &params).await? == 1)
}
