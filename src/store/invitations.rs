//! The `invitation` table (Better Auth's organization plugin).

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use super::{iso_date, opt_text, text, Db, Joined};
use crate::error::Result;

/// An invitation, as Better Auth answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub organization_id: String,
    pub email: String,
    pub role: Option<String>,
    pub status: String,
    #[serde(deserialize_with = "iso_date")]
    pub expires_at: String,
    #[serde(deserialize_with = "iso_date")]
    pub created_at: String,
    pub inviter_id: String,
    pub id: String,
}

const COLUMNS: &str =
    r#""organizationId", "email", "role", "status", "expiresAt", "createdAt", "inviterId", "id""#;

/// Writes a pending invitation unless one for the same email and
/// organization is already pending and unexpired; answers whether it was
/// written. One statement, so of concurrent invitations of one address
/// exactly one is written.
pub async fn insert_unless_pending(db: &Db, invitation: &Invitation) -> Result<bool> {
    let changed = db
        .run(
            r#"insert into "invitation" ("id", "organizationId", "email", "role", "status",
                                         "expiresAt", "createdAt", "inviterId")
               select ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
               where not exists (
                 select 1 from "invitation"
                 where "organizationId" = ?2 and lower("email") = lower(?3)
                   and "status" = 'pending' and "expiresAt" > ?7)"#,
            &[
                text(&invitation.id),
                text(&invitation.organization_id),
                text(&invitation.email),
                opt_text(invitation.role.as_deref()),
                text(&invitation.status),
                text(&invitation.expires_at),
                text(&invitation.created_at),
                text(&invitation.inviter_id),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// An invitation, and the roles in its organization of the user asking
/// (`None` when they are not a member): one statement, whatever the answer.
pub async fn find_for_user(
    db: &Db,
    id: &str,
    user_id: &str,
) -> Result<Option<(Invitation, Option<String>)>> {
    let row: Option<Joined<Invitation, CallerRole>> = db
        .first(
            r#"select i."organizationId", i."email", i."role", i."status", i."expiresAt",
                      i."createdAt", i."inviterId", i."id", m."role" as "callerRole"
               from "invitation" i
               left join "member" m
                 on m."organizationId" = i."organizationId" and m."userId" = ?
               where i."id" = ?"#,
            &[text(user_id), text(id)],
        )
        .await?;
    Ok(row.map(|Joined(invitation, caller)| (invitation, caller.caller_role)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallerRole {
    caller_role: Option<String>,
}

/// Every invitation of an organization, newest first.
pub async fn list(db: &Db, organization_id: &str) -> Result<Vec<Invitation>> {
    let sql = format!(
        r#"select {COLUMNS} from "invitation" where "organizationId" = ?
           order by "createdAt" desc, "id""#
    );
    db.all(&sql, &[text(organization_id)]).await
}

/// The pending, unexpired invitation of `email` to an organization, if any.
pub async fn find_pending(
    db: &Db,
    organization_id: &str,
    email: &str,
    now: &str,
) -> Result<Option<Invitation>> {
    let sql = format!(
        r#"select {COLUMNS} from "invitation"
           where "organizationId" = ? and lower("email") = ? and "status" = 'pending'
             and "expiresAt" > ?
           order by "createdAt" desc limit 1"#
    );
    db.first(&sql, &[text(organization_id), text(email), text(now)])
        .await
}

/// Moves an invitation from `pending` to `status`. The condition on the
/// current status makes two concurrent answers to one invitation resolve to
/// one winner.
pub fn settle(db: &Db, id: &str, status: &str) -> Result<D1PreparedStatement> {
    db.statement(
        r#"update "invitation" set "status" = ? where "id" = ? and "status" = 'pending'"#,
        &[text(status), text(id)],
    )
}

/// Extends a pending invitation (a resend).
pub async fn extend(db: &Db, id: &str, expires_at: &str) -> Result<()> {
    db.run(
        r#"update "invitation" set "expiresAt" = ? where "id" = ? and "status" = 'pending'"#,
        &[text(expires_at), text(id)],
    )
    .await?;
    Ok(())
}

/// A pending invitation addressed to a user, with its organization's name.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationForUser {
    #[serde(flatten)]
    pub invitation: Invitation,
    pub organization_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrganizationName {
    organization_name: String,
}

/// The pending, unexpired invitations addressed to `email`, newest first.
pub async fn list_pending_for_email(
    db: &Db,
    email: &str,
    now: &str,
) -> Result<Vec<InvitationForUser>> {
    let rows: Vec<Joined<Invitation, OrganizationName>> = db
        .all(
            r#"select i."organizationId", i."email", i."role", i."status", i."expiresAt",
                  i."createdAt", i."inviterId", i."id", o."name" as "organizationName"
           from "invitation" i join "organization" o on o."id" = i."organizationId"
           where lower(i."email") = ? and i."status" = 'pending' and i."expiresAt" > ?
           order by i."createdAt" desc"#,
            &[text(email), text(now)],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|Joined(invitation, organization)| InvitationForUser {
            invitation,
            organization_name: organization.organization_name,
        })
        .collect())
}
