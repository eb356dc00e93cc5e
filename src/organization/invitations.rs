//! Invitations: an owner or admin invites an email address with a role;
//! only a user signed in with that email may accept or reject it, once,
//! before it expires (48 hours, extended by a resend).

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use super::{
    access, member_not_found, membership, organization_not_found, parse_role_input, refused,
    require_session, target_organization, RoleInput,
};
use crate::app::App;
use crate::auth::context::parse_roles;
use crate::auth::session::Current;
use crate::auth::validate;
use crate::error::{Error, Result};
use crate::http::{self, AUTH_BODY_LIMIT};
use crate::ids;
use crate::store::invitations::{self, Invitation};
use crate::store::members::{self, Member};
use crate::store::{text, Answer};
use crate::time::{self, HOUR_MS};

/// How long an invitation stays open.
const INVITATION_TTL_MS: i64 = 48 * HOUR_MS;

fn invitation_not_found() -> Error {
    refused(400, "INVITATION_NOT_FOUND", "Invitation not found")
}

fn already_invited() -> Error {
    refused(
        400,
        "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION",
        "User is already invited to this organization",
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InviteBody {
    email: String,
    role: RoleInput,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    resend: bool,
}

/// `POST /organization/invite-member`: needs `invitation:create`; only an
/// owner may invite an owner.
pub async fn invite(req: &mut Request, app: &App) -> Result<Response> {
    let body: InviteBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let email = validate::email("email", &body.email)
        .map_err(|_| refused(400, "INVALID_EMAIL", "email: Invalid email"))?;
    let roles = parse_role_input(&body.role)?;
    let current = require_session(req, app).await?;
    let organization_id = target_organization(body.organization_id, &current)?;
    let caller = membership(app, &organization_id, &current, member_not_found).await?;

    let caller_roles = parse_roles(&caller.role);
    if !access::allows(&caller_roles, "invitation", "create") {
        return Err(refused(
            403,
            "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION",
            "You are not allowed to invite users to this organization",
        ));
    }
    let caller_is_owner = caller_roles.iter().any(|r| r == "owner");
    let owner_role_refused = || {
        refused(
            403,
            "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE",
            "You are not allowed to invite a user with this role",
        )
    };
    if roles.iter().any(|r| r == "owner") && !caller_is_owner {
        return Err(owner_role_refused());
    }
    if members::find_by_email(&app.db, &organization_id, &email)
        .await?
        .is_some()
    {
        return Err(refused(
            400,
            "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION",
            "User is already a member of this organization",
        ));
    }

    let now_ms = time::now_ms();
    let now = time::to_iso(now_ms);
    let expires_at = time::to_iso(now_ms + INVITATION_TTL_MS);
    if let Some(mut pending) =
        invitations::find_pending(&app.db, &organization_id, &email, &now).await?
    {
        if !body.resend {
            return Err(already_invited());
        }
        let invites_owner = pending
            .role
            .as_deref()
            .is_some_and(|r| parse_roles(r).iter().any(|r| r == "owner"));
        if invites_owner && !caller_is_owner {
            return Err(owner_role_refused());
        }
        invitations::extend(&app.db, &pending.id, &expires_at).await?;
        pending.expires_at = expires_at;
        return http::json(200, &pending);
    }

    let invitation = Invitation {
        organization_id,
        email,
        role: Some(roles.join(",")),
        status: "pending".into(),
        expires_at,
        created_at: now,
        inviter_id: current.data.user.id.clone(),
        id: ids::random_id()?,
    };
    if !invitations::insert_unless_pending(&app.db, &invitation).await? {
        // Another request invited the same address since the check above.
        return Err(already_invited());
    }
    http::json(200, &invitation)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvitationBody {
    invitation_id: String,
}

/// An invitation still open to the caller: pending, unexpired (when
/// `check_expiry`) and addressed to the caller's email.
struct Open {
    invitation: Invitation,
    /// Whether the caller is already a member of its organization.
    caller_is_member: bool,
}

/// The invitation `id`, if it is open to the caller, in one round trip.
///
/// An invitation addressed to someone else is refused as Better Auth does
/// (403) only for members of its organization, who can list it anyway; to
/// anyone else it answers like a missing one, so that an invitation id
/// reveals nothing outside its organization.
async fn open_invitation(
    app: &App,
    id: &str,
    current: &Current,
    check_expiry: bool,
) -> Result<Open> {
    let (invitation, caller_role) = invitations::find_for_user(&app.db, id, &current.data.user.id)
        .await?
        .ok_or_else(invitation_not_found)?;
    let expired = check_expiry && crate::store::date_ms(&invitation.expires_at)? <= time::now_ms();
    if invitation.status != "pending" || expired {
        return Err(invitation_not_found());
    }
    let caller_is_member = caller_role.is_some();
    if !invitation
        .email
        .eq_ignore_ascii_case(&current.data.user.email)
    {
        if !caller_is_member {
            return Err(invitation_not_found());
        }
        return Err(refused(
            403,
            "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
            "You are not the recipient of the invitation",
        ));
    }
    Ok(Open {
        invitation,
        caller_is_member,
    })
}

#[derive(Serialize)]
struct Answered {
    invitation: Invitation,
    member: Option<Member>,
}

/// `POST /organization/accept-invitation`: makes the caller a member with
/// the invited roles and switches their session to the organization, in one
/// batch whose first statement claims the invitation.
pub async fn accept(req: &mut Request, app: &App) -> Result<Response> {
    let body: InvitationBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let current = require_session(req, app).await?;
    let Open {
        mut invitation,
        caller_is_member,
    } = open_invitation(app, &body.invitation_id, &current, true).await?;
    let user_id = &current.data.user.id;
    if caller_is_member {
        return Err(refused(
            400,
            "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION",
            "User is already a member of this organization",
        ));
    }

    let now = time::to_iso(time::now_ms());
    let member = Member {
        organization_id: invitation.organization_id.clone(),
        user_id: user_id.clone(),
        role: invitation.role.clone().unwrap_or_else(|| "member".into()),
        created_at: now.clone(),
        id: ids::random_id()?,
    };
    let db = &app.db;
    // Each statement runs only if the one before it changed a row
    // (`changes()` reads the previous statement of this batch): the member
    // is written only by the batch that moved the invitation out of
    // `pending`, and the session switches only if the member was written.
    // Of two concurrent accepts exactly one joins, and a late duplicate
    // changes nothing.
    let join = db.statement(
        r#"insert into "member" ("id", "organizationId", "userId", "role", "createdAt")
           select ?1, ?2, ?3, ?4, ?5
           where changes() = 1
             and not exists (select 1 from "member" where "organizationId" = ?2 and "userId" = ?3)"#,
        &[
            text(&member.id),
            text(&member.organization_id),
            text(&member.user_id),
            text(&member.role),
            text(&member.created_at),
        ],
    )?;
    let switch = db.statement(
        r#"update "session" set "activeOrganizationId" = ?1, "updatedAt" = ?2
           where "token" = ?3 and changes() = 1"#,
        &[
            text(&invitation.organization_id),
            text(&now),
            text(&current.data.session.token),
        ],
    )?;
    let results = db
        .batch(vec![
            invitations::settle(db, &invitation.id, "accepted")?,
            join,
            switch,
        ])
        .await?;
    if results.get(1).map(Answer::changes) != Some(1) {
        return Err(invitation_not_found());
    }
    invitation.status = "accepted".into();
    http::json(
        200,
        &Answered {
            invitation,
            member: Some(member),
        },
    )
}

/// `POST /organization/reject-invitation`.
pub async fn reject(req: &mut Request, app: &App) -> Result<Response> {
    let body: InvitationBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let current = require_session(req, app).await?;
    let mut invitation = open_invitation(app, &body.invitation_id, &current, false)
        .await?
        .invitation;
    let settle = invitations::settle(&app.db, &invitation.id, "rejected")?;
    if app.db.execute(settle).await? != 1 {
        return Err(invitation_not_found());
    }
    invitation.status = "rejected".into();
    http::json(
        200,
        &Answered {
            invitation,
            member: None,
        },
    )
}

/// `POST /organization/cancel-invitation`: needs `invitation:cancel` in the
/// invitation's organization.
pub async fn cancel(req: &mut Request, app: &App) -> Result<Response> {
    let body: InvitationBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let current = require_session(req, app).await?;
    // Outside the organization, an invitation answers as missing, at the
    // same cost.
    let (mut invitation, caller_role) =
        invitations::find_for_user(&app.db, &body.invitation_id, &current.data.user.id)
            .await?
            .filter(|(i, role)| i.status == "pending" && role.is_some())
            .ok_or_else(invitation_not_found)?;
    let caller_role = caller_role.unwrap_or_default();
    if !access::allows(&parse_roles(&caller_role), "invitation", "cancel") {
        return Err(refused(
            403,
            "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION",
            "You are not allowed to cancel this invitation",
        ));
    }
    let settle = invitations::settle(&app.db, &invitation.id, "canceled")?;
    if app.db.execute(settle).await? != 1 {
        return Err(invitation_not_found());
    }
    invitation.status = "canceled".into();
    http::json(200, &invitation)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    organization_id: Option<String>,
}

/// `GET /organization/list-invitations`: an organization's invitations, for
/// members who may invite.
pub async fn list(req: &mut Request, app: &App) -> Result<Response> {
    let query: ListQuery = http::parse_query(crate::app::query(req).as_deref())?;
    let current = require_session(req, app).await?;
    let organization_id = target_organization(query.organization_id, &current)?;
    let caller = membership(app, &organization_id, &current, organization_not_found).await?;
    if !access::allows(&parse_roles(&caller.role), "invitation", "create") {
        return Err(refused(
            403,
            "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS",
            "You are not allowed to list invitations for this organization",
        ));
    }
    http::json(200, &invitations::list(&app.db, &organization_id).await?)
}

/// `GET /organization/list-user-invitations`: the pending invitations
/// addressed to the caller's email, with the inviting organization's name.
pub async fn list_for_user(req: &mut Request, app: &App) -> Result<Response> {
    let current = require_session(req, app).await?;
    let now = time::to_iso(time::now_ms());
    let found =
        invitations::list_pending_for_email(&app.db, &current.data.user.email, &now).await?;
    http::json(200, &found)
}
