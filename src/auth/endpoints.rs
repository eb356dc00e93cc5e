//! Better Auth's email and password endpoints: sign-up, sign-in, sign-out
//! and get-session, with its bodies, answers and error codes.

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use super::session::{self, Lookup};
use super::{password, validate};
use crate::app::{header, own_origin, App};
use crate::error::{Error, Result};
use crate::http::{self, AUTH_BODY_LIMIT};
use crate::ids;
use crate::store::members::Member;
use crate::store::organizations::Organization;
use crate::store::sessions::{self, NewSession};
use crate::store::users::{self, User};
use crate::store::{accounts, members, organizations};
use crate::time;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignUpBody {
    name: String,
    email: String,
    password: String,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    remember_me: Option<bool>,
}

#[derive(Serialize)]
struct SignUpAnswer<'a> {
    token: &'a str,
    user: &'a User,
}

/// `POST /api/auth/sign-up/email`: creates the user, their credential
/// account, a personal organization with them as `owner`, and a session
/// whose active organization is that one, in one atomic D1 batch.
pub async fn sign_up(req: &mut Request, app: &App) -> Result<Response> {
    // Without the signing secret no cookie could be issued: refuse before
    // writing anything.
    app.config.secret()?;
    let body: SignUpBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let name = validate::name("name", &body.name)?;
    let email = validate::email("email", &body.email)?;
    validate::password(&body.password)?;
    let image = validate::optional_url("image", body.image.as_deref())?;
    let remember = body.remember_me != Some(false);

    // Hashing first means an existing email costs the same time as a new
    // one, and the sign-up stays one D1 round trip.
    let password_hash = password::hash(&body.password)?;

    let now_ms = time::now_ms();
    let now = time::to_iso(now_ms);
    let user = User {
        name: name.to_string(),
        email: email.clone(),
        email_verified: false,
        image,
        created_at: now.clone(),
        updated_at: now.clone(),
        id: ids::random_id()?,
    };
    let organization = Organization {
        name: personal_organization_name(name),
        slug: personal_organization_slug(name)?,
        logo: None,
        created_at: now.clone(),
        metadata: None,
        id: ids::random_id()?,
    };
    let member = Member {
        organization_id: organization.id.clone(),
        user_id: user.id.clone(),
        role: "owner".into(),
        created_at: now.clone(),
        id: ids::random_id()?,
    };
    let new_session = new_session(req, &user.id, remember, now_ms)?;

    let db = &app.db;
    let statements = vec![
        users::insert(db, &user)?,
        accounts::insert_credential(db, &ids::random_id()?, &user.id, &password_hash, &now)?,
        organizations::insert(db, &organization)?,
        members::insert(db, &member)?,
        sessions::insert(db, &new_session, Some(&organization.id))?,
    ];
    if let Err(error) = db.batch(statements).await {
        // The batch left nothing behind. A taken email is the expected
        // cause (two sign-ups racing, or a repeat); anything else is ours.
        if users::email_exists(db, &email).await? {
            return Err(user_exists());
        }
        return Err(error);
    }

    let (_, secure) = own_origin(req)?;
    let cookies = session::issue_cookies(app, &new_session.token, remember, secure)?;
    http::json_with_headers(
        200,
        &SignUpAnswer {
            token: &new_session.token,
            user: &user,
        },
        &cookies,
    )
}

