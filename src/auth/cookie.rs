//! The session cookie and bearer token, in Better Auth's format.
//!
//! The cookie `better-auth.session_token` (prefixed `__Secure-` over https)
//! holds `encodeURIComponent(token + "." + base64(HMAC-SHA256(secret, token)))`.
//! This module only parses and writes text; computing and checking the
//! signature is [`super::crypto`]'s.

/// The session cookie's name over plain http.
pub const SESSION_COOKIE: &str = "better-auth.session_token";
/// The session cookie's name over https.
pub const SECURE_SESSION_COOKIE: &str = "__Secure-better-auth.session_token";
/// Set with a session that should not outlive the browser (`rememberMe: false`).
pub const DONT_REMEMBER_COOKIE: &str = "better-auth.dont_remember";
pub const SECURE_DONT_REMEMBER_COOKIE: &str = "__Secure-better-auth.dont_remember";
/// Cookie values longer than this are refused unread: browsers cap a cookie
/// at 4096 bytes, and a signed token is 77.
pub const MAX_COOKIE_VALUE: usize = 4096;

/// The length of a base64 HMAC-SHA256 signature (32 bytes, padded).
const SIGNATURE_LEN: usize = 44;

/// Where a request's credential came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A signed value, `token.signature`, from the cookie or a bearer header.
    Signed { token: String, signature: String },
    /// A raw session token from `Authorization: Bearer`.
    Raw(String),
}

impl Credential {
    pub fn token(&self) -> &str {
        match self {
            Credential::Signed { token, .. } | Credential::Raw(token) => token,
        }
    }
}

/// Finds the first cookie named `name` in a `Cookie` header.
pub fn find_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// Reads the session credential from the `Cookie` and `Authorization`
/// headers. The cookie wins when both are present, as in Better Auth; a
/// malformed one yields `None`, never a fallback to the other.
pub fn read_credential(cookie: Option<&str>, authorization: Option<&str>) -> Option<Credential> {
    let from_cookie = cookie.and_then(|header| {
        find_cookie(header, SECURE_SESSION_COOKIE).or_else(|| find_cookie(header, SESSION_COOKIE))
    });
    if let Some(value) = from_cookie {
        return parse_signed(value);
    }
    let bearer = authorization?.strip_prefix("Bearer ")?.trim();
    if crate::ids::looks_like_token(bearer) {
        return Some(Credential::Raw(bearer.to_string()));
    }
    parse_signed(bearer)
}

/// Parses an encoded `token.signature` value. Only shapes orgscope or Better
/// Auth could have written pass: a 32-character token and a 44-character
/// padded base64 signature.
pub fn parse_signed(value: &str) -> Option<Credential> {
    if value.is_empty() || value.len() > MAX_COOKIE_VALUE {
        return None;
    }
    let decoded = percent_decode(value)?;
    let (token, signature) = decoded.rsplit_once('.')?;
    let signature_ok = signature.len() == SIGNATURE_LEN
        && signature.ends_with('=')
        && signature
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if !crate::ids::looks_like_token(token) || !signature_ok {
        return None;
    }
    Some(Credential::Signed {
        token: token.to_string(),
        signature: signature.to_string(),
    })
}

/// The cookie value for `token` and its base64 `signature`.
pub fn signed_value(token: &str, signature: &str) -> String {
    percent_encode(&format!("{token}.{signature}"))
}

/// Attributes of a cookie being set.
#[derive(Debug, Clone, Copy)]
pub struct CookieOptions {
    /// `Max-Age` in seconds; `None` makes a browser-session cookie.
    pub max_age: Option<i64>,
    /// Served over https: add `Secure` (the name carries `__Secure-`).
    pub secure: bool,
}

/// A `Set-Cookie` header value with Better Auth's attributes.
pub fn set_cookie(name: &str, value: &str, options: CookieOptions) -> String {
    let mut header = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(max_age) = options.max_age {
        header.push_str(&format!("; Max-Age={max_age}"));
    }
    if options.secure {
        header.push_str("; Secure");
    }
    header
}

