//! Cross-site request forgery defense, as Better Auth does it: a state-changing
//! request that carries a cookie must come from a trusted origin (the
//! Worker's own, or one listed in `TRUSTED_ORIGINS`). Requests without a
//! cookie carry no ambient authority and are not checked, except sign-in and
//! sign-up, which a browser could be tricked into posting with no cookie.

use crate::error::{Error, Result};

/// The headers the check reads.
pub struct OriginHeaders<'a> {
    pub method: &'a str,
    pub has_cookie: bool,
    pub origin: Option<&'a str>,
    pub referer: Option<&'a str>,
    pub sec_fetch_site: Option<&'a str>,
    pub sec_fetch_mode: Option<&'a str>,
}

/// Whether the request may go on. `own` is the Worker's own origin
/// (`https://host`); `trusted` lists the configured ones. `login` marks
/// sign-in and sign-up.
pub fn check(headers: &OriginHeaders, own: &str, trusted: &[String], login: bool) -> Result<()> {
    if matches!(headers.method, "GET" | "HEAD" | "OPTIONS") {
        return Ok(());
    }
    if !headers.has_cookie {
        if !login {
            return Ok(());
        }
        if headers.sec_fetch_site == Some("cross-site")
            && headers.sec_fetch_mode == Some("navigate")
        {
            return Err(Error::Refused {
                status: 403,
                code: "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
                message: "Cross-site navigation login blocked. This request appears to be a CSRF \
                          attack."
                    .into(),
            });
        }
        // Browsers send Sec-Fetch-Site with every request; Node's fetch sends
        // only Sec-Fetch-Mode, and a server-side client must still sign in.
        let browser_like = headers.sec_fetch_site.is_some()
            || headers.origin.is_some()
            || headers.referer.is_some();
        if !browser_like {
            return Ok(());
        }
    }

    let claimed = headers.origin.or(headers.referer).unwrap_or("");
    let Some(claimed) = origin_of(claimed) else {
        return Err(Error::Refused {
            status: 403,
            code: "MISSING_OR_NULL_ORIGIN",
            message: "Missing or null Origin".into(),
        });
    };
    if claimed == own || trusted.contains(&claimed) {
        Ok(())
    } else {
        Err(Error::InvalidOrigin)
    }
}

/// The `scheme://host[:port]` part of an origin or URL; `None` for an
/// empty or `null` origin.
pub fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url == "null" {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(has_cookie: bool, origin: Option<&'static str>) -> OriginHeaders<'static> {
        OriginHeaders {
            method: "POST",
            has_cookie,
            origin,
            referer: None,
            sec_fetch_site: None,
            sec_fetch_mode: None,
        }
    }

    const OWN: &str = "https://api.example";

    #[test]
    fn cookie_requests_need_a_trusted_origin() {
        let trusted = vec!["https://app.example".to_string()];
        assert!(check(&post(true, Some(OWN)), OWN, &trusted, false).is_ok());
        assert!(check(
            &post(true, Some("https://app.example")),
            OWN,
            &trusted,
            false
        )
        .is_ok());
        let refused = check(
            &post(true, Some("https://evil.example")),
            OWN,
            &trusted,
            false,
        );
        assert_eq!(refused.unwrap_err().code(), "INVALID_ORIGIN");
    }

    #[test]
    fn a_missing_origin_with_a_cookie_is_refused() {
        let refused = check(&post(true, None), OWN, &[], false).unwrap_err();
        assert_eq!(refused.code(), "MISSING_OR_NULL_ORIGIN");
        let null = check(&post(true, Some("null")), OWN, &[], false).unwrap_err();
        assert_eq!(null.code(), "MISSING_OR_NULL_ORIGIN");
    }

    #[test]
    fn the_referer_stands_in_for_a_missing_origin() {
        let mut headers = post(true, None);
        headers.referer = Some("https://api.example/console/page?x=1");
        assert!(check(&headers, OWN, &[], false).is_ok());
    }

    #[test]
    fn requests_without_cookies_and_reads_are_not_checked() {
        assert!(check(&post(false, Some("https://evil.example")), OWN, &[], false).is_ok());
        let mut get = post(true, Some("https://evil.example"));
        get.method = "GET";
        assert!(check(&get, OWN, &[], false).is_ok());
    }

    #[test]
    fn login_from_a_foreign_page_is_refused_even_without_a_cookie() {
        let refused = check(&post(false, Some("https://evil.example")), OWN, &[], true);
        assert_eq!(refused.unwrap_err().code(), "INVALID_ORIGIN");
        // A server-to-server sign-in (no browser headers at all) passes.
        assert!(check(&post(false, None), OWN, &[], true).is_ok());
        // A browser's sign-in must name its origin.
        let mut browser = post(false, None);
        browser.sec_fetch_site = Some("same-origin");
        assert_eq!(
            check(&browser, OWN, &[], true).unwrap_err().code(),
            "MISSING_OR_NULL_ORIGIN"
        );
    }

    #[test]
    fn origins_compare_without_path_or_case() {
        assert_eq!(
            origin_of("HTTPS://App.Example:8443/x").as_deref(),
            Some("https://app.example:8443")
        );
        assert_eq!(origin_of("not a url"), None);
        assert_eq!(origin_of("https://"), None);
    }
}