fn user_exists() -> Error {
    Error::Refused {
        status: 422,
        code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        message: "User already exists. Use another email.".into(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInBody {
    email: String,
    password: String,
    #[serde(default)]
    remember_me: Option<bool>,
}

#[derive(Serialize)]
struct SignInAnswer<'a> {
    redirect: bool,
    token: &'a str,
    user: &'a User,
}

/// `POST /api/auth/sign-in/email`: the password hash plus two D1 round
/// trips (find the user, insert the session).
pub async fn sign_in(req: &mut Request, app: &App) -> Result<Response> {
    app.config.secret()?;
    let body: SignInBody = http::read_json(req, AUTH_BODY_LIMIT).await?;
    let email = validate::email("email", &body.email).map_err(|_| Error::Refused {
        status: 400,
        code: "INVALID_EMAIL",
        message: "email: Invalid email".into(),
    })?;
    if body.password.encode_utf16().count() > 128 {
        return Err(Error::Refused {
            status: 400,
            code: "PASSWORD_TOO_LONG",
            message: "password: Password too long".into(),
        });
    }
    let remember = body.remember_me != Some(false);
    app.count_sign_in(&email).await?;

    let found = users::find_with_password(&app.db, &email).await?;
    let Some((user, Some(stored))) = found.map(|f| (f.user, f.password)) else {
        // Hash anyway, so an unknown email answers as slowly as a wrong
        // password and timing does not reveal which emails have accounts.
        password::hash(&body.password)?;
        return Err(Error::InvalidCredentials);
    };
    if !password::verify(&body.password, &stored)? {
        return Err(Error::InvalidCredentials);
    }

    let new_session = new_session(req, &user.id, remember, time::now_ms())?;
    let insert = sessions::insert_with_latest_organization(&app.db, &new_session)?;
    app.db.execute(insert).await?;

    let (_, secure) = own_origin(req)?;
    let cookies = session::issue_cookies(app, &new_session.token, remember, secure)?;
    let answer = SignInAnswer {
        redirect: false,
        token: &new_session.token,
        user: &user,
    };
    http::json_with_headers(200, &answer, &cookies)
}

/// `POST /api/auth/sign-out`: deletes the caller's session, if any, and
/// clears the cookies. Answers `{success: true}` either way.
pub async fn sign_out(req: &mut Request, app: &App) -> Result<Response> {
    let _: serde_json::Value = http::read_json(req, AUTH_BODY_LIMIT).await?;
    if let Lookup::Live(current) = session::lookup(req, app).await? {
        sessions::delete(&app.db, &current.data.session.token).await?;
    }
    let (_, secure) = own_origin(req)?;
    http::json_with_headers(
        200,
        &serde_json::json!({ "success": true }),
        &session::clear_cookies(secure),
    )
}

/// `GET /api/auth/get-session`: `{session, user}` or `null`. A session last
/// extended more than a day ago is extended to seven days from now and its
/// cookie set again (not for `rememberMe: false` sessions).
pub async fn get_session(req: &mut Request, app: &App) -> Result<Response> {
    let (_, secure) = own_origin(req)?;
    let no_store = ("cache-control", "no-store".to_string());
    let mut current = match session::lookup(req, app).await? {
        Lookup::Live(current) => current,
        Lookup::Anonymous => return http::json_with_headers(200, &(), &[no_store]),
        Lookup::Ended => {
            let mut headers = session::clear_cookies(secure);
            headers.push(no_store);
            return http::json_with_headers(200, &(), &headers);
        }
    };

    let mut headers = vec![no_store];
    let now_ms = time::now_ms();
    if !current.dont_remember && session::needs_refresh(current.expires_at_ms, now_ms) {
        let token = current.data.session.token.clone();
        let expires_at = time::to_iso(now_ms + session::SESSION_TTL_MS);
        let now = time::to_iso(now_ms);
        if !sessions::extend(&app.db, &token, &expires_at, &now).await? {
            return Err(Error::Unauthorized);
        }
        current.data.session.expires_at = expires_at;
        current.data.session.updated_at = now;
        headers.extend(session::issue_cookies(app, &token, true, secure)?);
    }
    let answer = serde_json::json!({ "session": current.data.session, "user": current.data.user });
    http::json_with_headers(200, &answer, &headers)
}

/// A session for `user_id` starting at `now_ms`, with a fresh id and token
/// and the client's address and user agent.
fn new_session(req: &Request, user_id: &str, remember: bool, now_ms: i64) -> Result<NewSession> {
    let (ip_address, user_agent) = client_facts(req);
    Ok(NewSession {
        id: ids::random_id()?,
        token: ids::random_id()?,
        user_id: user_id.to_string(),
        expires_at: time::to_iso(now_ms + session_ttl(remember)),
        now: time::to_iso(now_ms),
        ip_address,
        user_agent,
    })
}

fn session_ttl(remember: bool) -> i64 {
    if remember {
        session::SESSION_TTL_MS
    } else {
        session::SHORT_SESSION_TTL_MS
    }
}

/// The client's address and user agent, recorded on its session as Better
/// Auth does.
fn client_facts(req: &Request) -> (String, String) {
    let ip = header(req, "cf-connecting-ip")
        .or_else(|| {
            header(req, "x-forwarded-for")
                .and_then(|list| list.split(',').next().map(|ip| ip.trim().to_string()))
        })
        .unwrap_or_default();
    let agent = header(req, "user-agent").unwrap_or_default();
    (ip, agent.chars().take(512).collect())
}

/// "Ada Lovelace" → "Ada Lovelace's organization".
pub fn personal_organization_name(user_name: &str) -> String {
    format!("{user_name}'s organization")
}

/// A slug from the user's name plus a random suffix, so personal
/// organizations never collide: "Ada Lovelace" → "ada-lovelace-k3x9q2mz".
pub fn personal_organization_slug(user_name: &str) -> Result<String> {
    let suffix: String = ids::random_id()?
        .chars()
        .take(8)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Ok(format!("{}-{suffix}", slugify(user_name)))
}

/// Lowercase ASCII letters and digits joined by single dashes, at most 40
/// characters; "org" when nothing is left.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "org".to_string()
    } else {
        slug.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_and_safe() {
        assert_eq!(slugify("Ada Lovelace"), "ada-lovelace");
        assert_eq!(slugify("  Grace -- Hopper!! "), "grace-hopper");
        assert_eq!(slugify("李小龍"), "org");
        assert!(slugify(&"x".repeat(100)).len() <= 40);
    }

    #[test]
    fn personal_organizations_get_a_unique_slug() {
        let a = personal_organization_slug("Ada").unwrap();
        let b = personal_organization_slug("Ada").unwrap();
        assert!(a.starts_with("ada-") && a.len() == "ada-".len() + 8);
        assert_ne!(a, b);
    }
}
