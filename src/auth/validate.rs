//! Checks on the fields of the auth and organization endpoints. Each
//! refusal names its field.

use crate::error::{Error, Result};

/// The longest name, email or slug accepted.
const MAX_TEXT: usize = 256;

/// A required, non-blank display name, trimmed.
pub fn name<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if trimmed.chars().count() > MAX_TEXT {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(trimmed)
}

/// Lowercases text as JavaScript's `toLowerCase` does, which is how Better
/// Auth lowercases emails. In the Worker it is the runtime's own; Rust's
/// `str::to_lowercase` would bring its Unicode case tables (about 15 KB)
/// into the bundle. Host builds (tests, fuzzing) use Rust's.
#[cfg(target_arch = "wasm32")]
pub fn lowercase(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn lowercase(text: &str) -> String {
    text.to_lowercase()
}

/// An email address, trimmed and lowercased.
pub fn email(field: &str, value: &str) -> Result<String> {
    let email = lowercase(value.trim());
    let valid = email.len() <= MAX_TEXT
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid(field, "Invalid email address"))
    }
}

/// A new password: 8 to 128 characters (Better Auth's codes).
pub fn password(value: &str) -> Result<()> {
    super::password::check_length(value).map_err(|(code, message)| Error::Refused {
        status: 400,
        code,
        message: format!("password: {message}"),
    })
}

/// An optional image or logo URL.
pub fn optional_url(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) if url.len() > 2048 => {
            Err(Error::invalid(field, "must be at most 2048 characters"))
        }
        Some(url) => Ok(Some(url.to_string())),
    }
}

/// An organization slug: lowercase letters, digits and dashes.
pub fn slug(field: &str, value: &str) -> Result<String> {
    let slug = value.trim();
    let valid = !slug.is_empty()
        && slug.len() <= 64
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(slug.to_string())
    } else {
        Err(Error::invalid(
            field,
            "must be 1 to 64 lowercase letters, digits or dashes",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            email("email", " Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.d",
        ] {
            let error = email("email", bad).unwrap_err();
            assert!(error.to_string().starts_with("email:"), "{bad}: {error}");
        }
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert_eq!(name("name", "  Ada ").unwrap(), "Ada");
        assert!(name("name", "   ").is_err());
        assert!(name("name", &"x".repeat(257)).is_err());
        assert!(name("name", "a\u{0}b").is_err());
    }

    #[test]
    fn slugs_allow_only_lowercase_words() {
        assert_eq!(slug("slug", "acme-2").unwrap(), "acme-2");
        for bad in ["", "Acme", "a b", "a_b", "é"] {
            assert!(slug("slug", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_passwords_name_the_field() {
        let error = password("short").unwrap_err();
        assert_eq!(error.code(), "PASSWORD_TOO_SHORT");
        assert!(error.to_string().starts_with("password:"));
    }
}
