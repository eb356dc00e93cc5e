//! The [`AuthContext`]: who is calling, and in which organization. Built
//! here, and only here, from the caller's session; every protected handler
//! and tool receives it explicitly, inside its request struct.

use serde::Serialize;
use worker::Request;

use super::session::{self, Lookup};
use crate::app::App;
use crate::error::{Error, Result};

/// The authenticated caller.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthContext {
    pub user_id: String,
    pub email: String,
    /// The organization every query of this request is bound to.
    pub org_id: String,
    /// The caller's roles in that organization (`member.role`, split at
    /// commas).
    pub roles: Vec<String>,
    #[serde(skip)]
    _sealed: Sealed,
}

/// Private to this module: no other code can build an [`AuthContext`].
#[derive(Debug, Clone)]
struct Sealed;

impl AuthContext {
    /// Whether the caller holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// A context for host unit tests, which have no session to read.
    #[cfg(test)]
    pub fn for_tests(user_id: &str, org_id: &str, roles: &[&str]) -> AuthContext {
        AuthContext {
            user_id: user_id.into(),
            email: format!("{user_id}@example.com"),
            org_id: org_id.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            _sealed: Sealed,
        }
    }
}

/// Splits a stored `member.role` into its roles.
pub fn parse_roles(role: &str) -> Vec<String> {
    role.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// Authenticates the request: one D1 round trip reads the session, its user
/// and the membership that picks the organization (the session's active
/// organization while the user is still a member of it, else their most
/// recent membership).
///
/// Refusals: 401 `UNAUTHORIZED` with no valid session (an expired one is
/// deleted); 403 when the user belongs to no organization.
pub async fn authenticate(req: &Request, app: &App) -> Result<AuthContext> {
    let current = match session::lookup(req, app).await? {
        Lookup::Live(current) => current,
        Lookup::Anonymous | Lookup::Ended => return Err(Error::Unauthorized),
    };
    let (org_id, role) = current.data.membership.ok_or(Error::NoMembership)?;
    Ok(AuthContext {
        user_id: current.data.user.id,
        email: current.data.user.email,
        org_id,
        roles: parse_roles(&role),
        _sealed: Sealed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_split_at_commas() {
        assert_eq!(parse_roles("admin, member"), vec!["admin", "member"]);
        assert_eq!(parse_roles("owner"), vec!["owner"]);
        assert!(parse_roles(" , ").is_empty());
    }

    #[test]
    fn the_context_serializes_without_its_seal() {
        let ctx = AuthContext::for_tests("u1", "o1", &["owner"]);
        let json = serde_json::to_value(&ctx).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"userId": "u1", "email": "u1@example.com", "orgId": "o1", "roles": ["owner"]})
        );
    }
}
