//! Listing, removing and re-roling members, and leaving an organization.
//! An organization never loses its last owner: the statements that remove or
//! demote an owner carry the check themselves, so two concurrent requests
//! cannot each remove "the other" owner.

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use super::{
    access, member_not_found, membership, organization_not_found, parse_role_input, refused,
    require_session, target_organization, RoleInput,
};
use crate::app::App;
use crate::auth::context::parse_roles;
use crate::error::{Error, Result};
use crate::http::{self, AUTH_BODY_LIMIT};
use crate::store::members::{self, Member, MemberWithUser};
use crate::store::sessions;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    offset: Option<String>,
}

#[derive(Serialize)]
struct MemberPage {
    members: Vec<MemberWithUser>,
    total: i64,
}

/// `GET /organization/list-members`: `{members, total}`, paginated by
/// `limit` (at most 100) and `offset`.
pub async fn list(req: &mut Request, app: &App) -> Result<Response> {
    let query: ListQuery = http::parse_query(crate::app::query(req).as_deref())?;
    let limit = parse_count("limit", query.limit.as_deref(), 100)?.clamp(1, 100);
    let offset = parse_count("offset", query.offset.as_deref(), 0)?;
    let current = require_session(req, app).await?;
    let organization_id = target_organization(query.organization_id, &current)?;
    membership(app, &organization_id, &current, organization_not_found).await?;

    let members = members::list(&app.db, &organization_id, limit, offset).await?;
    let total = members::count(&app.db, &organization_id).await?;
    http::json(200, &MemberPage { members, total })
}

fn parse_count(field: &str, value: Option<&str>, default: i64) -> Result<i64> {
    match value {
        None | Some("") => Ok(default),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| Error::invalid(field, "must be a non-negative integer")),
    }
}

fn holds_owner(role: &str) -> bool {
    parse_roles(role).iter().any(|r| r == "owner")
}

fn last_owner() -> Error {
    refused(
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
        "You cannot leave the organization as the only owner",
    )
}

/// Deletes `member` (keeping an owner when it is one) and clears its
/// sessions' active organization, in one batch.
async fn delete_member(app: &App, member: &Member) -> Result<()> {
    let deleted = members::delete(&app.db, member, holds_owner(&member.role)).await?;
    if !deleted {
        return Err(last_owner());
    }
    let clear =
        sessions::clear_active_organization(&app.db, &member.user_id, &member.organization_id)?;
    app.db.execute(clear).await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveBody {
    member_id_or_email: String,
    #[serde(default)]
    organization_id: Option<String>,
}

/// `POST /organization/remove-member`: by member id or email. Needs
/// `member:delete`; only an owner may remove an owner, and never the last.
pub async fn remove(req: &mut Request, app: &App) -> Result<Response> {
    let body: RemoveBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let current = require_session(req, app).await?;
    let organization_id = target_organization(body.organization_id, &current)?;
    let caller = membership(app, &organization_id, &current, member_not_found).await?;

    let key = body.member_id_or_email.trim();
    let target = if key.contains('@') {
        let email = crate::auth::validate::lowercase(key);
        members::find_by_email(&app.db, &organization_id, &email).await?
    } else {
        members::find_in_organization(&app.db, &organization_id, key).await?
    };
    let target = target.ok_or_else(member_not_found)?;

    let caller_roles = parse_roles(&caller.role);
    let not_allowed = || {
        refused(
            403,
            "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
            "You are not allowed to delete this member",
        )
    };
    if holds_owner(&target.member.role) && !caller_roles.iter().any(|r| r == "owner") {
        return Err(not_allowed());
    }
    if !access::allows(&caller_roles, "member", "delete") {
        return Err(not_allowed());
    }
    delete_member(app, &target.member).await?;
    http::json(200, &serde_json::json!({ "member": target.member }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateRoleBody {
    member_id: String,
    role: RoleInput,
    #[serde(default)]
    organization_id: Option<String>,
}

/// `POST /organization/update-member-role`: needs `member:update`; only an
/// owner may grant `owner` or change an owner, and the last owner keeps it.
pub async fn update_role(req: &mut Request, app: &App) -> Result<Response> {
    let body: UpdateRoleBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let roles = parse_role_input(&body.role)?;
    let current = require_session(req, app).await?;
    let organization_id = target_organization(body.organization_id, &current)?;
    let caller = membership(app, &organization_id, &current, member_not_found).await?;
    let target = members::find_in_organization(&app.db, &organization_id, &body.member_id)
        .await?
        .ok_or_else(member_not_found)?;

    let caller_roles = parse_roles(&caller.role);
    let caller_is_owner = caller_roles.iter().any(|r| r == "owner");
    let target_is_owner = holds_owner(&target.member.role);
    let grants_owner = roles.iter().any(|r| r == "owner");
    let not_allowed = || {
        refused(
            403,
            "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
            "You are not allowed to update this member",
        )
    };
    if (target_is_owner || grants_owner) && !caller_is_owner {
        return Err(not_allowed());
    }
    if !access::allows(&caller_roles, "member", "update") {
        return Err(not_allowed());
    }

    let role = roles.join(",");
    let demotes_owner = target_is_owner && !grants_owner;
    if !members::update_role(&app.db, &target.member, &role, demotes_owner).await? {
        return Err(refused(
            400,
            "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER",
            "You cannot leave the organization without an owner",
        ));
    }
    let mut updated = target.member;
    updated.role = role;
    http::json(200, &updated)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeaveBody {
    organization_id: String,
}

/// `POST /organization/leave`: the caller leaves; the last owner may not.
pub async fn leave(req: &mut Request, app: &App) -> Result<Response> {
    let body: LeaveBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let current = require_session(req, app).await?;
    let caller = membership(app, &body.organization_id, &current, member_not_found).await?;
    delete_member(app, &caller).await?;
    let answer = MemberWithUser {
        member: caller,
        user: crate::store::users::UserSummary {
            id: current.data.user.id.clone(),
            name: current.data.user.name.clone(),
            email: current.data.user.email.clone(),
            image: current.data.user.image.clone(),
        },
    };
    http::json(200, &answer)
}
