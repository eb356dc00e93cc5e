//! Who may do what in an organization: Better Auth's default statements for
//! the `owner`, `admin` and `member` roles.
//!
//! One deliberate difference from Better Auth: a member holding several
//! roles (`member.role = "admin,member"`) gets the union of their
//! permissions, where Better Auth requires a single role to grant all of a
//! request.

use std::collections::BTreeMap;

/// The roles orgscope knows.
pub const ROLES: [&str; 3] = ["owner", "admin", "member"];

/// The actions each resource has.
const STATEMENTS: &[(&str, &[&str])] = &[
    ("organization", &["update", "delete"]),
    ("member", &["create", "update", "delete"]),
    ("invitation", &["create", "cancel"]),
    ("team", &["create", "update", "delete"]),
    ("ac", &["create", "read", "update", "delete"]),
];

/// Whether `role` alone grants `action` on `resource`.
fn role_grants(role: &str, resource: &str, action: &str) -> bool {
    let exists = STATEMENTS
        .iter()
        .any(|(r, actions)| *r == resource && actions.contains(&action));
    match role {
        "owner" => exists,
        "admin" => exists && !(resource == "organization" && action == "delete"),
        "member" => resource == "ac" && action == "read",
        _ => false,
    }
}

/// Whether any of `roles` grants `action` on `resource`.
pub fn allows<S: AsRef<str>>(roles: &[S], resource: &str, action: &str) -> bool {
    roles
        .iter()
        .any(|role| role_grants(role.as_ref(), resource, action))
}

/// Whether `roles` together grant every action asked for. An unknown
/// resource or an empty list of actions is refused.
pub fn allows_all<S: AsRef<str>>(roles: &[S], asked: &BTreeMap<String, Vec<String>>) -> bool {
    !asked.is_empty()
        && asked.iter().all(|(resource, actions)| {
            !actions.is_empty() && actions.iter().all(|a| allows(roles, resource, a))
        })
}

/// Whether `role` is one orgscope knows.
pub fn is_known_role(role: &str) -> bool {
    ROLES.contains(&role)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(r, a)| (r.to_string(), a.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn owners_may_do_everything() {
        assert!(allows(&["owner"], "organization", "delete"));
        assert!(allows(&["owner"], "invitation", "cancel"));
    }

    #[test]
    fn admins_may_not_delete_the_organization() {
        assert!(allows(&["admin"], "member", "delete"));
        assert!(!allows(&["admin"], "organization", "delete"));
    }

    #[test]
    fn members_may_only_read_access_control() {
        assert!(allows(&["member"], "ac", "read"));
        assert!(!allows(&["member"], "invitation", "create"));
        assert!(!allows(&["member"], "member", "update"));
    }

    #[test]
    fn several_roles_combine() {
        let asked = ask(&[("organization", &["delete"]), ("ac", &["read"])]);
        assert!(allows_all(&["member", "owner"], &asked));
        assert!(!allows_all(&["member", "admin"], &asked));
    }

    #[test]
    fn unknown_resources_and_empty_requests_are_refused() {
        assert!(!allows_all(&["owner"], &ask(&[("billing", &["read"])])));
        assert!(!allows_all(&["owner"], &ask(&[("member", &[])])));
        assert!(!allows_all(&["owner"], &ask(&[])));
        assert!(!allows(&["superuser"], "member", "delete"));
    }
}
