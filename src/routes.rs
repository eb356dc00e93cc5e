//! The route table: which named function answers each path and method, and
//! the checks every request passes first (method, origin).

use worker::{Method, Request, Response};

use crate::app::{self, App};
use crate::auth::{self, endpoints as auth_endpoints, origin};
use crate::error::{Error, Result};
use crate::http;
use crate::organization::{invitations, members, organizations};
use crate::tools;

/// Every route orgscope answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Health,
    Whoami,
    SignUp,
    SignIn,
    SignOut,
    GetSession,
    CreateOrganization,
    ListOrganizations,
    SetActiveOrganization,
    GetFullOrganization,
    HasPermission,
    ListMembers,
    RemoveMember,
    UpdateMemberRole,
    LeaveOrganization,
    InviteMember,
    AcceptInvitation,
    RejectInvitation,
    CancelInvitation,
    ListInvitations,
    ListUserInvitations,
    ListTools,
    CallTool,
    Mcp,
}

impl Route {
    fn resolve(path: &str) -> Option<Route> {
        let route = match path {
            "/health" => Route::Health,
            "/api/whoami" => Route::Whoami,
            "/api/auth/sign-up/email" => Route::SignUp,
            "/api/auth/sign-in/email" => Route::SignIn,
            "/api/auth/sign-out" => Route::SignOut,
            "/api/auth/get-session" => Route::GetSession,
            "/api/tools" => Route::ListTools,
            "/mcp" => Route::Mcp,
            _ if path.starts_with("/api/tools/") => Route::CallTool,
            _ => return Self::resolve_organization(path.strip_prefix("/api/auth/organization/")?),
        };
        Some(route)
    }

    fn resolve_organization(action: &str) -> Option<Route> {
        let route = match action {
            "create" => Route::CreateOrganization,
            "list" => Route::ListOrganizations,
            "set-active" => Route::SetActiveOrganization,
            "get-full-organization" => Route::GetFullOrganization,
            "has-permission" => Route::HasPermission,
            "list-members" => Route::ListMembers,
            "remove-member" => Route::RemoveMember,
            "update-member-role" => Route::UpdateMemberRole,
            "leave" => Route::LeaveOrganization,
            "invite-member" => Route::InviteMember,
            "accept-invitation" => Route::AcceptInvitation,
            "reject-invitation" => Route::RejectInvitation,
            "cancel-invitation" => Route::CancelInvitation,
            "list-invitations" => Route::ListInvitations,
            "list-user-invitations" => Route::ListUserInvitations,
            _ => return None,
        };
        Some(route)
    }

    fn method(self) -> Method {
        match self {
            Route::Health
            | Route::Whoami
            | Route::GetSession
            | Route::ListOrganizations
            | Route::GetFullOrganization
            | Route::ListMembers
            | Route::ListInvitations
            | Route::ListUserInvitations
            | Route::ListTools => Method::Get,
            Route::SignUp
            | Route::SignIn
            | Route::SignOut
            | Route::CreateOrganization
            | Route::SetActiveOrganization
            | Route::HasPermission
            | Route::RemoveMember
            | Route::UpdateMemberRole
            | Route::LeaveOrganization
            | Route::InviteMember
            | Route::AcceptInvitation
            | Route::RejectInvitation
            | Route::CancelInvitation
            | Route::CallTool
            | Route::Mcp => Method::Post,
        }
    }

    /// The `Allow` header of a 405 answer: a GET route answers HEAD too.
    fn allow(self) -> &'static str {
        match self.method() {
            Method::Get => "GET, HEAD",
            _ => "POST",
        }
    }

    /// Sign-in and sign-up get the stricter login origin check.
    fn is_login(self) -> bool {
        matches!(self, Route::SignUp | Route::SignIn)
    }
}

/// Answers one request, or the error that refuses it.
pub async fn dispatch(mut req: Request, app: &App) -> Result<Response> {
    let route = Route::resolve(&req.path()).ok_or(Error::NotFound("route"))?;
    let method = req.method();
    let head_of_get = method == Method::Head && route.method() == Method::Get;
    if method != route.method() && !head_of_get {
        return Err(Error::MethodNotAllowed {
            method: method.to_string(),
            allowed: route.allow(),
        });
    }
    if route == Route::Health {
        return http::json(200, &serde_json::json!({ "status": "ok" }));
    }

    check_origin(&req, app, route)?;
    let req = &mut req;
    match route {
        Route::Health => http::json(200, &serde_json::json!({ "status": "ok" })),
        Route::Whoami => whoami(req, app).await,
        Route::SignUp => auth_endpoints::sign_up(req, app).await,
        Route::SignIn => auth_endpoints::sign_in(req, app).await,
        Route::SignOut => auth_endpoints::sign_out(req, app).await,
        Route::GetSession => auth_endpoints::get_session(req, app).await,
        Route::CreateOrganization => organizations::create(req, app).await,
        Route::ListOrganizations => organizations::list(req, app).await,
        Route::SetActiveOrganization => organizations::set_active(req, app).await,
        Route::GetFullOrganization => organizations::get_full(req, app).await,
        Route::HasPermission => organizations::has_permission(req, app).await,
        Route::ListMembers => members::list(req, app).await,
        Route::RemoveMember => members::remove(req, app).await,
        Route::UpdateMemberRole => members::update_role(req, app).await,
        Route::LeaveOrganization => members::leave(req, app).await,
        Route::InviteMember => invitations::invite(req, app).await,
        Route::AcceptInvitation => invitations::accept(req, app).await,
        Route::RejectInvitation => invitations::reject(req, app).await,
        Route::CancelInvitation => invitations::cancel(req, app).await,
        Route::ListInvitations => invitations::list(req, app).await,
        Route::ListUserInvitations => invitations::list_for_user(req, app).await,
        Route::ListTools => tools::http_list(req, app).await,
        Route::CallTool => {
            let path = req.path();
            let name = path.trim_start_matches("/api/tools/");
            tools::http_call(req, app, name).await
        }
        Route::Mcp => tools::mcp::handle(req, app).await,
    }
}

/// Refuses state-changing requests whose cookie came from an untrusted
/// origin (see [`origin::check`]).
fn check_origin(req: &Request, app: &App, route: Route) -> Result<()> {
    let (own, _) = app::own_origin(req)?;
    let method = req.method();
    let origin_header = app::header(req, "origin");
    let referer = app::header(req, "referer");
    let site = app::header(req, "sec-fetch-site");
    let mode = app::header(req, "sec-fetch-mode");
    let headers = origin::OriginHeaders {
        method: method.as_ref(),
        has_cookie: app::header(req, "cookie").is_some(),
        origin: origin_header.as_deref(),
        referer: referer.as_deref(),
        sec_fetch_site: site.as_deref(),
        sec_fetch_mode: mode.as_deref(),
    };
    origin::check(
        &headers,
        &own,
        &app.config.trusted_origins,
        route.is_login(),
    )
}

/// `GET /api/whoami`: the caller's [`auth::AuthContext`].
async fn whoami(req: &mut Request, app: &App) -> Result<Response> {
    let ctx = auth::authenticate(req, app).await?;
    http::json(200, &ctx)
}