/// A `Set-Cookie` header value that deletes the cookie.
pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(
        name,
        "",
        CookieOptions {
            max_age: Some(0),
            secure,
        },
    )
}

/// JavaScript's `encodeURIComponent`.
pub fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let unreserved = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        if unreserved {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
    out
}

/// JavaScript's `decodeURIComponent`: `None` for a broken escape or bytes
/// that are not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            // `from_str_radix` alone would also take a sign: `%+2` is broken.
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
    const SIG: &str = "uGc9a1JIlH0ZcMW7yTUqBdmbDTpZNw2nMYfc3Qkf0vo=";

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(percent_encode("a+b/c=d"), "a%2Bb%2Fc%3Dd");
        assert_eq!(percent_encode("é !~*'()"), "%C3%A9%20!~*'()");
        assert_eq!(percent_decode("%C3%A9%20x").as_deref(), Some("é x"));
    }

    #[test]
    fn broken_escapes_do_not_decode() {
        assert_eq!(percent_decode("%"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
    }

    /// Found by the `cookie` fuzz target: a sign is not a hex digit.
    #[test]
    fn escapes_with_a_sign_do_not_decode() {
        assert_eq!(percent_decode("%+2"), None);
        assert_eq!(percent_decode("!!e0e!%+eo"), None);
        assert_eq!(percent_decode("%-1"), None);
    }

    #[test]
    fn reads_a_signed_cookie() {
        let header = format!("theme=dark; {SESSION_COOKIE}={}", signed_value(TOKEN, SIG));
        let credential = read_credential(Some(&header), None).unwrap();
        assert_eq!(
            credential,
            Credential::Signed {
                token: TOKEN.into(),
                signature: SIG.into()
            }
        );
    }

    #[test]
    fn prefers_the_secure_cookie() {
        let other = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
        let header = format!(
            "{SESSION_COOKIE}={}; {SECURE_SESSION_COOKIE}={}",
            signed_value(other, SIG),
            signed_value(TOKEN, SIG)
        );
        assert_eq!(read_credential(Some(&header), None).unwrap().token(), TOKEN);
    }

    #[test]
    fn reads_raw_and_signed_bearer_tokens() {
        let raw = read_credential(None, Some(&format!("Bearer {TOKEN}"))).unwrap();
        assert_eq!(raw, Credential::Raw(TOKEN.into()));
        let signed = format!("Bearer {}", signed_value(TOKEN, SIG));
        assert!(matches!(
            read_credential(None, Some(&signed)),
            Some(Credential::Signed { .. })
        ));
    }

    #[test]
    fn refuses_malformed_values() {
        let truncated = &signed_value(TOKEN, SIG)[..60];
        let double = percent_encode(&signed_value(TOKEN, SIG));
        let long = "a".repeat(5000);
        for value in ["", "nodot", truncated, &double, &long, "ü.ü"] {
            assert_eq!(parse_signed(value), None, "{value}");
        }
        assert_eq!(read_credential(None, Some("Basic abc")), None);
        assert_eq!(read_credential(None, Some("Bearer short")), None);
    }

    #[test]
    fn a_malformed_cookie_does_not_fall_back_to_the_bearer() {
        let header = format!("{SESSION_COOKIE}=garbage");
        let bearer = format!("Bearer {TOKEN}");
        assert_eq!(read_credential(Some(&header), Some(&bearer)), None);
    }

    #[test]
    fn set_cookie_has_better_auth_attributes() {
        let options = CookieOptions {
            max_age: Some(604_800),
            secure: true,
        };
        assert_eq!(
            set_cookie(SECURE_SESSION_COOKIE, "v", options),
            "__Secure-better-auth.session_token=v; Path=/; HttpOnly; SameSite=Lax; \
             Max-Age=604800; Secure"
        );
    }
}
