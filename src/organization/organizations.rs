//! Creating, listing, switching and reading organizations, and checking
//! permissions in one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use super::{
    access, membership, organization_not_found, refused, require_session, target_organization,
};
use crate::app::App;
use crate::auth::context::parse_roles;
use crate::auth::validate;
use crate::error::{Error, Result};
use crate::http::{self, AUTH_BODY_LIMIT};
use crate::ids;
use crate::store::members::{Member, MemberWithUser};
use crate::store::organizations::{self, Organization, OrganizationKey};
use crate::store::{invitations, members, sessions};
use crate::time;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    slug: String,
    #[serde(default)]
    logo: Option<String>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    keep_current_active_organization: bool,
}

#[derive(Serialize)]
struct Created {
    #[serde(flatten)]
    organization: Organization,
    members: Vec<Member>,
}

/// `POST /organization/create`: the organization, the caller as its owner,
/// and (unless kept) the session switched to it, in one atomic batch.
pub async fn create(req: &mut Request, app: &App) -> Result<Response> {
    let body: CreateBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let name = validate::name("name", &body.name)?.to_string();
    let slug = validate::slug("slug", &body.slug)?;
    let logo = validate::optional_url("logo", body.logo.as_deref())?;
    let current = require_session(req, app).await?;

    let now = time::to_iso(time::now_ms());
    let metadata = body
        .metadata
        .as_ref()
        .map(|m| serde_json::to_string(m).map_err(|e| Error::Corrupt(e.to_string())))
        .transpose()?;
    let organization = Organization {
        name,
        slug,
        logo,
        created_at: now.clone(),
        metadata,
        id: ids::random_id()?,
    };
    let owner = Member {
        organization_id: organization.id.clone(),
        user_id: current.data.user.id.clone(),
        role: "owner".into(),
        created_at: now.clone(),
        id: ids::random_id()?,
    };

    let db = &app.db;
    let mut statements = vec![
        organizations::insert(db, &organization)?,
        members::insert(db, &owner)?,
    ];
    if !body.keep_current_active_organization {
        statements.push(sessions::set_active_organization(
            db,
            &current.data.session.token,
            Some(&organization.id),
            &now,
        )?);
    }
    if let Err(error) = db.batch(statements).await {
        if organizations::slug_exists(db, &organization.slug).await? {
            return Err(refused(
                400,
                "ORGANIZATION_ALREADY_EXISTS",
                "Organization already exists",
            ));
        }
        return Err(error);
    }

    // Better Auth answers the metadata parsed here (and as text elsewhere).
    let mut answer = serde_json::to_value(Created {
        organization,
        members: vec![owner],
    })
    .map_err(|e| Error::Corrupt(e.to_string()))?;
    if let Some(object) = answer.as_object_mut() {
        match body.metadata {
            Some(metadata) => object.insert("metadata".into(), metadata.into()),
            None => object.remove("metadata"),
        };
    }
    http::json(200, &answer)
}

/// `GET /organization/list`: the caller's organizations.
pub async fn list(req: &mut Request, app: &App) -> Result<Response> {
    let current = require_session(req, app).await?;
    let found = organizations::list_for_user(&app.db, &current.data.user.id).await?;
    http::json(200, &found)
}

/// `POST /organization/set-active`: switches the session's organization
/// (`organizationId: null` clears it). The next request's context uses it.
pub async fn set_active(req: &mut Request, app: &App) -> Result<Response> {
    let body: serde_json::Map<String, serde_json::Value> =
        http::read_json(req, AUTH_BODY_LIMIT).await?;
    let current = require_session(req, app).await?;
    let token = current.data.session.token.clone();
    let now = time::to_iso(time::now_ms());

    let key = match (body.get("organizationId"), body.get("organizationSlug")) {
        (Some(serde_json::Value::Null), _) => None,
        (Some(serde_json::Value::String(id)), _) => Some(OrganizationKey::Id(id)),
        (Some(_), _) => return Err(Error::invalid("organizationId", "must be a string or null")),
        (None, Some(serde_json::Value::String(slug))) => Some(OrganizationKey::Slug(slug)),
        (None, Some(_)) => return Err(Error::invalid("organizationSlug", "must be a string")),
        (None, None) => match &current.data.session.active_organization_id {
            Some(id) => organizations::find(&app.db, id)
                .await?
                .map(|_| OrganizationKey::Id(id)),
            None => None,
        },
    };

    let Some(key) = key else {
        let clear = sessions::set_active_organization(&app.db, &token, None, &now)?;
        app.db.execute(clear).await?;
        return http::json(200, &());
    };
    let (organization, _) = organizations::find_as_member(&app.db, key, &current.data.user.id)
        .await?
        .ok_or_else(organization_not_found)?;
    let switch = sessions::set_active_organization(&app.db, &token, Some(&organization.id), &now)?;
    app.db.execute(switch).await?;
    http::json(200, &organization)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FullQuery {
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    organization_slug: Option<String>,
}

#[derive(Serialize)]
struct FullOrganization {
    #[serde(flatten)]
    organization: Organization,
    invitations: Vec<invitations::Invitation>,
    members: Vec<MemberWithUser>,
}

/// `GET /organization/get-full-organization`: the organization with its
/// members and, for those who may invite, its invitations.
pub async fn get_full(req: &mut Request, app: &App) -> Result<Response> {
    let query: FullQuery = http::parse_query(crate::app::query(req).as_deref())?;
    let current = require_session(req, app).await?;
    let key = match (&query.organization_slug, &query.organization_id) {
        (Some(slug), _) => OrganizationKey::Slug(slug),
        (None, Some(id)) => OrganizationKey::Id(id),
        (None, None) => match &current.data.session.active_organization_id {
            Some(id) => OrganizationKey::Id(id),
            None => return http::json(200, &()),
        },
    };
    let (organization, caller) = organizations::find_as_member(&app.db, key, &current.data.user.id)
        .await?
        .ok_or_else(organization_not_found)?;
    let roles = parse_roles(&caller.role);

    let members = members::list(&app.db, &organization.id, 100, 0).await?;
    let invitations = if access::allows(&roles, "invitation", "create") {
        let is_owner = roles.iter().any(|r| r == "owner");
        invitations::list(&app.db, &organization.id)
            .await?
            .into_iter()
            .filter(|i| {
                is_owner
                    || !i
                        .role
                        .as_deref()
                        .is_some_and(|r| parse_roles(r).iter().any(|r| r == "owner"))
            })
            .collect()
    } else {
        Vec::new()
    };
    http::json(
        200,
        &FullOrganization {
            organization,
            invitations,
            members,
        },
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HasPermissionBody {
    permissions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    organization_id: Option<String>,
}

/// `POST /organization/has-permission`: whether the caller's roles in the
/// organization (combined) grant every action asked for.
pub async fn has_permission(req: &mut Request, app: &App) -> Result<Response> {
    let body: HasPermissionBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let current = require_session(req, app).await?;
    let organization_id = target_organization(body.organization_id, &current)?;
    let caller = membership(app, &organization_id, &current, organization_not_found).await?;
    let success = access::allows_all(&parse_roles(&caller.role), &body.permissions);
    http::json(
        200,
        &serde_json::json!({ "error": null, "success": success }),
    )
}
