//! The Worker's configuration, read from its bindings for each request.

use worker::Env;

use crate::error::{Error, Result};

/// What the environment configures.
pub struct Config {
    /// `BETTER_AUTH_SECRET`: signs session cookies. Shared with a Better Auth
    /// app on the same database. `None` when unset: every request that needs
    /// it then fails with a logged configuration error (see [`Config::secret`]).
    secret: Option<String>,
    /// `TRUSTED_ORIGINS`: origins besides the Worker's own whose
    /// cookie-carrying requests are accepted.
    pub trusted_origins: Vec<String>,
}

impl Config {
    pub fn from_env(env: &Env) -> Config {
        let secret = env
            .secret("BETTER_AUTH_SECRET")
            .map(|s| s.to_string())
            .ok()
            .filter(|s| !s.is_empty());
        let trusted_origins = env
            .var("TRUSTED_ORIGINS")
            .map(|v| parse_origins(&v.to_string()))
            .unwrap_or_default();
        Config {
            secret,
            trusted_origins,
        }
    }

    /// The cookie-signing secret. There is no built-in default: a Worker
    /// deployed without one refuses to sign or verify anything.
    pub fn secret(&self) -> Result<&str> {
        self.secret
            .as_deref()
            .ok_or(Error::Config("BETTER_AUTH_SECRET is not set"))
    }
}

fn parse_origins(list: &str) -> Vec<String> {
    list.split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_string())
        .filter(|origin| !origin.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_trimmed_and_empty_ones_dropped() {
        assert_eq!(
            parse_origins(" https://a.example/ ,, http://localhost:5173"),
            vec!["https://a.example", "http://localhost:5173"]
        );
        assert!(parse_origins("").is_empty());
    }
}
