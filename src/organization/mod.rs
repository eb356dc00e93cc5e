//! Better Auth's organization plugin: organizations, members, invitations
//! and roles, under `/api/auth/organization/`.
//!
//! Where Better Auth answers "not a member of that organization" and "no
//! such organization" differently, orgscope answers both alike, so that an
//! organization id reveals nothing to someone outside it.

pub mod access;
pub mod invitations;
pub mod members;
pub mod organizations;

use serde::Deserialize;
use worker::Request;

use crate::app::App;
use crate::auth::session::{self, Current, Lookup};
use crate::error::{Error, Result};
use crate::store::members::Member;

/// The caller's live session, or 401.
async fn require_session(req: &Request, app: &App) -> Result<Box<Current>> {
    match session::lookup(req, app).await? {
        Lookup::Live(current) => Ok(current),
        Lookup::Anonymous | Lookup::Ended => Err(Error::Unauthorized),
    }
}

/// A refusal with Better Auth's code.
fn refused(status: u16, code: &'static str, message: &str) -> Error {
    Error::Refused {
        status,
        code,
        message: message.to_string(),
    }
}

fn organization_not_found() -> Error {
    refused(400, "ORGANIZATION_NOT_FOUND", "Organization not found")
}

fn member_not_found() -> Error {
    refused(400, "MEMBER_NOT_FOUND", "Member not found")
}

/// The organization a request is about: the one it names, else the
/// session's active organization.
fn target_organization(requested: Option<String>, current: &Current) -> Result<String> {
    requested
        .filter(|id| !id.is_empty())
        .or_else(|| current.data.session.active_organization_id.clone())
        .ok_or_else(|| refused(400, "NO_ACTIVE_ORGANIZATION", "No active organization"))
}

/// The caller's membership in `organization_id`; `not_member` when there is
/// none (whether or not the organization exists).
async fn membership(
    app: &App,
    organization_id: &str,
    current: &Current,
    not_member: fn() -> Error,
) -> Result<Member> {
    crate::store::members::find_for_user(&app.db, organization_id, &current.data.user.id)
        .await?
        .ok_or_else(not_member)
}

/// Roles asked for in a body: one string (possibly comma-joined) or a list.
enum RoleInput {
    One(String),
    Many(Vec<String>),
}

/// Read by hand rather than as `#[serde(untagged)]`, whose buffering
/// deserializer is a sizeable part of the wasm bundle.
impl<'de> Deserialize<'de> for RoleInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let refused = || serde::de::Error::custom("expected a role name or a list of role names");
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(role) => Ok(RoleInput::One(role)),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    serde_json::Value::String(role) => Ok(role),
                    _ => Err(refused()),
                })
                .collect::<Result<_, _>>()
                .map(RoleInput::Many),
            _ => Err(refused()),
        }
    }
}

/// Parses and checks requested roles; answers them comma-joined.
fn parse_role_input(input: &RoleInput) -> Result<Vec<String>> {
    let roles: Vec<String> = match input {
        RoleInput::One(role) => crate::auth::context::parse_roles(role),
        RoleInput::Many(list) => list
            .iter()
            .flat_map(|r| crate::auth::context::parse_roles(r))
            .collect(),
    };
    if roles.is_empty() {
        return Err(Error::invalid("role", "at least one role is required"));
    }
    if let Some(unknown) = roles.iter().find(|r| !access::is_known_role(r)) {
        return Err(Error::Refused {
            status: 400,
            code: "ROLE_NOT_FOUND",
            message: format!("role: unknown role {unknown:?}; roles are owner, admin and member"),
        });
    }
    let mut unique: Vec<String> = Vec::new();
    for role in roles {
        if !unique.contains(&role) {
            unique.push(role);
        }
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_strings_and_lists() {
        let one = parse_role_input(&RoleInput::One("admin, member".into())).unwrap();
        assert_eq!(one, vec!["admin", "member"]);
        let many =
            parse_role_input(&RoleInput::Many(vec!["owner".into(), "owner".into()])).unwrap();
        assert_eq!(many, vec!["owner"]);
    }

    #[test]
    fn unknown_and_empty_roles_are_refused() {
        let unknown = parse_role_input(&RoleInput::One("root".into())).unwrap_err();
        assert_eq!(unknown.code(), "ROLE_NOT_FOUND");
        let empty = parse_role_input(&RoleInput::Many(vec![])).unwrap_err();
        assert_eq!(empty.code(), "VALIDATION_ERROR");
    }
}
