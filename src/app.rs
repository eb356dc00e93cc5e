//! What every handler works with: the database and the configuration, built
//! from the Worker's bindings for one request, and the request's own facts.

use worker::{Env, Request};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::Db;

/// The database and configuration of one request.
pub struct App {
    pub db: Db,
    pub config: Config,
}

impl App {
    pub fn from_env(env: &Env) -> Result<App> {
        Ok(App {
            db: Db::new(env.d1("DB")?),
            config: Config::from_env(env),
        })
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
