//! The `session` table (Better Auth's, with the organization plugin's
//! `activeOrganizationId`).

use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

use super::users::User;
use super::{bool_from_int, iso_date, opt_text, text, Db, Joined};
use crate::error::Result;

/// A session, as Better Auth answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    #[serde(deserialize_with = "iso_date")]
    pub expires_at: String,
    pub token: String,
    #[serde(deserialize_with = "iso_date")]
    pub created_at: String,
    #[serde(deserialize_with = "iso_date")]
    pub updated_at: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub user_id: String,
    pub active_organization_id: Option<String>,
    pub id: String,
}

/// A session with its user and the membership that decides the caller's
/// organization: the active organization when the user is still a member of
/// it, else their most recent membership.
#[derive(Debug, Clone)]
pub struct SessionWithUser {
    pub session: Session,
    pub user: User,
    /// `(organizationId, role)` of the chosen membership, if any.
    pub membership: Option<(String, String)>,
}

/// The columns [`find`] reads besides the session's: those of `user`
/// carry a `u_` prefix, those of the membership `m_`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    u_name: String,
    u_email: String,
    #[serde(deserialize_with = "bool_from_int")]
    u_email_verified: bool,
    u_image: Option<String>,
    #[serde(deserialize_with = "iso_date")]
    u_created_at: String,
    #[serde(deserialize_with = "iso_date")]
    u_updated_at: String,
    m_organization_id: Option<String>,
    m_role: Option<String>,
}

/// Loads a session by token, with its user and chosen membership, in one
/// round trip.
pub async fn find(db: &Db, token: &str) -> Result<Option<SessionWithUser>> {
    let row: Option<Joined<Session, Row>> = db
        .first(
            r#"select s."expiresAt", s."token", s."createdAt", s."updatedAt", s."ipAddress",
                      s."userAgent", s."userId", s."activeOrganizationId", s."id",
                      u."name" as "uName", u."email" as "uEmail",
                      u."emailVerified" as "uEmailVerified", u."image" as "uImage",
                      u."createdAt" as "uCreatedAt", u."updatedAt" as "uUpdatedAt",
                      m."organizationId" as "mOrganizationId", m."role" as "mRole"
               from "session" s
               join "user" u on u."id" = s."userId"
               left join "member" m on m."userId" = s."userId"
               where s."token" = ?
               order by (m."organizationId" = s."activeOrganizationId") desc,
                        m."createdAt" desc, m."id" desc
               limit 1"#,
            &[text(token)],
        )
        .await?;
    Ok(row.map(|Joined(session, row)| {
        let user = User {
            name: row.u_name,
            email: row.u_email,
            email_verified: row.u_email_verified,
            image: row.u_image,
            created_at: row.u_created_at,
            updated_at: row.u_updated_at,
            id: session.user_id.clone(),
        };
        let membership = row.m_organization_id.zip(row.m_role);
        SessionWithUser {
            session,
            user,
            membership,
        }
    }))
}

/// What a new session row needs.
pub struct NewSession {
    pub id: String,
    pub token: String,
    pub user_id: String,
    pub expires_at: String,
    pub now: String,
    pub ip_address: String,
    pub user_agent: String,
}

/// Inserts a session whose active organization is `organization_id`.
pub fn insert(
    db: &Db,
    session: &NewSession,
    organization_id: Option<&str>,
) -> Result<D1PreparedStatement> {
    db.statement(
        r#"insert into "session" ("id", "expiresAt", "token", "createdAt", "updatedAt",
                                  "ipAddress", "userAgent", "userId", "activeOrganizationId")
           values (?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
        &[
            text(&session.id),
            text(&session.expires_at),
            text(&session.token),
            text(&session.now),
            text(&session.now),
            text(&session.ip_address),
            text(&session.user_agent),
            text(&session.user_id),
            opt_text(organization_id),
        ],
    )
}

/// Inserts a session whose active organization is the user's most recent
/// membership, so a fresh session already has an organization.
pub fn insert_with_latest_organization(
    db: &Db,
    session: &NewSession,
) -> Result<D1PreparedStatement> {
    db.statement(
        r#"insert into "session" ("id", "expiresAt", "token", "createdAt", "updatedAt",
                                  "ipAddress", "userAgent", "userId", "activeOrganizationId")
           values (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7,
                   (select "organizationId" from "member" where "userId" = ?7
                    order by "createdAt" desc, "id" desc limit 1))"#,
        &[
            text(&session.id),
            text(&session.expires_at),
            text(&session.token),
            text(&session.now),
            text(&session.ip_address),
            text(&session.user_agent),
            text(&session.user_id),
        ],
    )
}

/// Deletes the session with this token.
pub async fn delete(db: &Db, token: &str) -> Result<()> {
    db.run(r#"delete from "session" where "token" = ?"#, &[text(token)])
        .await?;
    Ok(())
}

/// Moves a session's expiry (the `updateAge` refresh).
pub async fn extend(db: &Db, token: &str, expires_at: &str, now: &str) -> Result<bool> {
    let changed = db
        .run(
            r#"update "session" set "expiresAt" = ?, "updatedAt" = ? where "token" = ?"#,
            &[text(expires_at), text(now), text(token)],
        )
        .await?;
    Ok(changed == 1)
}

/// Sets (or clears) a session's active organization.
pub fn set_active_organization(
    db: &Db,
    token: &str,
    organization_id: Option<&str>,
    now: &str,
) -> Result<D1PreparedStatement> {
    db.statement(
        r#"update "session" set "activeOrganizationId" = ?, "updatedAt" = ? where "token" = ?"#,
        &[opt_text(organization_id), text(now), text(token)],
    )
}

/// Clears the active organization of every session of `user_id` that has
/// `organization_id` active (after the user left or was removed).
pub fn clear_active_organization(
    db: &Db,
    user_id: &str,
    organization_id: &str,
) -> Result<D1PreparedStatement> {
    db.statement(
        r#"update "session" set "activeOrganizationId" = null
           where "userId" = ? and "activeOrganizationId" = ?"#,
        &[text(user_id), text(organization_id)],
    )
}
