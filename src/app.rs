//! What every handler works with: the database and the configuration, built
//! from the Worker's bindings for one request, and the request's own facts.

use worker::{Env, RateLimiter, Request};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::Db;

/// The database, configuration and bindings of one request.
pub struct App {
    pub db: Db,
    pub config: Config,
    /// Counts sign-in attempts per email (`[[ratelimits]]` in wrangler.toml).
    sign_in_limiter: Option<RateLimiter>,
}

/// How long a client refused by the sign-in limiter should wait: the
/// limiter's window.
pub const SIGN_IN_RETRY_AFTER_SECONDS: u32 = 60;

impl App {
    pub fn from_env(env: &Env) -> Result<App> {
        Ok(App {
            db: Db::new(env.d1("DB")?),
            config: Config::from_env(env),
            sign_in_limiter: env.rate_limiter("SIGN_IN_LIMITER").ok(),
        })
    }

    /// Counts one sign-in attempt for `email`; 429 past the limit. A Worker
    /// deployed without the binding refuses sign-in rather than run
    /// unprotected.
    pub async fn count_sign_in(&self, email: &str) -> Result<()> {
        let limiter = self.sign_in_limiter.as_ref().ok_or(Error::Config(
            "the SIGN_IN_LIMITER rate limiting binding is missing",
        ))?;
        if limiter.limit(format!("sign-in:{email}")).await?.success {
            Ok(())
        } else {
            Err(Error::RateLimited {
                retry_after: SIGN_IN_RETRY_AFTER_SECONDS,
            })
        }
    }
}

/// A request header, or `None` when absent.
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// The request's own origin (`https://host[:port]`), and whether it came
/// over https (cookies then carry `Secure` and the `__Secure-` prefix).
pub fn own_origin(req: &Request) -> Result<(String, bool)> {
    let url = req.inner().url();
    let origin = crate::auth::origin::origin_of(&url)
        .ok_or_else(|| Error::Corrupt(format!("the runtime gave an unusable URL: {url}")))?;
    let secure = origin.starts_with("https://");
    Ok((origin, secure))
}

/// The request's query string, without the `?`.
///
/// Read from the URL text rather than through `Request::url`, whose URL
/// parser brings about 130 KB of Unicode tables into the bundle.
pub fn query(req: &Request) -> Option<String> {
    let url = req.inner().url();
    let (_, rest) = url.split_once('?')?;
    let query = rest.split('#').next().unwrap_or("");
    Some(query.to_string())
}
