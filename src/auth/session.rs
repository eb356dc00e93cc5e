//! Sessions as Better Auth keeps them: finding the caller's session from the
//! cookie or bearer token, expiring and refreshing it, and the cookies that
//! carry it.

use worker::Request;

use super::cookie::{self, CookieOptions, Credential};
use super::crypto;
use crate::app::{header, App};
use crate::error::Result;
use crate::store::date_ms;
use crate::store::sessions::{self, SessionWithUser};
use crate::time::{self, DAY_MS};

/// How long a session lasts (Better Auth's `expiresIn`).
pub const SESSION_TTL_MS: i64 = 7 * DAY_MS;
/// How long a session lasts when the user asked not to be remembered.
pub const SHORT_SESSION_TTL_MS: i64 = DAY_MS;
/// How old a session's last refresh must be before get-session extends it
/// (Better Auth's `updateAge`).
pub const UPDATE_AGE_MS: i64 = DAY_MS;

/// The outcome of looking for the caller's session.
pub enum Lookup {
    /// No credential, or one whose signature does not verify.
    Anonymous,
    /// A well-signed credential whose session is gone or has expired (an
    /// expired row is deleted on the way).
    Ended,
    /// A live session.
    Live(Box<Current>),
}

/// The caller's live session.
pub struct Current {
    pub data: SessionWithUser,
    /// Signed in with `rememberMe: false`: never refreshed, cookie without
    /// `Max-Age`.
    pub dont_remember: bool,
    pub expires_at_ms: i64,
}

/// Finds the caller's session: one D1 round trip, plus one to delete it
/// when it has expired.
pub async fn lookup(req: &Request, app: &App) -> Result<Lookup> {
    let cookies = header(req, "cookie");
    let credential =
        cookie::read_credential(cookies.as_deref(), header(req, "authorization").as_deref());
    let Some(credential) = credential else {
        return Ok(Lookup::Anonymous);
    };
    if let Credential::Signed { token, signature } = &credential {
        if !verify(app, token, signature)? {
            return Ok(Lookup::Anonymous);
        }
    }

    let Some(data) = sessions::find(&app.db, credential.token()).await? else {
        return Ok(Lookup::Ended);
    };
    let expires_at_ms = date_ms(&data.session.expires_at)?;
    if expires_at_ms <= time::now_ms() {
        sessions::delete(&app.db, &data.session.token).await?;
        return Ok(Lookup::Ended);
    }
    let dont_remember = match cookies.as_deref().and_then(dont_remember_value) {
        Some((value, signature)) => value == "true" && verify(app, &value, &signature)?,
        None => false,
    };
    Ok(Lookup::Live(Box::new(Current {
        data,
        dont_remember,
        expires_at_ms,
    })))
}

fn dont_remember_value(cookies: &str) -> Option<(String, String)> {
    let raw = cookie::find_cookie(cookies, cookie::SECURE_DONT_REMEMBER_COOKIE)
        .or_else(|| cookie::find_cookie(cookies, cookie::DONT_REMEMBER_COOKIE))?;
    let decoded = cookie::percent_decode(raw)?;
    let (value, signature) = decoded.rsplit_once('.')?;
    Some((value.to_string(), signature.to_string()))
}

/// Whether `signature` is the HMAC of `value` under the configured secret.
pub fn verify(app: &App, value: &str, signature: &str) -> Result<bool> {
    let expected = crypto::hmac_sha256_base64(app.config.secret()?, value)?;
    Ok(crypto::constant_time_eq(
        expected.as_bytes(),
        signature.as_bytes(),
    ))
}

/// Whether a session should be extended now (`updateAge` has passed since
/// it was last extended).
pub fn needs_refresh(expires_at_ms: i64, now_ms: i64) -> bool {
    expires_at_ms - SESSION_TTL_MS + UPDATE_AGE_MS <= now_ms
}

/// The `Set-Cookie` headers that carry a new or refreshed session.
pub fn issue_cookies(
    app: &App,
    token: &str,
    remember: bool,
    secure: bool,
) -> Result<Vec<(&'static str, String)>> {
    let secret = app.config.secret()?;
    let signature = crypto::hmac_sha256_base64(secret, token)?;
    let value = cookie::signed_value(token, &signature);
    let options = CookieOptions {
        max_age: remember.then_some(SESSION_TTL_MS / 1000),
        secure,
    };
    let mut headers = vec![(
        "set-cookie",
        cookie::set_cookie(session_cookie_name(secure), &value, options),
    )];
    let dont_remember_name = if secure {
        cookie::SECURE_DONT_REMEMBER_COOKIE
    } else {
        cookie::DONT_REMEMBER_COOKIE
    };
    if remember {
        headers.push((
            "set-cookie",
            cookie::clear_cookie(dont_remember_name, secure),
        ));
    } else {
        let flag = cookie::signed_value("true", &crypto::hmac_sha256_base64(secret, "true")?);
        let options = CookieOptions {
            max_age: None,
            secure,
        };
        headers.push((
            "set-cookie",
            cookie::set_cookie(dont_remember_name, &flag, options),
        ));
    }
    Ok(headers)
}

/// The `Set-Cookie` headers that end a session in the browser.
pub fn clear_cookies(secure: bool) -> Vec<(&'static str, String)> {
    let names = if secure {
        [
            cookie::SECURE_SESSION_COOKIE,
            "__Secure-better-auth.session_data",
            cookie::SECURE_DONT_REMEMBER_COOKIE,
        ]
    } else {
        [
            cookie::SESSION_COOKIE,
            "better-auth.session_data",
            cookie::DONT_REMEMBER_COOKIE,
        ]
    };
    names
        .iter()
        .map(|name| ("set-cookie", cookie::clear_cookie(name, secure)))
        .collect()
}

fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        cookie::SECURE_SESSION_COOKIE
    } else {
        cookie::SESSION_COOKIE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_refresh_a_day_after_their_last_extension() {
        let now = 1_000 * DAY_MS;
        // Created (or extended) just now: expires in seven days, no refresh.
        assert!(!needs_refresh(now + SESSION_TTL_MS, now));
        // Extended 23 hours ago.
        assert!(!needs_refresh(
            now + SESSION_TTL_MS - 23 * time::HOUR_MS,
            now
        ));
        // Extended exactly a day ago.
        assert!(needs_refresh(now + SESSION_TTL_MS - DAY_MS, now));
    }

    #[test]
    fn the_dont_remember_cookie_is_read_encoded_or_not() {
        let sig = "uGc9a1JIlH0ZcMW7yTUqBdmbDTpZNw2nMYfc3Qkf0vo=";
        let expected = Some(("true".to_string(), sig.to_string()));
        let encoded = format!(
            "better-auth.dont_remember=true.{}",
            cookie::percent_encode(sig)
        );
        assert_eq!(dont_remember_value(&encoded), expected);
        let plain = format!("better-auth.dont_remember=true.{sig}");
        assert_eq!(dont_remember_value(&plain), expected);
    }
}
